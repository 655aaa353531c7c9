"""Every use claimex makes of instructor's private parts (its v2 mode registry), in one place.

What they buy: `instructor.patch(create)(response_model=M, ...)` redoes on every call what
depends on `M` alone: it wraps `M` in a new pydantic class (whose validator pydantic builds
anew), generates its JSON Schema and the tool definition, and walks them looking for async
validators. `structured.py` asks instructor's own mode handlers for that once per answer schema,
then uses the same handlers to parse and re-ask, so every request is still the one
`instructor.patch` sends, byte for byte (`tests/test_llm.py`). That takes an answer's CPU time
from 3.55 ms to 0.85 ms, both through the OpenAI client (`benchmarks/private_apis_bench.py`,
2 cores, 2026-12-02, the seed's recorded answer): more than all the rest claimex does for an
article. `tests/test_private_apis.py` fails the day an upgrade changes any of them, and
pyproject.toml pins instructor to the minor version they were checked against.
"""

from __future__ import annotations

from typing import Any


def mode_handlers(mode: Any) -> Any:
    """instructor's ModeHandlers (request_handler, response_parser, reask_handler, message_converter)."""
    import instructor
    from instructor.v2.core.registry import mode_registry

    return mode_registry.get_handlers(instructor.Provider.OPENAI, mode)


def wrapped_response_model(response_model: Any) -> Any:
    """The answer's model as instructor wraps it before building a request from it."""
    from instructor.v2.core.response_model import prepare_response_model

    return prepare_response_model(response_model)


def retryable_parse_errors() -> tuple[type[Exception], ...]:
    """What instructor re-asks on: an answer that is not JSON, does not parse, or fails a validator."""
    from instructor.v2.core.retry import _RETRYABLE_PARSE_ERRORS

    return tuple(_RETRYABLE_PARSE_ERRORS)
