"""The model client: one structured answer per call, from the cache or from the server.

A call goes: cache look-up (`cache_key`) → the request instructor would make for the answer's
schema, prepared once (`structured`) → tries within one deadline (`retries`) → a POST straight
to the connection pool (`wire`, `transport`). A failed answer is re-asked by instructor's own
handlers; one that still fails is kept, marked, when it parses without its validators.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import AnswerCutOff, ClaimexError, ModelError
from .diagnosis import describe_api_error, first_problem, is_api_error, server_error_class
from .retries import Backoff, GiveUp, WaitWithinDeadline, is_retryable
from .settings import ModelSettings
from .turns import waiting
from .wire import Endpoint, answer_texts, completion_of, reencode_loose_json

if TYPE_CHECKING:
    from .cache import AnswerCache

log = logging.getLogger("claimex.llm")

ResponseT = TypeVar("ResponseT", bound=BaseModel)

# Bump when what is stored changes shape, so old entries are not misread.
CACHE_FORMAT = 1


@dataclass
class CallRecord:
    """What one structured call cost: HTTP requests made and tokens the server counted."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hit: bool = False
    reasked: bool = False
    warnings: list[str] = field(default_factory=list)

    def add(self, other: CallRecord) -> None:
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.reasked = self.reasked or other.reasked
        self.warnings.extend(other.warnings)


def cache_key(
    settings: ModelSettings,
    messages: list[dict[str, str]],
    response_model: type[BaseModel],
    max_tokens: int | None = None,
    salt: str | None = None,
) -> str:
    """Everything that changes the answer, and nothing secret (no API key, no headers).

    `salt`: what else decides the answer that the request does not show (a task's checks, which
    decide its re-asks: the sha256 of its files); none leaves the key as it always was.
    """
    material = {
        "format": CACHE_FORMAT,
        "server": settings.server_identity or settings.base_url,
        "model": settings.model,
        "mode": settings.mode,
        "messages": messages,
        "schema": _schema_of(response_model),
        "temperature": settings.temperature,
        "max_tokens": max_tokens or settings.max_tokens,
        "reasks": settings.reasks,
        "extra_body": dict(settings.extra_body),
    }
    if salt is not None:
        material["salt"] = salt
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@functools.cache
def _schema_of(response_model: type[BaseModel]) -> dict[str, Any]:
    # Generating a JSON Schema costs milliseconds; batch mode asks for the same one per article.
    return response_model.model_json_schema()


