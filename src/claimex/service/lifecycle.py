"""The service's state and lifecycle: its configuration, the model session, admission, readiness, jobs.

`Service` is what one application serves from (`app.py` puts routes in front of it): the
extraction and verification paths (cache first, then a model slot), the model's readiness, and
how it starts and stops (admission opened and closed, the verifying processes, the jobs).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel
from starlette.exceptions import HTTPException

from ..checks.records import quotes_of
from ..errors import ClaimexError, InputError, TaskError
from ..llm.client import ModelClient
from ..local.server import server_answers, state_dir
from ..models import Result, TaskRef, TaskResult
from ..output import json_bytes
from ..pipeline import ExtractionOptions, claims_task, extract_task, extraction_options, task_options
from ..session import ModelSession
from ..tasks.loading import Task
from ..text.documents import Document, document_from_text
from .admission import Admission, ClientGone, Stopping
from .errors import one_line
from .guard import LOOPBACK_NAMES
from .jobs import JobCancelled, Jobs, JobStore
from .metrics import Metrics
from .models import CLAIMS_TASK, ExtractRequest, RecordsVerifyRequest, VerifyRequest
from .verifying import Verifiers, WorkerLost, estimated_seconds

log = logging.getLogger("claimex.service")

DEFAULT_QUEUE = 16
DEFAULT_MAX_BODY = 5_000_000
# Where results say the article came from (as "<stdin>" does for a pipe).
HTTP_SOURCE = "<http>"
# The most CPU one verification may be expected to take (verifying.estimated_seconds): a 20 KB
# article with 60 quotes of 200 characters takes 0.2 s; 5 MB with 50 short quotes, 6 s.
DEFAULT_VERIFY_BUDGET = 5.0


@dataclass(frozen=True)
class ServiceConfig:
    """The service's defaults and limits; a request may ask for another strategy or claim cap."""

    strategy: str | None = None
    max_claims: int | None = None
    chunk_chars: int | None = None
    min_checkworthiness: float | None = None
    # Model calls in flight, across all requests and jobs (default: the provider's).
    concurrency: int | None = None
    queue: int = DEFAULT_QUEUE
    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    cors_origins: tuple[str, ...] = ()
    # Seconds a running extraction may still take once a stop begins.
    grace: float = 5.0
    # Host header names answered (loopback names, and what `serve --host` adds); "*" is any.
    allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES
    # Each part of a body must come within this many seconds.
    body_timeout: float = 30.0
    # Verifications at once (each a process), waiting ones, each one's deadline, and the CPU
    # seconds one may be expected to take (past that, 413 before any work).
    verify_concurrency: int = 1
    verify_queue: int = 8
    verify_timeout: float = 30.0
    verify_budget: float = DEFAULT_VERIFY_BUDGET
    # Start the verifying processes with the service (`claimex serve` does: the first verify then
    # does not wait half a second for their imports); otherwise on the first verify.
    verify_prestart: bool = False
    # Jobs: where they are kept (default: the state folder's jobs/), how many may be queued or
    # running, how long a finished one is kept, and how long one may run.
    jobs_dir: Path | None = None
    max_jobs: int = 64
    job_ttl: float = 24 * 3600.0
    job_timeout: float = 6 * 3600.0
    # /readyz asks the model server at most this often.
    ready_ttl: float = 3.0
    # The tasks offered besides the claims, loaded before the service starts (`tasks.offered_tasks`):
    # a request names one, never sends one.
    tasks: tuple[Task, ...] = ()


def served_ref(task: Task) -> TaskRef:
    """The task as a served result names it: its file or folder name, not where this machine keeps
    it (as an error's line cuts paths to their names, and an article's path is "<http>")."""
    return TaskRef(name=task.name, sha256=task.sha256, path=task.path.name)


def _as_json(fields: Any) -> dict[str, Any]:
    """A record's fields as JSON values (the application's request model made them the task's model)."""
    return dict(fields.model_dump(mode="json")) if isinstance(fields, BaseModel) else dict(fields)


class NotCached(Exception):
    """A question the cache has no answer for. Not a ClaimexError: the pipeline keeps those per chunk."""


