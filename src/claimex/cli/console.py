"""What a command writes and how it ends: errors and signals into exit codes, status lines, results.

Every command runs inside `reported_errors`: a `ClaimexError` becomes one line on stderr and its
exit code, SIGTERM and Ctrl-C unwind (servers stopped, temporary files gone) and exit 143 and
130, and claimex's own log lines read like its errors.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from ..errors import ClaimexError, Terminated

if TYPE_CHECKING:
    from .options import OutputFormat

EXIT_UNVERIFIED = 3
EXIT_PARTIAL = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, code: int) -> NoReturn:
    # One line, no traceback: the message names the file or server and the problem.
    typer.echo(f"claimex: error: {message}", err=True)
    raise typer.Exit(code)


class _LineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"claimex: {record.levelname.lower()}: {record.getMessage()}"


@contextmanager
def reported_errors(verbose: bool) -> Iterator[None]:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    if not verbose:
        # instructor logs every failed attempt at ERROR; claimex reports the outcome itself.
        logging.getLogger("instructor").setLevel(logging.CRITICAL)
        # trafilatura warns about every page it finds empty; the index already says so.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
    # claimex's own warnings (a cache set aside, a server's Retry-After) are lines like its errors.
    own = logging.getLogger("claimex")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LineFormatter())
    own.addHandler(handler)
    own.setLevel(logging.INFO if verbose else logging.WARNING)
    own.propagate = False
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum: int, frame: object) -> None:
        # Unwind like Ctrl-C, so `finally` blocks stop the local server and temp files go.
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except ClaimexError as error:
        if verbose and error.__cause__ is not None:
            typer.echo(f"claimex: cause: {error.__cause__!r}", err=True)
        fail(str(error), error.exit_code)
    except Terminated:
        fail("terminated (SIGTERM)", EXIT_TERMINATED)
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        own.removeHandler(handler)
        own.propagate = True


# Allocations of containers between two collections of the youngest generation: CPython's 700
# has a claims file of 2,000 quotes traverse what it keeps (the text's index, the claims) some 150
# times, 70 ms of its 0.8 s; mypy raises it to 200,000 for the same reason.
_RARE_COLLECTIONS = 200_000


@contextmanager
def collecting_rarely() -> Iterator[None]:
    """The cyclic garbage collector run rarely for a command that builds much and frees little
    until it ends (`claimex verify`); its thresholds as they were afterwards. What a command frees
    has no cycles to wait for: reference counting frees it at once, collector or not."""
    previous = gc.get_threshold()
    gc.set_threshold(max(previous[0], _RARE_COLLECTIONS), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def command_session(
    settings: Any, model_path: Path | None, cache_dir: Path | None, no_cache: bool, *, connections: int
) -> Iterator[Any]:
    """A client for the command's whole run, with the embedded server started if it is needed.

    `connections`: HTTP connections to the model server, one per request in flight.
    """
    from ..session import model_session

    with model_session(
        settings,
        model_path=model_path,
        cache_dir=cache_dir,
        no_cache=no_cache,
        status=status,
        connections=connections,
    ) as session:
        yield session.client


def status(message: str) -> Any:
    """A spinner on a terminal; elsewhere (CI, pipes) the message as a plain line, so it is seen."""
    console = stderr()
    if console.is_terminal:
        return console.status(message)
    return said(message)


def said(message: str) -> Any:
    """A status message as a plain line: a spinner would fight the service's log for the terminal."""
    typer.echo(message, err=True)
    return nullcontext()


def emit(data: Any, output: Path | None, output_format: OutputFormat) -> None:
    from ..output import print_table, to_json, to_json_bytes, write_atomically

    if output is not None:
        write_atomically(output, to_json_bytes(data))
    if output_format == "table":
        from rich.console import Console  # only a table needs rich: JSON out is written without it

        print_table(data, Console())
        if output is not None:
            typer.echo(f"result written to {output}", err=True)
    elif output is None:
        sys.stdout.write(to_json(data))


def all_verified(data: Any) -> bool:
    """Every claim (or every record of a task) verified."""
    if hasattr(data, "records") or (isinstance(data, dict) and "records" in data):
        records = data.records if hasattr(data, "records") else data.get("records", [])
        return all((r.verified if hasattr(r, "verified") else r.get("verified")) for r in records)
    claims = data.claims if hasattr(data, "claims") else data.get("claims", [])
    return all((claim.verified if hasattr(claim, "verified") else claim.get("verified")) for claim in claims)