class ModelClient:
    """Asks one server for structured answers. Thread-safe: batch mode shares one instance."""

    def __init__(
        self,
        settings: ModelSettings,
        *,
        cache: AnswerCache | None = None,
        http_client: Any = None,
        backoff: Backoff | None = None,
        connect: Callable[[], str] | None = None,
        connections: int = 4,
    ) -> None:
        """`connect` gives the base URL on the first call that must reach a server.

        The embedded server is started that way, so a run answered wholly from the cache never
        starts it. `connections`: HTTP connections kept open, one per request in flight.
        """
        if not settings.base_url and connect is None:
            raise ClaimexError("no model server URL: start one with `claimex model serve` or give --base-url")
        self.settings = settings
        self.cache = cache
        self.backoff = backoff or Backoff()
        self._connect = connect
        self._http_client = http_client
        self._owns_http_client = http_client is None  # made here on first need, so closed here too
        self._connections = connections
        self._endpoint: Endpoint | None = None
        self._lock = threading.Lock()

    def _connected(self) -> Endpoint:
        """Where calls go: made on the first call that needs the server (and starts it), then shared."""
        endpoint = self._endpoint
        if endpoint is not None:  # made once: no lock for the thousands of calls after
            return endpoint
        # Starting the embedded server takes seconds: a batch's other workers run meanwhile.
        with waiting(), self._lock:
            if self._endpoint is None:
                import openai

                from .transport import http_client

                if not self.settings.base_url and self._connect is not None:
                    self.settings = self.settings.with_base_url(self._connect())
                if self._http_client is None:
                    self._http_client = http_client(
                        timeout=self.settings.timeout, connections=self._connections
                    )
                # Transport retries are ours (tenacity, with Retry-After), so the SDK's are off.
                sdk = openai.OpenAI(
                    base_url=self.settings.base_url,
                    # Local servers take any key; the SDK insists on having one.
                    api_key=self.settings.api_key or "not-needed",
                    max_retries=0,
                    timeout=self.settings.timeout,
                    http_client=self._http_client,
                )
                self._endpoint = Endpoint.of(sdk, self._http_client, self.settings.timeout)
            return self._endpoint

    def close(self) -> None:
        """Close the HTTP connections this client opened (one given to it is its giver's to close).

        Left open, they stay until the garbage collector finds the client: a server's thread
        waits on each meanwhile, and a program asking many articles runs out of sockets."""
        with self._lock:
            http, self._endpoint = self._http_client, None
            if self._owns_http_client and http is not None:
                self._http_client = None
                http.close()

    def create(
        self,
        messages: list[dict[str, str]],
        response_model: type[ResponseT],
        *,
        fallback_model: type[ResponseT] | None = None,
        max_tokens: int | None = None,
        cache_salt: str | None = None,
    ) -> tuple[ResponseT, CallRecord]:
        """One structured answer, from the cache when the same question was asked before.

        `response_model` may carry validators that reject the answer (quotes not in the
        article); the model is then re-asked `settings.reasks` times, and if it still fails,
        the last answer is kept when it parses as `fallback_model`, for the caller to mark.
        `max_tokens` caps this answer below the settings' cap (a sentence's claims are short).
        `cache_salt` joins the cache key (`cache_key`'s `salt`).
        """
        max_tokens = max_tokens or self.settings.max_tokens
        key = None
        if self.cache is not None:  # no key is made without a cache: it serialises the whole question
            key = cache_key(self.settings, messages, response_model, max_tokens, salt=cache_salt)
            stored = self.cache.get(key)
            if stored is not None:
                record = CallRecord(cache_hit=True, **stored["record"])
                # The stored answer may be one kept after a failed re-ask: read it without the
                # validators that rejected it; the verifier marks its quotes honestly.
                return (fallback_model or response_model).model_validate(stored["response"]), record

        from .transport import answer_deadline

        # --timeout bounds the whole answer: every try, every wait between tries, the re-ask.
        with answer_deadline(self.settings.timeout):
            response, record = self._ask(messages, response_model, fallback_model, max_tokens)
        if self.cache is not None and key is not None:
            self.cache.set(
                key,
                {
                    "response": response.model_dump(mode="json"),
                    "record": {
                        "prompt_tokens": record.prompt_tokens,
                        "completion_tokens": record.completion_tokens,
                        "reasked": record.reasked,
                        "warnings": record.warnings,
                    },
                },
            )
        return response, record

    def _ask(
        self,
        messages: list[dict[str, str]],
        response_model: type[ResponseT],
        fallback_model: type[ResponseT] | None,
        max_tokens: int,
    ) -> tuple[ResponseT, CallRecord]:
        """instructor's loop, with what depends on the schema alone prepared once (`structured`)."""
        from instructor.core import IncompleteOutputException

        from .structured import retryable_errors, structured_call

        record = CallRecord()
        call = structured_call(response_model, self.settings.mode)
        create = self._counting_create(record)
        kwargs = call.request(
            messages,
            model=self.settings.model,
            temperature=self.settings.temperature,
            max_tokens=max_tokens,
            extra_body=dict(self.settings.extra_body) or None,
        )
        retryable = retryable_errors()
        last_completion: Any = None
        problem: BaseException | None = None
        for attempt in range(self.settings.reasks + 1):
            completion = create(kwargs)  # a ClaimexError (the server failed) ends the call as it is
            try:
                response = call.parse(completion)
            except IncompleteOutputException:
                raise AnswerCutOff(
                    f"the model's answer was cut off at max_tokens={max_tokens} (it kept generating)"
                    "; try a larger --max-tokens, fewer --max-claims, or a stronger model"
                ) from None
            except retryable as error:
                last_completion, problem = completion, error
                if attempt < self.settings.reasks:
                    kwargs = call.reask(kwargs, completion, error)
                continue
            except ClaimexError:
                raise
            except Exception as error:  # a refusal: not asked again, and nothing to salvage from it
                problem = problem or error
                break
            record.reasked = record.requests > 1
            return response, record  # type: ignore[return-value]
        record.reasked = True
        salvaged = self._salvage(last_completion, fallback_model or response_model)
        if salvaged is None:
            reason = first_problem(problem)
            tries = f"after {record.requests} tries" if record.requests > 1 else "at the first try"
            raise ModelError(f"the model's answer did not fit the claims schema {tries}: {reason}")
        record.warnings.append(
            "some answers still failed the checks after asking the model again; they are kept, marked"
        )
        return salvaged, record

    def _counting_create(self, record: CallRecord) -> Callable[[dict[str, Any]], Any]:
        """The raw chat-completion call, retried by tenacity and tallied into `record`."""
        import tenacity

        from .structured import encode_body, request_body

        endpoint = self._connected()
        settings = self.settings

        def create(request: dict[str, Any]) -> Any:
            body = encode_body(request_body(request))  # once, for every try
            retrying = tenacity.Retrying(
                sleep=_sleep,
                stop=tenacity.stop_after_attempt(settings.max_attempts),
                wait=WaitWithinDeadline(
                    self.backoff, settings.timeout, settings.base_url or "the local server"
                ),
                retry=tenacity.retry_if_exception(is_retryable),
                reraise=True,
                before_sleep=lambda state: log.info(
                    "retrying after %s (attempt %d)",
                    state.outcome.exception() if state.outcome else "?",
                    state.attempt_number,
                ),
            )
            attempts = 0
            last: BaseException | None = None
            try:
                for attempt in retrying:
                    with attempt:
                        attempts += 1
                        record.requests += 1
                        try:
                            response = endpoint.post(body)
                        except Exception as error:
                            last = error
                            raise
            except ClaimexError:
                raise
            except GiveUp as reason:
                assert last is not None
                described = describe_api_error(last, settings, attempts)
                if str(reason):  # a timed-out try already says the deadline passed
                    described += f"; {reason}"
                raise server_error_class(last)(described) from last
            except Exception as error:
                if is_api_error(error):
                    raise server_error_class(error)(describe_api_error(error, settings, attempts)) from error
                raise
            completion = completion_of(response, settings)
            reencode_loose_json(completion)
            usage = getattr(completion, "usage", None)
            if usage is not None:
                record.prompt_tokens += usage.prompt_tokens or 0
                record.completion_tokens += usage.completion_tokens or 0
            return completion

        return create

    def _salvage(self, completion: Any, model: type[ResponseT]) -> ResponseT | None:
        """The last answer of a failed re-ask, parsed without the validators that rejected it."""
        for raw in answer_texts(completion):
            try:
                # Small models put raw line breaks inside JSON strings; strict parsing refuses them.
                return model.model_validate(json.loads(raw, strict=False))
            except (ValueError, ValidationError, RecursionError):
                continue
        return None


def _sleep(seconds: float) -> None:
    """tenacity's wait before another try, during which a batch's other workers run."""
    with waiting():
        time.sleep(seconds)


@contextlib.contextmanager
def model_client(
    settings: ModelSettings,
    *,
    use_cache: bool,
    cache_dir: Path | None,
    connect: Callable[[], str] | None = None,
    connections: int = 4,
) -> Iterator[ModelClient]:
    from .cache import default_cache_dir, open_cache

    cache = open_cache(cache_dir or default_cache_dir()) if use_cache else None
    client = None
    try:
        client = ModelClient(settings, cache=cache, connect=connect, connections=connections)
        yield client
    finally:
        if client is not None:
            client.close()
        if cache is not None:
            cache.close()
