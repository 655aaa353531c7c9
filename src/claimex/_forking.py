"""Work spread over forked copies of this process, for CPU-bound work on data built once.

`claimex verify` of a long claims file checks each claim against indexes of the article that
take longer to build than to copy: a forked child has them for nothing (its memory is the
parent's until written), where a pool of fresh processes would build or unpickle them again.
So the work is split into interleaved shares, each child computes its share and sends the
results back pickled through a pipe, and the parent computes the first share meanwhile.

Nothing is lost to a child that fails: a share whose child exits without sending its results
(killed, out of memory, an exception) is computed again by the parent, so that an error in the
work is raised here, with its traceback, as in a run with no child.

Forking is used only where it is safe: on Linux (macOS's system libraries are not fork-safe),
with no other thread running (a lock held by another thread at the fork would stay held in the
child forever). Elsewhere, and for one job, the work runs here, sequentially.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


MAX_JOBS = 8
"""The most processes `available_cores` gives: past a few, forking and sending results back
cost more than the checking they share."""


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system tells it, less what
    a container's CPU quota allows (cgroup v2 `cpu.max`), at most `MAX_JOBS`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass  # no cgroup v2 here, or no quota: the affinity says it all
    return max(1, min(cores, MAX_JOBS))


def can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def map_shares(
    work: Callable[[Sequence[_Item]], list[_Result]], items: Sequence[_Item], jobs: int
) -> list[_Result]:
    """``work(items)``, with the items split into `jobs` interleaved shares computed in as many
    processes (this one and forked children); one result per item, in the items' order.

    `work` must return one result per item of the share it is given, and the results must be
    picklable. Runs sequentially when `jobs` is 1 or forking is not safe here (`can_fork`).
    """
    jobs = min(jobs, len(items))
    if jobs <= 1 or not can_fork():
        return work(items)
    shares = [items[k::jobs] for k in range(jobs)]
    # Objects made so far are never collected by the children: their collector would otherwise
    # write to every object's header and so copy all of the parent's memory.
    gc.freeze()
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    sent_theirs: list[int] = []  # children whose pipes are read, reaped once the results are merged
    try:
        for share in shares[1:]:
            children.append(_fork(work, share, [reading for _, reading in children]))
        results = [work(shares[0])]
        for share in shares[1:]:
            pid, reading = children.pop(0)
            sent_theirs.append(pid)
            sent: list[_Result] | None = _results_from(reading)
            # A share is the child's when its results came whole (it writes nothing else), else
            # it is computed here: the child failed, and its error is raised here.
            results.append(sent if sent is not None and len(sent) == len(share) else work(share))
        merged: list[_Result] = [None] * len(items)  # type: ignore[list-item]
        for k, share_results in enumerate(results):
            merged[k::jobs] = share_results
    finally:
        for pid, reading in children:  # interrupted: no child is left running or unreaped
            _stop(pid, reading)
        # Reaped last: a child's exit (the kernel freeing its copy of the memory, 4 ms after a
        # share of `claimex verify`'s 2,000 claims) goes on while its results are read and merged.
        for pid in sent_theirs:
            os.waitpid(pid, 0)
        # Frozen again before thawing, what the shares made joins the oldest generation with the
        # rest untraversed: it is the results, kept by the caller, and the collection of the
        # youngest it would otherwise be in was one traversal of them all for nothing (4 to 17 ms
        # after 2,000 claims of `claimex verify`, in the process the run waits on).
        gc.freeze()
        gc.unfreeze()
    return merged


def _fork(
    work: Callable[[Sequence[_Item]], list[_Result]], share: Sequence[_Item], others: list[int]
) -> tuple[int, int]:
    """A child computing `share`, and the read end of its pipe; `others`: the read ends of the
    children before it, which it must not keep open (a child whose reader is gone must fail to
    write, not wait)."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit code
        status = 1
        try:
            for descriptor in (reading, *others):
                os.close(descriptor)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it with the parent
            data = pickle.dumps(work(share), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(writing, view) :]
            # Closed now, not by the exit: the parent reads to the end of the pipe, which would
            # otherwise come only once the kernel had freed this process's memory.
            os.close(writing)
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    return pid, reading


def _results_from(reading: int) -> list[_Result] | None:
    """A child's results, read from its pipe to the end; None when it sent none whole."""
    chunks = []
    try:
        while chunk := os.read(reading, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(reading)
    try:
        results: list[_Result] = pickle.loads(b"".join(chunks))
    except Exception:  # nothing (the child failed) or a truncated message: the share is computed again
        return None
    return results


def _stop(pid: int, reading: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.close(reading)
    os.waitpid(pid, 0)
