"""Admission control for the service: bounded work, refusals that say when to come back, a clean stop.

At most `running` extractions hold a model slot; at most `waiting` more wait for one, in
arrival order. Past that a request is refused at once (`Busy`, with a time to retry after) rather
than piled up. Once a stop begins, waiting requests are refused (`Stopping`) and running ones
are given `grace` seconds to finish.

The model calls themselves are synchronous; they run in daemon threads, so a stopping process
never waits for a model answer it will not use.
"""

from __future__ import annotations

import asyncio
import math
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, TypeVar

T = TypeVar("T")

# Until an extraction has been timed, the wait a refusal announces (the embedded model takes
# minutes for an article; a hosted one seconds).
FIRST_GUESS_SECONDS = 10.0


class Busy(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Stopping(Exception):
    retry_after = 5


class ClientGone(Exception):
    """The client hung up before its request's turn: nobody is left to answer."""


class Admission:
    """Lives in one event loop: every counter here is touched from that loop's thread only."""

    def __init__(self, running: int, waiting: int, *, grace: float = 5.0, noun: str = "extraction") -> None:
        self.running = running
        self.waiting = waiting
        self.grace = grace
        self.noun = noun
        self.admitted = 0
        self.in_slot = 0  # holding a slot
        self.queued = 0  # waiting for one
        self._slots = asyncio.Semaphore(running)
        self._stopping = asyncio.Event()
        self._deadline = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._mean_seconds = FIRST_GUESS_SECONDS
        self._workers = _DaemonWorkers()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def begin_stop(self) -> None:
        """Refuse what waits, give what runs `grace` seconds. Safe from any thread or signal handler."""

        def begin() -> None:
            if not self._stopping.is_set():
                self._stopping.set()
                self._loop.call_later(self.grace, self._deadline.set)

        with suppress(RuntimeError):  # the loop is already closed: nothing is left to stop
            self._loop.call_soon_threadsafe(begin)

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """A place among the requests being served, or `Busy`/`Stopping` at once."""
        if self.stopping:
            raise Stopping("the service is stopping; send the request again in a few seconds")
        if self.admitted >= self.running + self.waiting:
            seconds = self.retry_after()
            raise Busy(
                f"busy: {self.running} {self.noun}{'s' if self.running != 1 else ''} running and "
                f"{self.waiting} waiting, the most this service takes; retry in {seconds} s",
                seconds,
            )
        self.admitted += 1
        try:
            yield
        finally:
            self.admitted -= 1

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the requests ahead, at the pace seen so far."""
        rounds = max(1, math.ceil(self.admitted / self.running))
        return max(1, min(3600, math.ceil(rounds * self._mean_seconds)))

    @asynccontextmanager
    async def model_slot(self) -> AsyncIterator[None]:
        """Wait for one of the `running` slots, in turn; `Stopping` if a stop begins first."""
        acquire = asyncio.ensure_future(self._slots.acquire())
        self.queued += 1
        try:
            got = await self._first(acquire, self._stopping)
        except BaseException:
            # Cancelled (the client left) just as the slot came: it must not be lost.
            if acquire.done() and not acquire.cancelled():
                self._slots.release()
            raise
        finally:
            self.queued -= 1
        if not got:
            raise Stopping("the service is stopping; the request was not started: send it again")
        started = time.monotonic()
        self.in_slot += 1
        try:
            yield
        finally:
            self.in_slot -= 1
            self._slots.release()
            # A moving average: recent extractions say most about the next ones.
            self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * (time.monotonic() - started)

    async def grace_over(self) -> None:
        """Returns once a stop has begun and its grace period is over."""
        await self._deadline.wait()

    async def in_thread(self, work: Callable[[], T], *, until_stop: bool = False) -> T:
        """`work()` in a daemon thread; with `until_stop`, `Stopping` once a stop's grace is over."""
        future: asyncio.Future[T] = self._loop.create_future()

        def settle(outcome: Callable[[], None]) -> None:
            if not future.done():
                outcome()

        def run() -> None:
            try:
                result = work()
            except BaseException as error:  # handed to the request, which answers for it
                caught = error
                self._call_soon(lambda: settle(lambda: future.set_exception(caught)))
            else:
                self._call_soon(lambda: settle(lambda: future.set_result(result)))

        self._workers.submit(run)
        if until_stop and not await self._first(future, self._deadline):
            raise Stopping("the service stopped before the answer was ready; send the request again")
        return await future

    def _call_soon(self, callback: Callable[[], None]) -> None:
        with suppress(RuntimeError):  # the loop closed while the thread ran: nobody waits for it
            self._loop.call_soon_threadsafe(callback)

    async def _first(self, work: asyncio.Future[T], event: asyncio.Event) -> bool:
        """Whether `work` completes before `event` is set; `work` is cancelled otherwise."""
        waiter = asyncio.ensure_future(event.wait())
        either: set[asyncio.Future[Any]] = {work, waiter}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            if not work.done():
                work.cancel()
        return work.done() and not work.cancelled()


class _DaemonWorkers:
    """Threads that run one job after another, as many as jobs were ever running at once.

    Not a ThreadPoolExecutor: the interpreter waits for its threads at exit, so a model answer
    in flight would hold up a stop for as long as --timeout. Nor a thread per job: starting a
    thread waits until it runs, which under load (the GIL) blocks the event loop for milliseconds.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._pending = 0

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._pending += 1
            grow = self._pending > self._threads
            if grow:
                self._threads += 1
        self._jobs.put(job)
        if grow:
            threading.Thread(target=self._work, daemon=True, name=f"claimex-worker-{self._threads}").start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            finally:
                with self._lock:
                    self._pending -= 1
