"""What claimex writes: a JSON document (`claimex verify`'s) is the text `json.dumps` writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claimex.output import to_json, to_json_bytes


def python_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def file_text(data: Any) -> str:
    """What `claimex verify -o` writes (`to_json_bytes`), read back as text."""
    written = to_json_bytes(data)
    return written.decode("utf-8") if isinstance(written, bytes) else written


# What `json.loads` can give: any float (NaN and the infinities too), ints past 64 bits, any text.
documents = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), documents, max_size=4))
def test_a_document_is_written_as_json_dumps_writes_it(data: dict[str, Any]) -> None:
    assert to_json(data) == python_json(data)
    assert file_text(data) == python_json(data)


def test_the_floats_and_strings_pydantic_writes_otherwise_are_written_as_python_does() -> None:
    # pydantic writes 1e-5 and 0.00001 where Python writes 1e-05: such a document goes to json.dumps.
    tiny = {"claims": [{"quantities": [{"value": value} for value in (1e-05, 3.2e-07, -8.5e-05, 1e-300)]}]}
    assert to_json(tiny) == python_json(tiny)
    assert file_text(tiny) == python_json(tiny)
    assert '"value": 1e-05' in to_json(tiny)
    # A lone surrogate (json.loads reads "\ud800"): pydantic refuses it; the text is json.dumps's.
    surrogate = {"claims": [{"statement": "\ud800 x"}]}
    assert to_json(surrogate) == python_json(surrogate)
    assert file_text(surrogate) == python_json(surrogate)
    special = {"score": [float("nan"), float("inf"), -float("inf"), -0.0, 1e16, 1e22, 2**70, 5e-324]}
    assert to_json(special) == python_json(special)
    assert file_text(special) == python_json(special)
    typography = {"quote": '« vrai »\u00a0\u202f’ \t\n\x00\x1f\x7f\u2028 \\ " 😀', "": [[], {}]}
    assert to_json(typography) == python_json(typography)
    assert file_text(typography) == python_json(typography)
