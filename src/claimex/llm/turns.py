"""Turns: a batch's worker threads run their Python one at a time, between the waits.

Under the GIL only one thread runs Python anyway, but a thread hands the GIL over at every
system call (a file's stat, open, read, close, a socket's send) to any other thread whose
answer has come in meanwhile, and must then wait for it back: at 64 articles in flight, a
dozen hand-overs an article, each two context switches (often across cores). A worker that
holds the turn keeps the others waiting on the turn instead of on the GIL, so its system calls
hand nothing over; it gives the turn up only where it waits for long (the model's answer, the
disk's fsync), and takes it again after.

The turn is never waited for long: a thread that has not had it within `TURN_WAIT` seconds goes
on without it, as it would with no turns at all, so that nothing can deadlock on it (a worker
holding it while it waits on something another worker holds) and a long article delays the
others by that at most. Threads that were never given turns (`claimex extract`, the service)
are not affected.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

# The longest a thread waits for the turn before it runs without it (seconds): when 64 answers
# come in at once, the last of them waits for the others' checks (2 to 6 ms each); 0.01 s let most
# of them run without it, and an article of the seed's recorded answer cost more than with no turns.
TURN_WAIT = 0.2

_local = threading.local()


class Turns:
    """The turn that a batch's workers take, one at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def taken(self) -> Iterator[None]:
        """The calling thread runs this block in turn with the other threads of these turns."""
        _local.turns = self
        _local.held = self._lock.acquire(timeout=TURN_WAIT)
        try:
            yield
        finally:
            if _local.held:
                _local.held = False
                self._lock.release()
            _local.turns = None

    def _give_up(self) -> bool:
        if getattr(_local, "held", False):
            _local.held = False
            self._lock.release()
            return True
        return False

    def _take_again(self) -> None:
        _local.held = self._lock.acquire(timeout=TURN_WAIT)


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """A long wait (an answer, an fsync): the calling thread's turn, if it has one, is given up meanwhile."""
    turns: Turns | None = getattr(_local, "turns", None)
    if turns is None or not turns._give_up():
        yield
        return
    try:
        yield
    finally:
        turns._take_again()
