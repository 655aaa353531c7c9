"""`/v1/verify`'s work, in child processes that are killed when nobody wants the answer any more.

Checking quotes is pure CPU (the fuzzy finder over a long text): in a thread it would hold the
interpreter's lock against the event loop (`/healthz` took seconds behind 24 of them) and
could not be stopped once the client left or the deadline passed. A child process runs beside
the event loop on its own core and is killed at once: at the deadline (504), when the client
hangs up, or when a stop's grace is over (503). A killed worker is replaced on the next request.

A worker is `python -m claimex.service.verifying`: it reads (text, claims) frames on stdin, or
(text, records, record spec, task ref) for a task's records, and writes ("ok", JSON) or
("input", message) on stdout, one request at a time, until stdin closes.
Pickle crosses the pipe both ways: the child is this process's own, started with its interpreter.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Awaitable
from typing import IO, Any

_FRAME = struct.Struct("!Q")


def estimated_seconds(text_chars: int, quote_chars: list[int]) -> float:
    """What checking these quotes against this text costs, in seconds of one core, roughly.

    Measured (2 cores, quotes made of the article's own words in an order it never has, the
    fuzzy finder's worst case): indexing the text costs about 0.2 µs a character; each quote
    about 0.02 µs per character of the text, plus about 0.065 µs per square of its own length
    (a quote of 1,000 characters: 65 ms; of 2,000: 260 ms, whatever the text).
    """
    per_quote = sum(0.02 * text_chars + 0.065 * length * length for length in quote_chars)
    return (0.2 * text_chars + per_quote) / 1e6


class WorkerLost(Exception):
    """The worker died before it answered (it was killed, or crashed)."""


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "claimex.service.verifying"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def exchange(self, request: tuple[Any, ...]) -> tuple[str, str]:
        """Send one request and wait for its answer (in a thread: it blocks)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            _write(self.process.stdin, request)
            kind, answer = _read(self.process.stdout)
            return str(kind), str(answer)
        except (OSError, EOFError, pickle.UnpicklingError, struct.error):
            raise WorkerLost("the verifying process ended before it answered") from None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


class Verifiers:
    """`count` worker processes; the caller's admission makes sure at most `count` are asked at once."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        """Start the workers now, so that the first request does not wait for their imports."""
        with self._lock:
            while len(self._idle) < self.count and not self._closed:
                self._idle.append(_Worker())

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise WorkerLost("the service is stopping")
            worker = None
            while self._idle and worker is None:
                candidate = self._idle.pop()
                worker = candidate if candidate.alive else None
            worker = worker or _Worker()
            self._busy.add(worker)
            return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            if self._closed or len(self._idle) >= self.count:
                worker.kill()
            else:
                self._idle.append(worker)

    async def verify(
        self, work: tuple[Any, ...], *, timeout: float, abandon: Awaitable[Any]
    ) -> tuple[str, str]:
        """("ok", JSON) or ("input", message) for `work` (text, claims) or (text, records, spec,
        task ref); `TimeoutError` past `timeout` seconds.

        `abandon` completes when the answer is no longer wanted (the client left, the service
        stops): the worker is killed and its `WorkerLost` raised.
        """
        worker = await asyncio.to_thread(self._take)
        asked = asyncio.ensure_future(asyncio.to_thread(worker.exchange, work))
        given_up = asyncio.ensure_future(abandon)
        try:
            done, _ = await asyncio.wait(
                {asked, given_up}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if asked in done:
                answer = asked.result()
                self._give_back(worker)
                return answer
            # The CPU it would go on spending is nobody's: stop it now.
            await asyncio.to_thread(worker.kill)
            with contextlib.suppress(WorkerLost):
                await asked
            if given_up in done:
                raise WorkerLost("the answer was abandoned")
            raise TimeoutError
        finally:
            given_up.cancel()
            if not asked.done():
                await asyncio.to_thread(worker.kill)
            with self._lock:
                self._busy.discard(worker)

    def close(self) -> None:
        """Kill every worker (safe from any thread; work in flight ends with `WorkerLost`)."""
        with self._lock:
            self._closed = True
            workers, self._idle = [*self._idle, *self._busy], []
        for worker in workers:
            worker.kill()


def _write(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        raise EOFError
    (size,) = _FRAME.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def reground(text: str, records: list[dict[str, Any]], spec: Any, task: Any) -> dict[str, Any]:
    """A task's records against the article, as `extract --task` grounds them: every evidence
    field located again, every value checked against it (`checks.records`); no model."""
    from collections import Counter

    from ..checks.records import ground_record
    from ..checks.verdict import Article
    from ..models import RecordStats

    article = Article.of(text)
    grounded = [ground_record(fields, spec, article) for fields in records]
    by_status = Counter(item.status for r in grounded for items in r.evidence.values() for item in items)
    stats = RecordStats(
        records=len(grounded),
        verified=sum(record.verified for record in grounded),
        by_status={
            status: by_status.get(status, 0) for status in ("exact", "normalized", "fuzzy", "missing")
        },
        requests=0,
    )
    return {
        "task": task.model_dump(mode="json"),
        "records": [record.model_dump(mode="json") for record in grounded],
        "stats": stats.model_dump(mode="json", include={"records", "verified", "by_status", "requests"}),
    }


def _serve() -> None:
    """The worker's loop: one request at a time, until the service closes the pipe."""
    from ..errors import InputError
    from ..reverifying import reverify
    from ..text.documents import document_from_text
    from .strict import dumps

    source = "<http>"
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            text, claims, *task = _read(stdin)
        except EOFError:
            return
        try:
            document = document_from_text(text, source=source)
            if task:
                answer = ("ok", dumps(reground(document.text, claims, *task)))
            else:
                answer = ("ok", dumps(reverify(document, {"claims": claims}, name="body")))
        except InputError as error:
            answer = ("input", str(error))
        _write(stdout, answer)


if __name__ == "__main__":
    _serve()
