"""Write: result JSON (atomically, so no half-written file is ever left) and the terminal table."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pydantic_core

from .errors import ClaimexError
from .llm.turns import waiting
from .models import Result, TaskResult

if TYPE_CHECKING:
    # Only the tables need rich (`--format table`): JSON is written without importing it.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

STATUS_STYLE = {"exact": "green", "normalized": "cyan", "fuzzy": "yellow", "missing": "red"}


# Where pydantic's JSON of a float is not Python's: under 1e-4 in absolute value, where
# `json.dumps` writes 1e-05 and pydantic 0.00001 or 1e-5. Output holding either shape is written
# by `json.dumps` instead (a string that holds one only costs that slower path). Searched as a
# literal and a pattern that starts with one: the alternation of both made `re` try every byte
# (10 ms for the 1.3 MB of a 2,000-claim file, against 1.5).
_TINY_DECIMAL = b"0.0000"
_TINY_EXPONENT = re.compile(rb"e-\d(?!\d)")


def to_json(data: Result | TaskResult | dict[str, Any]) -> str:
    written = to_json_bytes(data)
    return written.decode("utf-8") if isinstance(written, bytes) else written


def to_json_bytes(data: Result | TaskResult | dict[str, Any]) -> bytes | str:
    """`to_json(data)` for a file: the serialiser's UTF-8 as it is, not decoded to a str to be
    encoded again (2 to 4 ms for a 2,000-claim file); a str where only `json.dumps` writes it."""
    if isinstance(data, Result | TaskResult):
        return json_bytes(data)
    encoded = _document_json(data)
    return encoded + b"\n" if isinstance(encoded, bytes) else encoded + "\n"


def _document_json(data: dict[str, Any]) -> bytes | str:
    """`json.dumps(data, indent=2, ensure_ascii=False)` of a JSON document (what `json.loads`
    gives, as `claimex verify` writes it back), the same text, in pydantic's serialiser: its
    UTF-8 bytes, or the str of `json.dumps`.

    `json.dumps` with an indent runs its pure-Python encoder: 45 ms for a claims file of
    2,000 claims, against 10 here. Anything pydantic will not write as `json.dumps` does (a lone
    surrogate, which it refuses; a tiny float) is left to `json.dumps`, so the text, and what
    fails, stays `json.dumps`'s."""
    try:
        encoded = pydantic_core.to_json(data, indent=2)
    except pydantic_core.PydanticSerializationError:
        encoded = None
    if encoded is None or _TINY_DECIMAL in encoded or _TINY_EXPONENT.search(encoded):
        return json.dumps(data, indent=2, ensure_ascii=False)
    return encoded


def json_bytes(result: Result | TaskResult) -> bytes:
    """`to_json(result)` as the bytes of a file: serialised once, not decoded to a str and encoded again."""
    return result.__pydantic_serializer__.to_json(result, indent=2) + b"\n"


