"""`claimex serve`: the extraction pipeline over HTTP, as a FastAPI application.

Same pipeline, cache and model session as the CLI: `POST /v1/extract` answers with the result
document `claimex extract` writes, `POST /v1/verify` with what `claimex verify` writes. Work is
bounded by `admission.py`; failures are answered by `errors.py`; requests and answers are
described in `models.py`; `run.py` runs the application under uvicorn.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from .. import __version__
from ..errors import ClaimexError
from ..llm.client import ModelClient
from ..local.server import server_answers
from ..models import SCHEMA_VERSION, Result
from ..output import to_json
from ..pipeline import extract as extract_claims
from ..pipeline import extraction_options, reverify
from ..session import ModelSession
from ..text.documents import Document, document_from_text
from .admission import Admission, ClientGone, Stopping
from .errors import BodyLimit, error_response, install_error_handlers, one_line
from .models import ERRORS, ExtractRequest, VerifyRequest, VerifyResponse

log = logging.getLogger("claimex.service")

DEFAULT_QUEUE = 16
DEFAULT_MAX_BODY = 5_000_000
# Where results say the article came from (as "<stdin>" does for a pipe).
HTTP_SOURCE = "<http>"


@dataclass(frozen=True)
class ServiceConfig:
    """The service's defaults and limits; a request may ask for another strategy or claim cap."""

    strategy: str | None = None
    max_claims: int | None = None
    chunk_chars: int | None = None
    # Model calls in flight, across all requests (default: the provider's).
    concurrency: int | None = None
    queue: int = DEFAULT_QUEUE
    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    cors_origins: tuple[str, ...] = ()
    # Seconds a running extraction may still take once a stop begins.
    grace: float = 5.0


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
    """The state one application serves from: model session, admission control, readiness."""

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
        self.admission: Admission | None = None
        self.ready = False
        self.not_ready = "starting"
        self._closed = threading.Event()

    async def extract(
        self, body: ExtractRequest, gone: Callable[[], Awaitable[bool]] | None = None
    ) -> Result:
        """The result for one request; `gone()` says whether its client has hung up meanwhile."""
        options = extraction_options(
            self.settings,
            strategy=body.strategy or self.config.strategy,
            max_claims=body.max_claims or self.config.max_claims,
            chunk_chars=self.config.chunk_chars,
        )

        def run(document: Document, client: ModelClient) -> Result:
            # One call at a time per article: the slots bound the model calls in flight.
            return extract_claims(
                document,
                client,
                strategy=options.strategy,
                max_claims=options.max_claims,
                chunk_chars=options.chunk_chars,
                concurrency=1,
            )

        def from_cache() -> tuple[Document, Result | None]:
            document = document_from_text(body.text, html=body.html, source=HTTP_SOURCE)
            if self.cached is None:
                return document, None
            try:
                return document, run(document, self.cached)
            except NotCached:
                return document, None

        admission = self._admission()
        async with admission.admit():
            document, result = await admission.in_thread(from_cache)
            if result is not None:
                return result
            async with admission.model_slot():
                # Minutes of the embedded model are not spent on an answer nobody waits for.
                if gone is not None and await gone():
                    raise ClientGone("the client hung up while its request waited for the model")
                return await admission.in_thread(lambda: run(document, self.client), until_stop=True)

    def _admission(self) -> Admission:
        if self.admission is None:
            raise RuntimeError("the service has not started (use the application's lifespan)")
        return self.admission

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

    def close(self) -> None:
        self._closed.set()
        if self.admission is not None:
            self.admission.begin_stop()


_BEARER = HTTPBearer(
    auto_error=False, description="The token given to `claimex serve` (--token or CLAIMEX_API_TOKEN)."
)


def _token_check(token: str) -> Any:
    expected = token.encode("utf-8")

    async def check(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> None:
        given = credentials.credentials.encode("utf-8") if credentials is not None else b""
        # Constant time: how much of a guess was right must not show in how long the answer takes.
        if not hmac.compare_digest(given, expected):
            raise HTTPException(
                401,
                "this service needs a token: send the header Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return Depends(check)


def _service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


def create_app(config: ServiceConfig, session: ModelSession) -> FastAPI:
    """The application, serving from `session` (which the caller opens before and closes after)."""
    service = Service(config, session)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.admission = Admission(service.slots, config.queue, grace=config.grace)
        threading.Thread(target=service.warm_up, daemon=True, name="claimex-warm-up").start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="claimex",
        version=__version__,
        summary="Checkable claims out of news articles, every evidence quote proved against the text.",
        lifespan=lifespan,
    )
    app.state.service = service
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=config.max_body)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.get("/healthz", tags=["health"], summary="200 while the process is up.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="200 once the model answers; 503 before, and while stopping.",
        responses={503: ERRORS[503]},
    )
    async def readyz(request: Request) -> Response:
        service = _service(request)
        if service.admission is not None and service.admission.stopping:
            return error_response(503, "stopping", {"Retry-After": str(Stopping.retry_after)})
        if not service.ready:
            return error_response(503, f"not ready: {service.not_ready}", {"Retry-After": "2"})
        settings = service.settings
        return JSONResponse({"status": "ready", "provider": settings.provider, "model": settings.model})

    v1 = APIRouter(prefix="/v1", dependencies=[_token_check(config.token)] if config.token else [])

    @v1.post(
        "/extract",
        tags=["claims"],
        response_model=Result,
        responses={code: ERRORS[code] for code in (400, 401, 413, 422, 429, 502, 503, 504)},
        summary="Extract the article's claims and verify every evidence quote.",
        description=(
            f"Answers with the result document `claimex extract` writes (schema {SCHEMA_VERSION}). An "
            "article answered before is answered from the cache, with no model call. `source.path` is "
            "`<http>` and `source.sha256` the SHA-256 of the text's UTF-8 bytes. When some of the model "
            "calls failed, the result says `complete: false` (as `claimex extract` does)."
        ),
    )
    async def extract(body: ExtractRequest, request: Request) -> Response:
        result = await _service(request).extract(body, gone=request.is_disconnected)
        return Response(to_json(result), media_type="application/json")

    @v1.post(
        "/verify",
        tags=["claims"],
        response_model=VerifyResponse,
        responses={code: ERRORS[code] for code in (400, 401, 413, 422)},
        summary="Re-verify claims against the article, as `claimex verify` does. No model is called.",
    )
    async def verify(body: VerifyRequest) -> Response:
        def check() -> dict[str, Any]:
            document = document_from_text(body.text, source=HTTP_SOURCE)
            return reverify(document, {"claims": body.claims}, name="body")

        return Response(to_json(await run_in_threadpool(check)), media_type="application/json")

    app.include_router(v1)
    return app
