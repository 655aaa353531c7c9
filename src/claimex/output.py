"""Write: result JSON (atomically, so no half-written file is ever left) and the terminal table."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .errors import ClaimexError
from .models import Result

STATUS_STYLE = {"exact": "green", "normalized": "cyan", "fuzzy": "yellow", "missing": "red"}


def to_json(data: Result | dict[str, Any]) -> str:
    if isinstance(data, Result):
        return data.model_dump_json(indent=2) + "\n"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@functools.cache
def _umask() -> int:
    # Linux says it without changing it; os.umask() can only be read by setting it, which
    # another thread creating a file at that moment would see.
    with (
        contextlib.suppress(OSError, ValueError, StopIteration),
        open("/proc/self/status", encoding="ascii") as status,
    ):
        return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    current = os.umask(0o022)
    os.umask(current)
    return current


def _mode_for(path: Path) -> int:
    """The mode `open(path, "w")` would leave: the file's own when it exists, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path` through: a temporary beside it, made durable and renamed over it at the end.

    Readers see the old file or the new one whole, never a part; an error or an interruption
    leaves the old one as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            # mkstemp makes the file 0600 whatever the umask; the result gets the usual mode.
            os.fchmod(handle, _mode_for(path))
            with os.fdopen(handle, "wb") as file:
                yield file
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ClaimexError(f"{path}: cannot write ({error.strerror or error})") from None


def write_atomically(path: Path, content: str) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all or nothing."""
    with atomic_file(path) as file:
        file.write(content.encode("utf-8"))


def claims_table(result: Result | dict[str, Any]) -> Table:
    """One row per claim: what is claimed, by whom, and each quote's verdict."""
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
    table.add_column("claim · who · how hedged", ratio=1)
    table.add_column("evidence: status, offsets, quote", ratio=1)
    table.add_column("ok", no_wrap=True)
    for number, claim in enumerate(data.get("claims") or [], start=1):
        statement = Text(_shorten(claim.get("statement", ""), 300))
        details = [claim.get("type"), _shorten(str(claim.get("speaker") or ""), 50), claim.get("hedging")]
        if any(details):
            statement.append("\n" + " · ".join(str(part) for part in details if part), style="dim")
        if not claim.get("verified"):
            # Why it is not verified, where the reader looks: next to the claim.
            for problem in (claim.get("support") or {}).get("problems") or []:
                if problem.get("blocking") and problem.get("rule") != "quotes":
                    statement.append(f"\n✘ {problem.get('message', '')}", style="red")
        table.add_row(
            str(number),
            statement,
            _evidence_text(claim.get("evidence") or []),
            Text("✔", style="green") if claim.get("verified") else Text("✘", style="red"),
        )
    by_status = stats.get("by_status") or {}
    table.caption = (
        f"{stats.get('verified', 0)}/{stats.get('claims', 0)} claims verified · quotes: "
        + ", ".join(f"{count} {status}" for status, count in by_status.items())
        + (
            f" · tokens {stats.get('prompt_tokens', 0)} in / {stats.get('completion_tokens', 0)} out"
            if "prompt_tokens" in stats
            else ""
        )
    )
    return table


def _evidence_text(evidence: list[dict[str, Any]]) -> Text:
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


def print_table(result: Result | dict[str, Any], console: Console) -> None:
    console.print(claims_table(result))
    if isinstance(result, Result):
        if result.stats.cache_hit:
            console.print("answered from the cache: no model call was made")
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}")