def _own_mode(path: Path) -> int | None:
    """The mode of the file at `path`, which a new version keeps; None when there is none yet."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def _create_beside(path: Path, mode: int | None) -> tuple[int, str]:
    """A new, empty temporary file beside `path` (its folder made if needed), with the mode `path` will have.

    The mode `open(path, "w")` would leave: the file's own when it exists (`mode`), else what the
    kernel gives a new file (0666 less the umask, or the folder's default ACL).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    folder, name = os.path.split(path)
    for _ in range(100):
        # A str, not a Path: pathlib would intern every one of these names.
        temporary = os.path.join(folder, f".{name}.{random.getrandbits(48):012x}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666 if mode is None else 0o600)
        except FileExistsError:
            continue
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            continue
        if mode is not None:
            try:
                os.fchmod(descriptor, mode)
            except BaseException:
                os.close(descriptor)
                os.unlink(temporary)
                raise
        return descriptor, temporary
    raise FileExistsError(errno.EEXIST, "no free temporary name")


@contextlib.contextmanager
def _durable_replacement(path: Path, *, new: bool = False) -> Iterator[int]:
    """A descriptor to write `path`'s new content to: made durable (fsync) and renamed over `path` at the end.

    Readers see the old file or the new one whole, never a part; an error or an interruption
    leaves the old one as it was. One file created, one fsync, one rename, nothing more.
    `new`: the caller has just found no file at `path`, so none has a mode to keep.
    """
    path = Path(path)
    try:
        descriptor, temporary = _create_beside(path, None if new else _own_mode(path))
        try:
            try:
                yield descriptor
                with waiting():  # the disk: a batch's other workers run meanwhile
                    os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise ClaimexError(f"{path}: cannot write ({error.strerror or error})") from None


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path` through: a temporary beside it, made durable and renamed over it at the end."""
    with _durable_replacement(path) as descriptor, open(descriptor, "wb", closefd=False) as file:
        yield file


def write_atomically(path: Path, content: str | bytes, *, new: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all or nothing.

    `new`: the caller has just found no file at `path` (a batch looking for an earlier result):
    the mode of one is not asked for, one system call less."""
    data = memoryview(content.encode("utf-8") if isinstance(content, str) else content)
    with _durable_replacement(path, new=new) as descriptor:
        while data:
            data = data[os.write(descriptor, data) :]


def claims_table(result: Result | dict[str, Any]) -> Table:
    """One row per claim: what is claimed, by whom, and each quote's verdict."""
    from rich.table import Table
    from rich.text import Text

    data = result.model_dump(mode="json") if isinstance(result, Result) else result
    source = data.get("source") or {}
    stats = data.get("stats") or {}
    title = f"{source.get('path', 'article')}"
    if data.get("model"):
        title += f" — {data.get('provider', '')}/{data['model']}"
    if data.get("strategy"):
        title += f" · by {data['strategy']}"
    table = Table(title=title, show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("worth", justify="right", no_wrap=True)
    table.add_column("claim · who · how hedged", ratio=1)
    table.add_column("evidence: status, offsets, quote", ratio=1)
    table.add_column("ok", no_wrap=True)
    for number, claim in enumerate(data.get("claims") or [], start=1):
        statement = Text(_shorten(claim.get("statement", ""), 300))
        hedging = claim.get("hedging")
        if hedging and claim.get("hedging_cue"):
            hedging = f"{hedging} (“{_shorten(str(claim['hedging_cue']), 30)}”)"
        details = [claim.get("type"), _shorten(str(claim.get("speaker") or ""), 60), hedging]
        if claim.get("restated"):
            details.append("restated")
        if any(details):
            statement.append("\n" + " · ".join(str(part) for part in details if part), style="dim")
        if not claim.get("verified"):
            # Why it is not verified, where the reader looks: next to the claim.
            for problem in (claim.get("support") or {}).get("problems") or []:
                if problem.get("blocking") and problem.get("rule") != "quotes":
                    statement.append(f"\n✘ {problem.get('message', '')}", style="red")
        worth = claim.get("checkworthiness") or {}
        table.add_row(
            str(number),
            f"{worth['score']:.2f}" if isinstance(worth, dict) and "score" in worth else "",
            statement,
            _evidence_text(claim.get("evidence") or []),
            Text("✔", style="green") if claim.get("verified") else Text("✘", style="red"),
        )
    by_status = stats.get("by_status") or {}
    left_out = stats.get("left_out") or 0
    table.caption = (
        f"{stats.get('verified', 0)}/{stats.get('claims', 0)} claims verified, most check-worthy first"
        + (f" ({left_out} left out under --min-checkworthiness or --max-claims)" if left_out else "")
        + " · quotes: "
        + ", ".join(f"{count} {status}" for status, count in by_status.items())
        + (
            f" · tokens {stats.get('prompt_tokens', 0)} in / {stats.get('completion_tokens', 0)} out"
            if "prompt_tokens" in stats
            else ""
        )
    )
    return table


def _evidence_text(evidence: list[dict[str, Any]]) -> Text:
    from rich.text import Text

    text = Text()
    for item in evidence:
        if text:
            text.append("\n")
        status = item.get("status", "?")
        text.append(f"{status}", style=f"bold {STATUS_STYLE.get(status, '')}")
        spans = item.get("spans") or []
        if spans:
            text.append(" " + ",".join(f"{start}-{end}" for start, end in spans), style="dim")
        text.append(f" “{_shorten(item.get('quote', ''))}”")
        differences = item.get("differences") or []
        if status == "fuzzy" and differences:
            shown = "; ".join(f"{d.get('source') or '∅'} → {d.get('quote') or '∅'}" for d in differences[:3])
            text.append(f"\n  {shown}", style="yellow")
    return text


def _shorten(quote: str, limit: int = 140) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"


def records_table(result: TaskResult | dict[str, Any]) -> Table:
    """One row per record of a task: its fields as columns, its evidence's status, whether it is verified."""
    from rich.table import Table
    from rich.text import Text

    data = result.model_dump(mode="json") if isinstance(result, TaskResult) else result
    task = data.get("task") or {}
    records = data.get("records") or []
    stats = data.get("stats") or {}
    title = f"{(data.get('source') or {}).get('path', 'article')} — task {task.get('name', '?')}"
    if data.get("model"):
        title += f" · {data.get('provider', '')}/{data['model']}"
    table = Table(title=title, show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    evidence_fields = list(dict.fromkeys(name for record in records for name in record.get("evidence") or {}))
    value_fields = list(
        dict.fromkeys(
            name for record in records for name in record.get("fields") or {} if name not in evidence_fields
        )
    )
    for name in value_fields:
        table.add_column(name, ratio=1)
    for name in evidence_fields:
        table.add_column(f"{name}: status, offsets, quote", ratio=2)
    table.add_column("ok", no_wrap=True)
    for number, record in enumerate(records, start=1):
        fields = record.get("fields") or {}
        cells: list[Any] = [str(number)]
        for name in value_fields:
            cell = Text(_shorten(shown_value(fields.get(name)), 120))
            for problem in (record.get("support") or {}).get("problems") or []:
                if problem.get("field") == name and problem.get("blocking"):
                    cell.append(f"\n✘ {problem.get('message', '')}", style="red")
            cells.append(cell)
        for name in evidence_fields:
            cell = _evidence_text((record.get("evidence") or {}).get(name) or [])
            for problem in (record.get("support") or {}).get("problems") or []:
                # A quote's status says what its `quotes` problem would; other problems are said.
                if (
                    problem.get("field") == name
                    and problem.get("blocking")
                    and problem.get("rule") != "quotes"
                ):
                    cell.append(f"\n✘ {problem.get('message', '')}", style="red")
            cells.append(cell)
        cells.append(Text("✔", style="green") if record.get("verified") else Text("✘", style="red"))
        table.add_row(*cells)
    by_status = stats.get("by_status") or {}
    table.caption = (
        f"{stats.get('verified', 0)}/{stats.get('records', 0)} records verified · quotes: "
        + ", ".join(f"{count} {status}" for status, count in by_status.items())
        + f" · task sha256 {str(task.get('sha256', ''))[:12]}"
    )
    return table


def shown_value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(shown_value(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a JSON number field: 30, not 30.0
    return "" if value is None else str(value)


def print_table(result: Result | TaskResult | dict[str, Any], console: Console) -> None:
    if isinstance(result, TaskResult) or (isinstance(result, dict) and "records" in result):
        console.print(records_table(result))
        if isinstance(result, TaskResult):
            if result.stats.cache_hit:
                console.print("answered from the cache: no model call was made")
            for warning in result.warnings:
                console.print(f"[yellow]warning:[/yellow] {warning}")
        return
    console.print(claims_table(result))
    if isinstance(result, Result):
        if result.stats.cache_hit:
            console.print("answered from the cache: no model call was made")
        elif result.strategy == "sentences" and not result.stats.requests and not result.stats.restated:
            console.print("no model call was needed: every claim was read from the article's sentences")
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}")
