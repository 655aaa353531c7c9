"""Jobs: an extraction that outlives its request, its client's connection and the service itself.

`POST /v1/jobs` answers 202 at once; the texts are extracted in the background, under the same
model slots as `/v1/extract`, one text at a time. A job is three files in the state folder:
`<id>.texts.json` (what to extract, written once, durably, before the 202), `<id>.json` (its
state and progress, rewritten as it goes) and `<id>.results.json` (written once, at the end).
A job that was queued or running when the service stopped is queued again when it starts: the
model answers it had got are in the cache, so it goes on from there. A finished job is
forgotten `ttl` seconds after it finished; `DELETE` cancels a job and forgets it at once.

`JobStore` is the files; `Jobs` is the queue, the runners and the watchers, in the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..output import write_atomically
from .admission import Busy, Stopping
from .errors import one_line

log = logging.getLogger("claimex.service")

ACTIVE = ("queued", "running")
ID_PATTERN = r"^[0-9a-f]{32}$"


class JobCancelled(Exception):
    """Raised in the extraction's thread at its next progress report once the job is cancelled."""


class JobTimedOut(Exception):
    pass


@dataclass
class JobState:
    id: str
    status: str
    created: float
    updated: float
    texts: int
    options: dict[str, Any]
    texts_done: int = 0
    done: int = 0
    total: int = 0
    finished: float | None = None
    error: str | None = None

    def view(self, base: str, ttl: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"{base}/v1/jobs/{self.id}",
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "expires": None if self.finished is None else self.finished + ttl,
            "progress": {
                "texts_done": self.texts_done,
                "texts": self.texts,
                "done": self.done,
                "total": self.total,
            },
            "error": self.error,
        }


