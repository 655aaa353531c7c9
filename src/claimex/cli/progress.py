"""Progress of anything long: a bar on a terminal, plain lines elsewhere (CI, pipes, logs)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .console import stderr

# Off a terminal, a line at most this often (and one at the end): a sentence read without the
# model takes a millisecond, and fifty lines in a log say nothing.
PLAIN_EVERY = 5.0


@contextmanager
def chunk_progress(unit: str = "chunks") -> Iterator[Any]:
    """`unit` (chunks, sentences) done/total with the time left: a bar on a terminal, plain
    lines otherwise (at most one every few seconds)."""
    import time

    console = stderr()
    progress: Any = None
    task: Any = None
    started = time.monotonic()
    last_line = 0.0

    def advance(done: int, total: int) -> None:
        nonlocal progress, task, last_line
        if total < 2:
            return
        if not console.is_terminal:
            now = time.monotonic()
            if done < total and now - last_line < PLAIN_EVERY:
                return
            last_line = now
            elapsed = now - started
            left = f", about {_duration(elapsed / done * (total - done))} left" if done < total else ""
            sys.stderr.write(f"{unit} {done}/{total} done{left}\n")
            sys.stderr.flush()
            return
        if progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            progress = Progress(
                TextColumn(f"[bold]{unit}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            )
            progress.start()
            task = progress.add_task(unit, total=total)
        progress.update(task, completed=done)

    try:
        yield advance
    finally:
        if progress is not None:
            progress.stop()


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


class _PlainLines:
    """One plain line per article, written a group at a time.

    `Batch.run` takes the outcomes that finished meanwhile as a group and calls `flush` after
    them: one write for the group, not one per article (each a system call of the run's thread,
    which hands the GIL to a worker and must wait for it back)."""

    def __init__(self, total: int, one: str) -> None:
        self.total, self.one = total, one
        self.done = 0
        self.lines: list[str] = []

    def __call__(self, outcome: Any) -> None:
        self.done += 1
        if outcome.status == "failed":
            detail = outcome.error  # it names the file
        else:
            claims = f"{outcome.claims} {self.one}{'' if outcome.claims == 1 else 's'}"
            detail = f"{outcome.path} ({claims}, {outcome.verified} verified)"
            if outcome.status == "partial":
                detail += f": {outcome.error}"
        self.lines.append(f"[{self.done}/{self.total}] {outcome.status:7} {detail}\n")

    def flush(self) -> None:
        if self.lines:
            # One plain write: echo would ask whether stderr is a terminal again for every line.
            sys.stderr.write("".join(self.lines))
            sys.stderr.flush()
            self.lines.clear()


@contextmanager
def batch_progress(total: int, counted: str = "claims") -> Iterator[Any]:
    """A rich progress bar on a terminal; one plain line per article otherwise (CI, pipes).

    `counted`: what an outcome's count is of: claims, or a task's records (`batch --task`)."""
    one = counted.removesuffix("s")
    console = stderr()
    if not console.is_terminal:
        lines = _PlainLines(total, one)
        try:
            yield lines
        finally:
            lines.flush()
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]articles"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(counted + " {task.fields[claims]} · failed {task.fields[failed]}"),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("batch", total=total, claims=0, failed=0)
        tally = {"claims": 0, "failed": 0}

        def advance(outcome: Any) -> None:
            tally["claims"] += outcome.claims
            tally["failed"] += outcome.status == "failed"
            progress.update(task, advance=1, claims=tally["claims"], failed=tally["failed"])

        yield advance


@contextmanager
def step_progress() -> Iterator[Any]:
    """Steps of a long job that reads files (`claimex cluster`): a bar per stage on a terminal,
    a line every tenth of the way otherwise. The callback takes (stage, done, total)."""
    console = stderr()
    progress: Any = None
    tasks: dict[str, Any] = {}
    said: dict[str, int] = {}

    def advance(stage: str, done: int, total: int) -> None:
        nonlocal progress
        if not console.is_terminal:
            tenth = 10 * done // max(total, 1)
            if done == total or tenth > said.get(stage, 0):
                said[stage] = tenth
                sys.stderr.write(f"{stage}: {done}/{total}\n")
                sys.stderr.flush()
            return
        if progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            )
            progress.start()
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done)

    try:
        yield advance
    finally:
        if progress is not None:
            progress.stop()