class _CacheOnly:
    """The model's cache as a client sees it, except that a miss raises instead of asking the model."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def get(self, key: str) -> Any:
        stored = self._cache.get(key)
        if stored is None:
            raise NotCached(key)
        return stored

    def set(self, key: str, value: Any) -> None:
        pass


def _refuse() -> str:
    raise NotCached("no model server for a cache-only client")


class Service:
    """The state one application serves from: model session, admission control, readiness, jobs."""

    def __init__(self, config: ServiceConfig, session: ModelSession) -> None:
        self.config = config
        self.session = session
        self.client = session.client
        self.settings = session.client.settings
        # Checked now, so that a wrong default fails at start, not on the first request.
        defaults = extraction_options(self.settings, strategy=config.strategy, concurrency=config.concurrency)
        self.slots = defaults.concurrency
        # A model call needs a slot; an article whose answers are all cached does not.
        self.cached: ModelClient | None = None
        if self.client.cache is not None:
            self.cached = ModelClient(
                self.settings, cache=cast(Any, _CacheOnly(self.client.cache)), connect=_refuse
            )
        self.tasks = {task.name: task for task in config.tasks}
        if len(self.tasks) < len(config.tasks) or CLAIMS_TASK in self.tasks:
            raise TaskError(f"the service's task names are not distinct, or one is {CLAIMS_TASK}")
        self.metrics = Metrics()
        self.admission: Admission | None = None
        self.verify_admission: Admission | None = None
        self.verifiers = Verifiers(config.verify_concurrency)
        self.jobs: Jobs | None = None
        self.base_url: str | None = None
        self.ready = False
        self.not_ready = "starting"
        # The last answer of the model server to "are you there?", and when it came.
        self._ready_checked = 0.0
        self._ready_reason: str | None = None
        self._ready_check: asyncio.Future[str | None] | None = None
        self._closed = threading.Event()
        self.metrics.watch(self._live)

    # -- extraction

    def task(self, name: str | None) -> Task | None:
        """The task a request names (None: the claims); the request models have checked the name,
        a job's was checked when it was made (and the service may since have restarted without it)."""
        if name is None or name == CLAIMS_TASK:
            return None
        task = self.tasks.get(name)
        if task is None:
            offered = ", ".join((CLAIMS_TASK, *self.tasks))
            raise InputError(f'"task": no task {name!r} is offered here; the tasks offered: {offered}')
        return task

    def options(self, strategy: str | None, max_claims: int | None, task: Task | None) -> ExtractionOptions:
        """What one extraction is asked with; an `InputError` (422) for a strategy a task cannot take."""
        if task is not None:
            if strategy is not None and strategy not in task.strategies:
                # Said by name: the task's path is the server's, not the client's business.
                raise InputError(
                    f'"strategy": the task {task.name} is asked with {" or ".join(task.strategies)}, '
                    f"not {strategy}"
                )
            # The service's check-worthiness floor is the claims'; its default strategy too, when
            # the task gives its templates (else the one it gives).
            return task_options(
                self.settings,
                task,
                strategy=strategy
                or (self.config.strategy if self.config.strategy in task.strategies else None),
                max_records=max_claims or self.config.max_claims,
                chunk_chars=self.config.chunk_chars,
            )
        return extraction_options(
            self.settings,
            strategy=strategy or self.config.strategy,
            max_claims=max_claims or self.config.max_claims,
            chunk_chars=self.config.chunk_chars,
            min_checkworthiness=self.config.min_checkworthiness,
        )

    async def _extract(
        self,
        make_document: Callable[[], Document],
        options: ExtractionOptions,
        task: Task | None = None,
        *,
        on_chunk: Callable[[int, int], None] | None = None,
        before_model: Callable[[], Awaitable[None]] | None = None,
    ) -> Result | TaskResult:
        """One text: from the cache if it answers all of it (no slot), else with a model slot."""
        admission = self._admission()

        def run(document: Document, client: ModelClient, report: bool = True) -> Result | TaskResult:
            # One call at a time per article: the slots bound the model calls in flight. What
            # `claimex extract [--task]` asks, through the same function: the claims are a task.
            return extract_task(
                document,
                client,
                task or claims_task(),
                strategy=options.strategy,
                max_records=options.max_claims,
                chunk_chars=options.chunk_chars,
                concurrency=1,
                min_checkworthiness=options.min_checkworthiness if task is None else None,
                on_chunk=on_chunk if report else None,
            )

        def from_cache() -> tuple[Document, Result | TaskResult | None]:
            document = make_document()
            if self.cached is None:
                return document, None
            try:
                # Progress is the model run's: this pass takes milliseconds, and may stop half-way.
                return document, run(document, self.cached, report=False)
            except NotCached:
                return document, None

        document, result = await admission.in_thread(from_cache)
        if result is None:
            async with admission.model_slot():
                if before_model is not None:
                    await before_model()
                result = await admission.in_thread(lambda: run(document, self.client), until_stop=True)
        self.metrics.record_extraction(result.stats.requests, result.stats.cache_hit)
        if task is not None and isinstance(result, TaskResult):
            result = result.model_copy(update={"task": served_ref(task)})
        return result

    async def extract(
        self,
        body: ExtractRequest,
        gone: Callable[[], Awaitable[bool]] | None = None,
        left: threading.Event | None = None,
    ) -> Result | TaskResult:
        """The result for one request; `gone()` says whether its client has hung up meanwhile, and
        `left` is set when it does (the extraction then stops at its next chunk: a model call in
        flight cannot be taken back, but the ones after it are not made)."""
        task = self.task(body.task)
        options = self.options(body.strategy, body.max_claims, task)

        async def still_wanted() -> None:
            # Minutes of the embedded model are not spent on an answer nobody waits for.
            if (left is not None and left.is_set()) or (gone is not None and await gone()):
                raise ClientGone("the client hung up while its request waited for the model")

        def step(done: int, total: int) -> None:
            if left is not None and left.is_set():
                raise ClientGone(f"the client hung up after {done} of {total} chunks")

        async with self._admission().admit():
            return await self._extract(
                lambda: document_from_text(body.text, html=body.html, source=HTTP_SOURCE),
                options,
                task,
                on_chunk=step,
                before_model=still_wanted,
            )

    async def job_text(
        self,
        text: str,
        options: dict[str, Any],
        progress: Callable[[int, int], None],
        cancelled: threading.Event,
    ) -> str:
        """One text of a job, as the JSON of its result (what /v1/extract would answer)."""
        task = self.task(options.get("task"))
        chosen = self.options(options.get("strategy"), options.get("max_claims"), task)

        async def not_cancelled() -> None:
            if cancelled.is_set():
                raise JobCancelled

        def reported(done: int, total: int) -> None:
            # A stopping service ends the job's thread at its next step: what it was answered is
            # cached, and the job goes on from there at the next start, not twice at once.
            if self._closed.is_set():
                raise JobCancelled
            progress(done, total)

        result = await self._extract(
            lambda: document_from_text(text, html=bool(options.get("html")), source=HTTP_SOURCE),
            chosen,
            task,
            on_chunk=reported,
            before_model=not_cancelled,
        )
        # All of it, even when the cache answered all of it (and nothing was reported).
        progress(result.stats.chunks, result.stats.chunks)
        return json_bytes(result).decode("utf-8")

    # -- verification

    async def verify(
        self, body: VerifyRequest | RecordsVerifyRequest, left: Callable[[], Awaitable[None]]
    ) -> str:
        """The checked claims (or a task's records) as JSON, from a verifying process; bounded in
        work, time and number. No model is asked."""
        work: tuple[Any, ...]
        if isinstance(body, RecordsVerifyRequest):
            task = self.task(body.task)
            assert task is not None, "the request model takes a task's records for an offered task only"
            spec = task.record.spec
            # The records as JSON (dicts and lists), as the model's answers are when they are grounded.
            records = [_as_json(record.fields) for record in body.records]
            lengths = [
                len(quote)
                for record in records
                for name in spec.evidence
                for quote in quotes_of(record.get(name))
            ]
            work = (body.text, records, spec, served_ref(task))
        else:
            lengths = [
                len(item if isinstance(item, str) else item.quote)
                for claim in body.claims
                for item in claim.evidence
            ]
            work = (body.text, [claim.model_dump(exclude_unset=True) for claim in body.claims])
        expected = estimated_seconds(len(body.text), lengths)
        if expected > self.config.verify_budget:
            raise HTTPException(
                413,
                f"too much to verify at once: {len(body.text):,} characters and {len(lengths):,} quotes "
                f"(the longest {max(lengths, default=0):,} characters) take about {expected:.0f} s to check, "
                f"more than the {self.config.verify_budget:g} s this service gives one request; send fewer "
                "or shorter quotes per request",
            )
        admission = self._verify_admission()

        async def abandoned() -> None:
            _, pending = await asyncio.wait(
                {asyncio.ensure_future(left()), asyncio.ensure_future(admission.grace_over())},
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in pending:
                task.cancel()

        async with admission.admit(), admission.model_slot():
            try:
                kind, answer = await self.verifiers.verify(
                    work, timeout=self.config.verify_timeout, abandon=abandoned()
                )
            except TimeoutError:
                self.metrics.verify_killed.inc()
                raise HTTPException(
                    504, f"the verification took longer than {self.config.verify_timeout:g} s and was stopped"
                ) from None
            except WorkerLost:
                self.metrics.verify_killed.inc()
                if admission.stopping:
                    raise Stopping(
                        "the service stopped before the verification was done; send it again"
                    ) from None
                raise ClientGone("the client hung up during its verification") from None
        if kind == "input":
            raise InputError(answer)
        return answer

    # -- readiness

    async def readiness(self) -> str | None:
        """None when the model answers now, else why not; asks the server at most every `ready_ttl` s."""
        if not self.ready:
            return self.not_ready
        if time.monotonic() - self._ready_checked >= self.config.ready_ttl:
            if self._ready_check is None or self._ready_check.done():
                # One question at a time, however many probes ask meanwhile.
                self._ready_check = asyncio.ensure_future(asyncio.to_thread(self._probe))
            self._ready_reason = await asyncio.shield(self._ready_check)
            self._ready_checked = time.monotonic()
        return self._ready_reason

    def _probe(self) -> str | None:
        base_url = self.base_url or ""
        # A model server busy with an answer still lists its models; one that is dead or hung does not.
        try:
            if server_answers(base_url, timeout=2.0, api_key=self.settings.api_key):
                return None
        except Exception as error:  # whatever the HTTP stack raises, the answer is "not ready"
            log.warning("readiness: %s", one_line(str(error)))
        return f"the model server at {base_url} does not answer"

    def warm_up(self) -> None:
        """Start the embedded server (if claimex runs it) and wait until the model answers.

        The server is spawned from claimex's lasting spawner thread (`local_server`), so this
        thread may end as soon as the model answers.
        """
        wait = 1.0
        while not self._closed.is_set():
            try:
                base_url = self.settings.base_url or (self.session.connect() if self.session.connect else "")
                if base_url and server_answers(base_url, timeout=5.0, api_key=self.settings.api_key):
                    self.base_url = base_url
                    self._ready_checked, self._ready_reason = time.monotonic(), None
                    self.ready = True
                    log.info("the model at %s answers", base_url)
                    return
                reason = f"the model server at {base_url} does not answer yet"
            except ClaimexError as error:
                reason = one_line(str(error))
            if reason != self.not_ready:
                log.warning("not ready: %s", reason)
            self.not_ready = reason
            self._closed.wait(wait)
            wait = min(wait * 2, 30.0)

    # -- lifecycle

    def _admission(self) -> Admission:
        if self.admission is None:
            raise RuntimeError("the service has not started (use the application's lifespan)")
        return self.admission

    def _verify_admission(self) -> Admission:
        if self.verify_admission is None:
            raise RuntimeError("the service has not started (use the application's lifespan)")
        return self.verify_admission

    def _live(self) -> dict[str, Any]:
        queue, slots = {}, {}
        for kind, admission in (("model", self.admission), ("verify", self.verify_admission)):
            if admission is not None:
                queue[kind], slots[kind] = admission.queued, admission.in_slot
        return {"queue": queue, "slots": slots, "jobs": self.jobs.counts() if self.jobs else {}}

    async def start(self) -> None:
        config = self.config
        self.admission = Admission(self.slots, config.queue, grace=config.grace)
        self.verify_admission = Admission(
            config.verify_concurrency, config.verify_queue, grace=config.grace, noun="verification"
        )
        threading.Thread(target=self.warm_up, daemon=True, name="claimex-warm-up").start()
        if config.verify_prestart:
            threading.Thread(target=self.verifiers.start, daemon=True, name="claimex-verifiers").start()
        store = JobStore(config.jobs_dir or state_dir() / "jobs")
        self.jobs = Jobs(
            store,
            self.job_text,
            limit=config.max_jobs,
            ttl=config.job_ttl,
            timeout=config.job_timeout,
            runners=self.slots,
        )
        await self.jobs.start()

    async def stop(self) -> None:
        self.close()
        if self.jobs is not None:
            await self.jobs.stop()

    def close(self) -> None:
        """Begin a stop (SIGTERM): refuse what waits, give what runs the grace. Safe from any thread."""
        self._closed.set()
        # Verifications get the same grace as extractions; then `verify` kills their processes.
        for admission in (self.admission, self.verify_admission):
            if admission is not None:
                admission.begin_stop()

    def kill_workers(self) -> None:
        self.verifiers.close()