class JobStore:
    """The job files in one folder; every write replaces a file whole (a reader never sees half)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, job_id: str, kind: str = "") -> Path:
        return self.folder / f"{job_id}{kind}.json"

    def create(self, state: JobState, texts: list[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Durable before the 202: a job the client was told about survives a power cut.
        write_atomically(self._path(state.id, ".texts"), json.dumps(texts, ensure_ascii=False))
        self.save(state)

    def save(self, state: JobState) -> None:
        # Progress is advisory: replaced whole, not made durable (no fsync on every step).
        path = self._path(state.id)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        temporary.write_text(json.dumps(asdict(state)), encoding="utf-8")
        os.replace(temporary, path)

    def texts(self, job_id: str) -> list[str]:
        return list(json.loads(self._path(job_id, ".texts").read_text(encoding="utf-8")))

    def save_results(self, job_id: str, results: list[str]) -> None:
        write_atomically(self._path(job_id, ".results"), "[" + ",".join(results) + "]")

    def results(self, job_id: str) -> str | None:
        try:
            return self._path(job_id, ".results").read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def delete(self, job_id: str) -> None:
        for kind in ("", ".texts", ".results"):
            with contextlib.suppress(FileNotFoundError):
                self._path(job_id, kind).unlink()

    def load(self) -> list[JobState]:
        """Every job on disk; a file that cannot be read is set aside, not a reason not to start."""
        states = []
        for path in sorted(self.folder.glob("*.json")):
            if path.name.count(".") != 1:
                continue
            try:
                states.append(JobState(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError) as error:
                log.warning("job file %s cannot be read (%s): set aside", path.name, one_line(str(error)))
                with contextlib.suppress(OSError):
                    path.rename(path.with_suffix(".damaged"))
        return states


# How one text is extracted: (text, options, progress callback, cancelled) → the result's JSON.
# Given by the service, which owns the pipeline, the cache-first path and the model slots.
Extract = Callable[[str, dict[str, Any], Callable[[int, int], None], threading.Event], Awaitable[str]]


@dataclass
class _Running:
    state: JobState
    cancelled: threading.Event = field(default_factory=threading.Event)
    deadline: float = 0.0


class Jobs:
    def __init__(
        self, store: JobStore, extract: Extract, *, limit: int, ttl: float, timeout: float, runners: int
    ) -> None:
        self.store = store
        self._extract = extract
        self.limit = limit
        self.ttl = ttl
        self.timeout = timeout
        self.runners = runners
        self._jobs: dict[str, _Running] = {}
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        # Set, and replaced by a new one, at every change: what the watchers wait on.
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle

    async def start(self) -> None:
        """Load the jobs on disk (resuming those not finished), then start the runners and the sweeper."""
        states = await asyncio.to_thread(self.store.load)
        for state in sorted(states, key=lambda state: state.created):
            self._jobs[state.id] = _Running(state)
            if state.status in ACTIVE:
                state.status = "queued"
                self._queue.put_nowait(state.id)
        resumed = sum(1 for state in states if state.status == "queued")
        if resumed:
            log.info("%d job%s resumed from the state folder", resumed, "s" if resumed != 1 else "")
        self._sweep()
        self._tasks = [asyncio.create_task(self._run_forever()) for _ in range(self.runners)]
        self._tasks.append(asyncio.create_task(self._sweep_forever()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- what the routes call

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("queued", "running", "done", "failed"), 0)
        for job in self._jobs.values():
            counts[job.state.status] = counts.get(job.state.status, 0) + 1
        return counts

    async def submit(self, texts: list[str], options: dict[str, Any]) -> JobState:
        active = sum(1 for job in self._jobs.values() if job.state.status in ACTIVE)
        if active >= self.limit:
            raise Busy(
                f"busy: {active} jobs queued or running, the most this service takes (--max-jobs); "
                "retry when one has finished",
                retry_after=30,
            )
        now = time.time()
        state = JobState(
            id=uuid.uuid4().hex, status="queued", created=now, updated=now, texts=len(texts), options=options
        )
        await asyncio.to_thread(self.store.create, state, texts)
        self._jobs[state.id] = _Running(state)
        self._queue.put_nowait(state.id)
        self._notify()
        return state

    def get(self, job_id: str) -> JobState | None:
        job = self._jobs.get(job_id)
        if job is not None and self._expired(job.state, time.time()):
            self._forget(job_id)
            return None
        return job.state if job is not None else None

    def all(self) -> list[JobState]:
        self._sweep()
        return sorted((job.state for job in self._jobs.values()), key=lambda state: -state.created)

    async def results(self, job_id: str) -> str | None:
        return await asyncio.to_thread(self.store.results, job_id)

    async def cancel(self, job_id: str) -> JobState | None:
        """Cancel the job if it is not finished, and forget it: its files go, its id answers 404."""
        job = self._jobs.get(job_id)
        if job is None:
            return None
        job.cancelled.set()
        if job.state.status in ACTIVE:
            job.state.status = "cancelled"
            job.state.updated = time.time()
        self._forget(job_id)
        self._notify()
        return job.state

    async def watch(self, job_id: str, heartbeat: float = 15.0) -> AsyncIterator[JobState | None]:
        """The job's state each time it changes (None each `heartbeat` seconds of silence), until it ends."""
        last: tuple[Any, ...] | None = None
        while True:
            state = self.get(job_id)
            if state is None:
                return
            seen = (state.status, state.texts_done, state.done, state.total, state.updated)
            if seen != last:
                last = seen
                yield state
                if state.status not in ACTIVE:
                    return
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), heartbeat)
            except TimeoutError:
                yield None

    # -- inside

    def _expired(self, state: JobState, now: float) -> bool:
        return state.finished is not None and now >= state.finished + self.ttl

    def _forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        self.store.delete(job_id)

    def _sweep(self) -> None:
        now = time.time()
        for job_id in [job_id for job_id, job in self._jobs.items() if self._expired(job.state, now)]:
            self._forget(job_id)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(max(1.0, min(60.0, self.ttl / 2)))
            self._sweep()
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _save(self, state: JobState) -> None:
        if state.id in self._jobs:
            try:
                self.store.save(state)
            except OSError as error:
                log.warning("job %s: its state cannot be saved (%s)", state.id, one_line(str(error)))

    async def _run_forever(self) -> None:
        while True:
            job_id = await self._queue.get()
            job = self._jobs.get(job_id)
            if job is None or job.state.status != "queued":
                continue
            try:
                await self._run(job)
            except Stopping:
                # The service stops: the job stays "running" on disk and is resumed at the next start.
                return
            except Exception:  # a fault of the service: the job says so, the runner goes on
                log.exception("job %s failed", job_id)
                self._finish(job, "failed", "internal error: the service's log says more")
            self._notify()

    async def _run(self, job: _Running) -> None:
        state = job.state
        state.status, state.updated = "running", time.time()
        self._save(state)
        self._notify()
        texts = await asyncio.to_thread(self.store.texts, state.id)
        job.deadline = time.monotonic() + self.timeout
        loop = asyncio.get_running_loop()
        results: list[str] = []
        errors: list[str] = []

        def progress(done: int, total: int) -> None:
            # In the extraction's thread: the state is the event loop's, so it is handed over.
            if job.cancelled.is_set():
                raise JobCancelled
            if time.monotonic() > job.deadline:
                raise JobTimedOut
            loop.call_soon_threadsafe(self._progress, job, done, total)

        for number, text in enumerate(texts):
            state.done = state.total = 0
            try:
                results.append(await self._extract(text, state.options, progress, job.cancelled))
            except JobCancelled:
                return
            except JobTimedOut:
                self._finish(
                    job, "failed", f"the job did not finish within {self.timeout:g} s (--job-timeout)"
                )
                return
            except Stopping:
                raise
            except Exception as error:
                message = one_line(str(error)) if str(error) else type(error).__name__
                errors.append(message)
                results.append(json.dumps({"error": message}, ensure_ascii=False))
            if job.cancelled.is_set():
                return
            state.texts_done, state.updated = number + 1, time.time()
            self._save(state)
            self._notify()
        await asyncio.to_thread(self.store.save_results, state.id, results)
        if len(errors) == len(texts):
            self._finish(job, "failed", errors[0])
        else:
            self._finish(job, "done", None)

    def _progress(self, job: _Running, done: int, total: int) -> None:
        state = job.state
        if state.status != "running":
            return
        state.done, state.total, state.updated = done, total, time.time()
        self._save(state)
        self._notify()

    def _finish(self, job: _Running, status: str, error: str | None) -> None:
        state = job.state
        state.status, state.error = status, error
        state.updated = state.finished = time.time()
        self._save(state)
