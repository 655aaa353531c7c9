"""`claimex serve`: the extraction pipeline over HTTP, as a FastAPI application.

Same pipeline, cache and model session as the CLI: `POST /v1/extract` answers with the result
document `claimex extract` writes, `POST /v1/verify` with what `claimex verify` writes, and
`/v1/jobs` runs extractions that outlive their request (`jobs.py`). Every request passes the
guard first (`guard.py`: host, token, body bounds); work is bounded by `admission.py`; quotes
are checked in killable processes (`verifying.py`); failures are answered by `errors.py`;
requests and answers are described in `models.py`; the state the routes serve from, and its start
and stop, is `lifecycle.py`'s `Service`; `run.py` runs the application under uvicorn.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from .. import __version__
from ..models import SCHEMA_VERSION, TASK_RESULT_VERSION, Result, TaskResult
from ..output import json_bytes
from ..session import ModelSession
from .admission import Busy, Stopping
from .docs import install_docs
from .errors import error_response, install_error_handlers
from .guard import TOKEN_NEEDED, Guard
from .jobs import ID_PATTERN, Jobs, JobState
from .lifecycle import DEFAULT_MAX_BODY, DEFAULT_QUEUE, HTTP_SOURCE, NotCached, Service, ServiceConfig
from .metrics import CONTENT_TYPE, MetricsMiddleware
from .models import (
    COMMON_ERRORS,
    ERRORS,
    ExtractRequest,
    Health,
    Job,
    JobList,
    JobRequest,
    Ready,
    RecordsVerifyRequest,
    RecordsVerifyResponse,
    VerifyRequest,
    VerifyResponse,
)
from .strict import OffLoopRoute, dumps
from .tasks import add_task_routes, body_of, request_models

# One server-sent event of /v1/jobs/{id}/events: its data is the job, as JSON on one line.
SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["progress", "end"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
}

JobId = Annotated[str, PathParam(pattern=ID_PATTERN, description="The job's id, as POST gave it.")]

_BEARER = HTTPBearer(
    auto_error=False, description="The token given to `claimex serve` (--token or CLAIMEX_API_TOKEN)."
)


def _token_check(token: str) -> Any:
    """For the OpenAPI description (securitySchemes); the guard has checked the token already."""
    import hmac

    expected = token.encode("utf-8")

    async def check(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> None:
        given = credentials.credentials.encode("utf-8") if credentials is not None else b""
        if not hmac.compare_digest(given, expected):
            raise HTTPException(401, TOKEN_NEEDED, headers={"WWW-Authenticate": "Bearer"})

    return Depends(check)


def _service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


async def _client_left(request: Request) -> None:
    """Returns when the client hangs up (the body has been read whole by then)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: ERRORS[code] for code in sorted({*codes, *COMMON_ERRORS})}


