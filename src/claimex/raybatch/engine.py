"""A batch's articles run by Ray workers: a local Ray for the run, or a cluster joined.

The local batch's run (`Batch.run`) still walks the folder, writes the index, counts and handles
Ctrl-C and SIGTERM; this engine takes the place of its worker threads. It hands each article's
path to the worker with the most free places (each worker holds its share of `--concurrency`)
and hands each outcome back as it comes. A worker that dies mid-article (its process killed, its
node lost) is restarted by Ray, which runs the calls it held again: every call has exactly one
answer, so an article is never lost and never has two lines in the index; its result file is
written whole or not at all. An article on which workers die again and again is failed with the
reason after `TASK_RETRIES` runs, rather than kill workers without end.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..batch import ArticleOutcome, Batch, Workers
from ..errors import ClaimexError, InputError
from ..llm.settings import ModelSettings
from .worker import ArticleWorker

# Runs of an article again after its worker died with it (a node lost, the OOM killer).
TASK_RETRIES = 3
# How long workers may take to come up: an autoscaling cluster adds nodes for them.
START_TIMEOUT = 300.0
# How often the engine looks up from waiting on Ray, to start articles and to see Ctrl-C.
POLL = 0.2
# How long the cluster's address may take to answer a connection before it is called dead: Ray's
# own client retries a dead address for many minutes (over 10 with ray 2.60), saying nothing.
JOIN_TIMEOUT = 10.0


def shares(concurrency: int, workers: int) -> list[int]:
    """`concurrency` articles in flight split over at most `workers` workers, as evenly as can be."""
    workers = max(1, min(workers, concurrency))
    base, extra = divmod(concurrency, workers)
    return [base + (index < extra) for index in range(workers)]


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def probe(address: str, timeout: float = JOIN_TIMEOUT) -> None:
    """A ClaimexError naming `address` unless something accepts a connection there within
    `timeout` seconds; "auto" (the cluster this machine runs) and addresses without a port are
    left to Ray, which finds them itself."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        reason = "no answer" if isinstance(error, TimeoutError) else error.strerror or type(error).__name__
        raise ClaimexError(
            f"Ray cluster {address}: cannot join it (nothing accepts a connection there: {reason}"
            f"{f' in {timeout:g} s' if isinstance(error, TimeoutError) else ''})"
        ) from None


def require_ray() -> None:
    """One line saying what to install when Ray is not there."""
    if importlib.util.find_spec("ray") is None:
        raise InputError("--engine ray needs Ray: pip install 'claimex[ray]'")


@contextlib.contextmanager
def connected(address: str | None) -> Iterator[Any]:
    """Ray for the run: the cluster at `address` (or `RAY_ADDRESS`, as `ray job submit` sets), else a
    local Ray started now, on loopback only; always shut down at the end, which stops a local one.
    """
    require_ray()
    joining = address or os.environ.get("RAY_ADDRESS")
    if joining:
        probe(joining)
    else:
        # A Ray started for one run listens on loopback only (its default is every address),
        # and this must be known before ray is imported.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report sent anywhere
    # Ray's own notices (token set-up, retried tasks) are not the batch's: the index says what happened.
    logging.getLogger("ray").setLevel(logging.ERROR)
    import ray

    # ray.init takes SIGTERM for itself; claimex's own handler unwinds the run like Ctrl-C, so that
    # the index is compacted and Ray shut down: it is put back.
    on_sigterm = signal.getsignal(signal.SIGTERM)
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    except KeyboardInterrupt:
        ray.shutdown()
        raise
    except Exception as error:
        ray.shutdown()
        if joining:
            raise ClaimexError(f"Ray cluster {joining}: cannot join it ({_first_line(error)})") from None
        raise ClaimexError(f"cannot start a local Ray ({_first_line(error)})") from None
    finally:
        if threading.current_thread() is threading.main_thread() and on_sigterm is not None:
            signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield ray
    finally:
        ray.shutdown()