def _json(data: str | bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(data, status_code=status, media_type="application/json", headers=headers)


def create_app(config: ServiceConfig, session: ModelSession) -> FastAPI:
    """The application, serving from `session` (which the caller opens before and closes after)."""
    service = Service(config, session)
    # The bodies take the task names this service offers (its OpenAPI description lists them).
    bodies = request_models(config.tasks)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            service.kill_workers()

    app = FastAPI(
        title="claimex",
        version=__version__,
        summary="Checkable claims out of news articles, every evidence quote proved against the text.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(
        Guard,
        allowed_hosts=config.allowed_hosts,
        token=config.token,
        max_body=config.max_body,
        body_timeout=config.body_timeout,
    )
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        # Outside the guard: a preflight carries no token.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    token_needed = (401,) if config.token else ()

    health = {
        "tags": ["health"],
        "summary": "200 while the process is up.",
        "responses": _documented(),
        "response_model": Health,
    }

    @app.get("/healthz", operation_id="healthz", **health)  # type: ignore[arg-type]
    @app.head("/healthz", operation_id="healthz_head", **health)  # type: ignore[arg-type]
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    ready = {
        "tags": ["health"],
        "summary": (
            "200 while the model answers (asked at most every few seconds); 503 before, when it stops "
            "answering, and while stopping."
        ),
        "responses": _documented(503),
        "response_model": Ready,
    }

    @app.get("/readyz", operation_id="readyz", **ready)  # type: ignore[arg-type]
    @app.head("/readyz", operation_id="readyz_head", **ready)  # type: ignore[arg-type]
    async def readyz(request: Request) -> Response:
        service = _service(request)
        if service.admission is not None and service.admission.stopping:
            return error_response(503, "stopping", {"Retry-After": str(Stopping.retry_after)})
        reason = await service.readiness()
        if reason is not None:
            return error_response(503, f"not ready: {reason}", {"Retry-After": "2"})
        settings = service.settings
        return JSONResponse({"status": "ready", "provider": settings.provider, "model": settings.model})

    @app.get(
        "/metrics",
        tags=["health"],
        summary="Counters and gauges in Prometheus's text format (needs the token when there is one).",
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "The metrics."},
            **_documented(*token_needed),
        },
        response_class=Response,
    )
    async def metrics(request: Request) -> Response:
        return Response(_service(request).metrics.exposition(), media_type=CONTENT_TYPE)

    v1 = APIRouter(
        prefix="/v1",
        dependencies=[_token_check(config.token)] if config.token else [],
        route_class=OffLoopRoute,
    )

    @v1.post(
        "/extract",
        tags=["claims"],
        response_model=Result | TaskResult,
        responses=_documented(*token_needed, 413, 422, 429, 502, 504),
        summary="Extract the article's claims and verify every evidence quote.",
        description=(
            f"Answers with the result document `claimex extract` writes (schema {SCHEMA_VERSION}). An "
            "article answered before is answered from the cache, with no model call. `source.path` is "
            "`<http>` and `source.sha256` the SHA-256 of the text's UTF-8 bytes. When some of the model "
            "calls failed, the result says `complete: false` (as `claimex extract` does). For a long "
            "article, prefer a job (`POST /v1/jobs`): a request that takes minutes dies behind a proxy. "
            f'With `"task": NAME` (GET /v1/tasks), that task\'s records instead (schema '
            f"{TASK_RESULT_VERSION}, what `claimex extract --task` writes); a name the service does not "
            "offer is refused (422)."
        ),
    )
    @body_of(bodies.extract)
    async def extract(body: ExtractRequest, request: Request) -> Response:
        left = threading.Event()
        watcher = asyncio.ensure_future(_client_left(request))
        watcher.add_done_callback(lambda task: None if task.cancelled() else left.set())
        try:
            result = await _service(request).extract(body, gone=request.is_disconnected, left=left)
        finally:
            watcher.cancel()
        return _json(json_bytes(result))

    @v1.post(
        "/verify",
        tags=["claims"],
        response_model=VerifyResponse | RecordsVerifyResponse,
        responses=_documented(*token_needed, 413, 422, 429, 504),
        summary="Re-verify claims against the article, as `claimex verify` does. No model is called.",
        description=(
            "Bounded: a few at a time (429 with Retry-After beyond the queue), each within a deadline "
            "(504), and at most a work bound of text length × quotes (413). The check stops when the "
            'client hangs up. With `"task": NAME` and `"records"` (as that task\'s result holds them), '
            "each record's evidence is located again and its values checked; a record that does not fit "
            "the task's schema is refused (422), naming the record and the field."
        ),
    )
    @body_of(bodies.verify)
    async def verify(body: VerifyRequest | RecordsVerifyRequest, request: Request) -> Response:
        return _json(await _service(request).verify(body, lambda: _client_left(request)))

    def job_view(request: Request, state: JobState, results: str | None = None) -> str:
        service = _service(request)
        assert service.jobs is not None
        root = request.scope.get("root_path", "")
        view = state.view(root, service.jobs.ttl)
        text = dumps(view).rstrip("\n")
        if results is None:
            return text + "\n"
        # The results are JSON already, as written at the end of the job: spliced in, not re-read.
        return text[: text.rindex("}")].rstrip() + ',\n  "results": ' + results + "\n}\n"

    def jobs_of(request: Request) -> Jobs:
        jobs = _service(request).jobs
        if jobs is None:
            raise RuntimeError("the service has not started (use the application's lifespan)")
        return jobs

    @v1.post(
        "/jobs",
        tags=["jobs"],
        status_code=202,
        response_model=Job,
        responses=_documented(*token_needed, 413, 422, 429),
        summary="Start extracting one text (the body of /v1/extract) or several (`texts`) in the background.",
        description=(
            "Answers 202 at once with the job, its id and its URL (also in `Location`). Follow it with "
            "GET (or its `/events` as server-sent events); its results are there once it is done. Jobs "
            "are kept in the service's state folder: one running when the service stops goes on when it "
            'starts again, the model answers it had got coming from the cache. With `"task": NAME`, each '
            "result is that task's (as /v1/extract gives it)."
        ),
    )
    @body_of(bodies.job)
    async def create_job(body: JobRequest, request: Request) -> Response:
        service = _service(request)
        if service.admission is not None and service.admission.stopping:
            raise Stopping("the service is stopping; send the request again in a few seconds")
        # Refused now (422), not when the job runs: a strategy that the task cannot take.
        service.options(body.strategy, body.max_claims, service.task(body.task))
        texts = [body.text] if isinstance(body, ExtractRequest) else list(body.texts)
        options = {
            "html": body.html,
            "strategy": body.strategy,
            "max_claims": body.max_claims,
            "task": body.task,
        }
        state = await jobs_of(request).submit(texts, options)
        view = job_view(request, state)
        return _json(view, 202, {"Location": f"{request.scope.get('root_path', '')}/v1/jobs/{state.id}"})

    @v1.get(
        "/jobs",
        tags=["jobs"],
        response_model=JobList,
        responses=_documented(*token_needed),
        summary="Every job not yet expired, newest first (without their results).",
    )
    async def list_jobs(request: Request) -> Response:
        views = [job_view(request, state).rstrip("\n") for state in jobs_of(request).all()]
        return _json('{"jobs": [' + ",\n".join(views) + "]}\n")

    def no_such_job(job_id: str) -> HTTPException:
        return HTTPException(404, f"no job {job_id}: never made, deleted, or expired")

    @v1.get(
        "/jobs/{job_id}",
        tags=["jobs"],
        response_model=Job,
        responses=_documented(*token_needed, 404, 422),
        summary="The job: its status, its progress, and its results once it is done.",
    )
    async def get_job(job_id: JobId, request: Request) -> Response:
        jobs = jobs_of(request)
        state = jobs.get(job_id)
        if state is None:
            raise no_such_job(job_id)
        results = await jobs.results(job_id) if state.status == "done" else None
        return _json(job_view(request, state, results))

    @v1.delete(
        "/jobs/{job_id}",
        tags=["jobs"],
        response_model=Job,
        responses=_documented(*token_needed, 404, 422),
        summary="Cancel the job (if it is not finished) and forget it: its id answers 404 from then on.",
    )
    async def delete_job(job_id: JobId, request: Request) -> Response:
        state = await jobs_of(request).cancel(job_id)
        if state is None:
            raise no_such_job(job_id)
        return _json(job_view(request, state))

    @v1.get(
        "/jobs/{job_id}/events",
        tags=["jobs"],
        responses={
            200: {
                "content": {"text/event-stream": {"schema": SSE_EVENT}},
                "description": (
                    "Server-sent events: `progress` with the job (as GET gives it, without results) "
                    "each time it changes, then one `end` when it is done, failed or cancelled; a "
                    "comment every 15 s keeps proxies from closing the stream."
                ),
            },
            **_documented(*token_needed, 404, 422),
        },
        response_class=StreamingResponse,
        summary="The job's progress as server-sent events, until it ends.",
    )
    async def job_events(job_id: JobId, request: Request) -> Response:
        jobs = jobs_of(request)
        if jobs.get(job_id) is None:
            raise no_such_job(job_id)
        root = request.scope.get("root_path", "")

        async def events() -> AsyncIterator[bytes]:
            async for state in jobs.watch(job_id):
                if state is None:
                    yield b": still running\n\n"
                    continue
                kind = "progress" if state.status in ("queued", "running") else "end"
                data = json.dumps(
                    state.view(root, jobs.ttl), ensure_ascii=False, allow_nan=False, separators=(",", ":")
                )
                yield f"event: {kind}\ndata: {data}\n\n".encode()
            if jobs.get(job_id) is None:
                yield b'event: end\ndata: {"status": "gone"}\n\n'

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    add_task_routes(v1, service.tasks, _documented(*token_needed))
    app.include_router(v1)
    return app


# The names app.py has always offered (claimex._compat maps the old module names to them).
__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_QUEUE",
    "HTTP_SOURCE",
    "Busy",
    "NotCached",
    "Service",
    "ServiceConfig",
    "create_app",
]