class RayWorkers:
    """The engine `Batch.run` is given: paths to workers, outcomes back, in the run's own queues."""

    def __init__(self, ray: Any, batch: Batch, actors: list[tuple[Any, int]]) -> None:
        self._ray = ray
        self._batch = batch
        self._actors = actors  # (handle, articles it holds at once)
        self._closing = threading.Event()  # the run is over (Ctrl-C too): wait for nothing more
        self._returned = threading.Event()
        self._returned.set()

    def __call__(
        self,
        todo: queue.Queue[Path | None],
        done: queue.Queue[ArticleOutcome],
        ending: Callable[[], bool],
    ) -> None:
        self._returned.clear()
        try:
            self._run(todo, done, ending)
        finally:
            self._returned.set()

    def _run(
        self,
        todo: queue.Queue[Path | None],
        done: queue.Queue[ArticleOutcome],
        ending: Callable[[], bool],
    ) -> None:
        ray = self._ray
        free = [capacity for _, capacity in self._actors]
        held: dict[Any, tuple[int, Path]] = {}  # a call in flight: its worker and its article
        listed = True  # paths may still come
        while not self._closing.is_set():
            # Start articles while some worker has a free place; the server down or Ctrl-C starts none.
            while listed and not ending() and any(free):
                try:
                    article = todo.get(timeout=0 if held else POLL)
                except queue.Empty:
                    break
                if article is None:
                    listed = False
                    break
                worker = max(range(len(free)), key=free.__getitem__)
                free[worker] -= 1
                held[self._actors[worker][0].process.remote(article)] = (worker, article)
            if not held:
                if not listed or ending():
                    return
                continue
            ready, _ = ray.wait(list(held), num_returns=1, timeout=POLL)
            if ready:  # and whatever else has finished meanwhile
                ready, _ = ray.wait(list(held), num_returns=len(held), timeout=0)
            for call in ready:
                worker, article = held.pop(call)
                free[worker] += 1
                done.put(self._outcome(call, article))

    def _outcome(self, call: Any, article: Path) -> ArticleOutcome:
        try:
            outcome, stopped = self._ray.get(call)
        except self._ray.exceptions.RayError as error:
            # Its workers died with it TASK_RETRIES + 1 times (or the cluster failed): the article
            # is failed with the reason; the next run asks for it again.
            relative = article.relative_to(self._batch.options.in_dir).as_posix()
            return ArticleOutcome(
                relative, "failed", error=f"{article}: its Ray worker failed ({_first_line(error)})"
            )
        if stopped is not None:
            self._batch.stop(stopped)
        assert isinstance(outcome, ArticleOutcome)
        return outcome

    def close(self) -> None:
        """Wait for nothing more, and end the workers: articles they held are left undone."""
        self._closing.set()
        self._returned.wait(timeout=2 * POLL + 1)
        for handle, _ in self._actors:
            with contextlib.suppress(Exception):
                self._ray.kill(handle, no_restart=True)


@contextlib.contextmanager
def ray_workers(
    batch: Batch,
    settings: ModelSettings,
    *,
    address: str | None,
    workers: int | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> Iterator[Workers]:
    """Ray workers for `batch`, started and answering, as the engine `Batch.run(workers=...)` takes.

    `workers`: how many (default: the cluster's CPUs), each holding its share of the batch's
    `--concurrency`; each takes one CPU of the cluster.
    """
    options = batch.options
    with connected(address) as ray:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        split = shares(options.concurrency, workers or cpus)
        remote = ray.remote(ArticleWorker)
        actors = [
            (
                remote.options(
                    num_cpus=1,
                    max_concurrency=in_flight,
                    max_restarts=-1,
                    max_task_retries=TASK_RETRIES,
                ).remote(
                    options,
                    settings,
                    files=batch.files,
                    cache_dir=cache_dir,
                    no_cache=no_cache,
                    in_flight=in_flight,
                ),
                in_flight,
            )
            for in_flight in split
        ]
        engine = RayWorkers(ray, batch, actors)
        try:
            _wait_until_started(ray, actors, cpus)
            yield engine
        finally:
            engine.close()


def _wait_until_started(ray: Any, actors: list[tuple[Any, int]], cpus: int) -> None:
    """Every worker set up, or one line saying why not (claimex missing on a node, too few CPUs)."""
    calls = [handle.ready.remote() for handle, _ in actors]
    deadline = time.monotonic() + START_TIMEOUT
    pending = list(calls)
    while pending:
        ready, pending = ray.wait(pending, num_returns=len(pending), timeout=min(1.0, START_TIMEOUT))
        for call in ready:
            try:
                _, refused = ray.get(call)
            except ray.exceptions.RayError as error:
                raise ClaimexError(f"a Ray worker could not start: {_first_line(error)}") from None
            if refused is not None:  # its own one line (a task edited since the run began)
                raise ClaimexError(f"a Ray worker could not start: {refused}")
        if pending and time.monotonic() > deadline:
            raise ClaimexError(
                f"{len(pending)} of {len(actors)} Ray workers did not start within {START_TIMEOUT:.0f} s "
                f"(each takes one CPU; the cluster has {cpus}): ask for fewer with --ray-workers"
            )
