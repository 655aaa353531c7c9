"""Model: one client layer over any OpenAI-compatible server, with presets, retries and a disk cache.

A call goes: cache look-up → instructor's handlers (structured output, one re-ask on invalid
answers), prepared once per answer schema (`structured.py`) → tenacity (transport retries) → a
POST with the OpenAI client's URL, headers and errors, straight to the HTTP transport
(`transport.py`). Only the last two ever touch the network.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import random
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import AnswerCutOff, AnswerTimeout, ClaimexError, ModelError, ServerError, ServerUnreachable

if TYPE_CHECKING:
    from .cache import AnswerCache

log = logging.getLogger(__name__)

ResponseT = TypeVar("ResponseT", bound=BaseModel)

# Bump when what is stored changes shape, so old entries are not misread.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Preset:
    name: str
    base_url: str | None
    model: str
    # How structured output is asked for. llama.cpp's server answers HTTP 500 to
    # response_format={"type": "json_schema"} but constrains tool calls with a grammar built
    # from the tool's JSON Schema; Ollama and OpenAI take json_schema natively.
    mode: str
    needs_api_key: bool = False
    # Extra request fields the server understands beyond the OpenAI API.
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    # Requests in flight that the server takes in parallel, and the characters of article text
    # that fit its context beside the prompt and the answer.
    concurrency: int = 4
    chunk_chars: int = 40_000
    # How claims are asked for (pipeline.STRATEGIES), and how many one chunk may give by each
    # strategy: a capable model finds 20-30 checkable claims in a news article.
    strategy: str = "single"
    max_claims_single: int = 30
    max_claims_sentences: int = 60
    help: str = ""

    def max_claims(self, strategy: str) -> int:
        return self.max_claims_sentences if strategy == "sentences" else self.max_claims_single


PRESETS: dict[str, Preset] = {
    "local": Preset(
        name="local",
        base_url=None,  # the embedded server claimex starts, or one `claimex model serve` runs
        model="qwen2.5-coder-1.5b-instruct",
        mode="tools",
        # A tiny model left alone repeats itself until max_tokens.
        extra_body={"repeat_penalty": 1.15},
        # llama.cpp's server answers one request at a time. Its 8,192-token context holds a
        # 4,000-character chunk of French with the instructions and a 1,500-token answer, and
        # a re-ask that repeats that answer; a small model does no better with more text.
        concurrency=1,
        chunk_chars=4_000,
        # A small model cannot quote faithfully nor pick 20 facts at once; it can state the
        # claims of one sentence. One call for the whole text stays possible (--strategy single),
        # asking for few claims, which is what such a model manages.
        strategy="sentences",
        max_claims_single=8,
        max_claims_sentences=30,
        help="the embedded llama.cpp server with the model shipped in claimex[local]",
    ),
    "ollama": Preset(
        name="ollama",
        base_url="http://localhost:11434/v1",
        model="llama3.2",
        mode="json_schema",
        help="a local Ollama (ollama serve); pick the model with --model",
    ),
    "openai": Preset(
        name="openai",
        base_url="https://api.openai.com/v1",
        model="gpt-4o-mini",
        mode="json_schema",
        needs_api_key=True,
        help="OpenAI's hosted API (needs OPENAI_API_KEY)",
    ),
    "compatible": Preset(
        name="compatible",
        base_url=None,
        model="default",
        mode="json_schema",
        help="any OpenAI-compatible server: give --base-url (and --model)",
    ),
}

MODES = ("tools", "json_schema", "json", "md_json")


@dataclass(frozen=True)
class ModelSettings:
    """Everything that decides which server is asked and how. The API key never leaves here."""

    provider: str
    base_url: str | None
    model: str
    mode: str
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.0
    max_tokens: int = 1500
    timeout: float = 300.0
    max_attempts: int = 4
    reasks: int = 1
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    # What answers, for the cache key, when the URL says nothing lasting: the embedded server
    # gets a new port every run, but the same model file gives the same answers.
    server_identity: str | None = None

    def with_base_url(self, base_url: str) -> ModelSettings:
        return replace(self, base_url=base_url)


def resolve_settings(
    *,
    provider: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    mode: str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> ModelSettings:
    """Options win over `CLAIMEX_*` variables, which win over the preset.

    A base URL given with no provider means "an OpenAI-compatible server at that URL".
    """
    env = os.environ if environ is None else environ
    provider = provider or env.get("CLAIMEX_PROVIDER") or None
    base_url = base_url or env.get("CLAIMEX_BASE_URL") or None
    if provider is None:
        base_url = base_url or env.get("OPENAI_BASE_URL") or None
        provider = "compatible" if base_url else "local"
    if provider not in PRESETS:
        raise ClaimexError(f"unknown provider {provider!r}; choose one of: {', '.join(PRESETS)}")
    preset = PRESETS[provider]
    if provider == "openai":
        base_url = base_url or env.get("OPENAI_BASE_URL") or None
    base_url = base_url or preset.base_url
    if provider == "compatible" and not base_url:
        raise ClaimexError("provider 'compatible' needs --base-url (or CLAIMEX_BASE_URL / OPENAI_BASE_URL)")
    mode = mode or env.get("CLAIMEX_MODE") or preset.mode
    if mode not in MODES:
        raise ClaimexError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    api_key = env.get("OPENAI_API_KEY") or None
    if preset.needs_api_key and not api_key:
        raise ClaimexError(f"provider {provider!r} needs an API key: set OPENAI_API_KEY")
    return ModelSettings(
        provider=provider,
        base_url=base_url.rstrip("/") if base_url else None,
        model=model or env.get("CLAIMEX_MODEL") or preset.model,
        mode=mode,
        api_key=api_key,
        extra_body=dict(preset.extra_body),
        **overrides,
    )


# --- cache -----------------------------------------------------------------------------------


def cache_key(
    settings: ModelSettings,
    messages: list[dict[str, str]],
    response_model: type[BaseModel],
    max_tokens: int | None = None,
) -> str:
    """Everything that changes the answer, and nothing secret (no API key, no headers)."""
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
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@functools.cache
def _schema_of(response_model: type[BaseModel]) -> dict[str, Any]:
    # Generating a JSON Schema costs milliseconds; batch mode asks for the same one per article.
    return response_model.model_json_schema()


# --- retries ---------------------------------------------------------------------------------


def is_retryable(error: BaseException) -> bool:
    """Timeouts, dropped connections, 429 and 5xx are worth another try; other 4xx never are."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code == 429 or error.status_code >= 500
    return False


def retry_after_seconds(error: BaseException | None) -> float | None:
    """The server's Retry-After (seconds or an HTTP date), if it sent one."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


# A server that asks for a longer pause than this is not coming back within a run's patience.
MAX_RETRY_AFTER = 120.0


class _GiveUp(Exception):
    """Raised from the wait between tries: the next try could not be made in time."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter, unless the server said how long to wait."""

    initial: float = 1.0
    maximum: float = 30.0

    def __call__(self, retry_state: Any) -> float:
        outcome = retry_state.outcome
        told = retry_after_seconds(outcome.exception() if outcome else None)
        if told is not None:
            return told
        ceiling = min(self.maximum, self.initial * 2 ** (retry_state.attempt_number - 1))
        return random.uniform(ceiling / 2, ceiling)


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


def describe_api_error(error: BaseException, settings: ModelSettings, attempts: int) -> str:
    import openai

    where = settings.base_url or "the local server"
    tries = f"after {attempts} tries" if attempts > 1 else "at the first try"
    if isinstance(error, openai.APITimeoutError):
        return (
            f"the model at {where} gave no complete answer within {settings.timeout:g} s "
            f"(--timeout, {attempts} {'try' if attempts == 1 else 'tries'})"
        )
    if isinstance(error, openai.APIConnectionError):
        return f"cannot reach the model server at {where} ({tries}): {_root_cause(error)}"
    if isinstance(error, openai.AuthenticationError):
        return f"{where} refused the API key (HTTP 401): set OPENAI_API_KEY to a valid key"
    if isinstance(error, openai.NotFoundError):
        return (
            f"model {settings.model!r} not found at {where} (HTTP 404): check --model, and that the "
            "base URL ends in /v1"
        )
    if isinstance(error, openai.APIStatusError):
        return (
            f"the model server at {where} answered HTTP {error.status_code} {tries}: {_server_message(error)}"
        )
    return f"the request to {where} failed: {error}"


def describe_unexpected_body(response: Any, settings: ModelSettings) -> str:
    """What came back instead of a chat completion: a proxy's page, a non-JSON body, other JSON."""
    where = settings.base_url or "the local server"
    content_type = response.headers.get("content-type", "")
    text = response.text[:4000]
    if "html" in content_type or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        named = f" (“{' '.join(title.group(1).split())[:80]}”)" if title else ""
        return (
            f"{where} answered with an HTML page{named}, not a chat completion: check that --base-url is "
            "the API's address (ending in /v1) and that no proxy or login page is in the way"
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        snippet = " ".join(text.split())[:80] or "an empty body"
        return (
            f"{where} answered HTTP {response.status_code} with a body that is not JSON (“{snippet}”): "
            "is it an OpenAI-compatible server?"
        )
    keys = ", ".join(sorted(data)[:8]) if isinstance(data, dict) else type(data).__name__
    return (
        f"{where} answered HTTP {response.status_code} with JSON that is not a chat completion "
        f"(no choices; it has: {keys or 'nothing'})"
    )


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error) or type(error).__name__


def _server_message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return " ".join(str(message).split())[:300]
    return " ".join(str(getattr(error, "message", error)).split())[:300]


# --- the client ------------------------------------------------------------------------------


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
        self._connections = connections
        self._endpoint: _Endpoint | None = None
        self._lock = threading.Lock()

    def _connected(self) -> _Endpoint:
        """Where calls go: made on the first call that needs the server (and starts it), then shared."""
        endpoint = self._endpoint
        if endpoint is not None:  # made once: no lock for the thousands of calls after
            return endpoint
        with self._lock:
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
                self._endpoint = _Endpoint.of(sdk, self._http_client, self.settings.timeout)
            return self._endpoint

    def create(
        self,
        messages: list[dict[str, str]],
        response_model: type[ResponseT],
        *,
        fallback_model: type[ResponseT] | None = None,
        max_tokens: int | None = None,
    ) -> tuple[ResponseT, CallRecord]:
        """One structured answer, from the cache when the same question was asked before.

        `response_model` may carry validators that reject the answer (quotes not in the
        article); the model is then re-asked `settings.reasks` times, and if it still fails,
        the last answer is kept when it parses as `fallback_model`, for the caller to mark.
        `max_tokens` caps this answer below the settings' cap (a sentence's claims are short).
        """
        max_tokens = max_tokens or self.settings.max_tokens
        key = None
        if self.cache is not None:  # no key is made without a cache: it serialises the whole question
            key = cache_key(self.settings, messages, response_model, max_tokens)
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
        """instructor's loop, with what depends on the schema alone prepared once (`structured.py`)."""
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
            reason = _first_problem(problem)
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
                stop=tenacity.stop_after_attempt(settings.max_attempts),
                wait=self._wait_within_deadline,
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
            except _GiveUp as reason:
                assert last is not None
                described = describe_api_error(last, settings, attempts)
                if str(reason):  # a timed-out try already says the deadline passed
                    described += f"; {reason}"
                raise _server_error_class(last)(described) from last
            except Exception as error:
                if _is_api_error(error):
                    raise _server_error_class(error)(describe_api_error(error, settings, attempts)) from error
                raise
            completion = _completion_of(response, settings)
            _reencode_loose_json(completion)
            usage = getattr(completion, "usage", None)
            if usage is not None:
                record.prompt_tokens += usage.prompt_tokens or 0
                record.completion_tokens += usage.completion_tokens or 0
            return completion

        return create

    def _wait_within_deadline(self, retry_state: Any) -> float:
        """The pause before the next try, or `_GiveUp` when it would end past the answer's deadline."""
        from .transport import time_left

        seconds = self.backoff(retry_state)
        told = retry_after_seconds(retry_state.outcome.exception() if retry_state.outcome else None)
        if told is not None and told > MAX_RETRY_AFTER:
            raise _GiveUp(
                f"it asks to wait {told:.0f} s before the next try (Retry-After), longer than claimex "
                f"waits ({MAX_RETRY_AFTER:.0f} s): try again later"
            )
        left = time_left()
        if left is not None and left <= 0:
            raise _GiveUp()
        if left is not None and seconds >= left:
            if told is not None:
                raise _GiveUp(
                    f"it asks to wait {told:.0f} s before the next try (Retry-After), past the "
                    f"{self.settings.timeout:g} s --timeout for one answer"
                )
            raise _GiveUp(
                f"no time was left for another try within the {self.settings.timeout:g} s --timeout"
            )
        if told is not None and told >= 2:
            where = self.settings.base_url or "the local server"
            log.warning("the model server at %s asks to wait %.0f s (Retry-After); waiting", where, told)
        return seconds

    def _salvage(self, completion: Any, model: type[ResponseT]) -> ResponseT | None:
        """The last answer of a failed re-ask, parsed without the validators that rejected it."""
        for raw in _answer_texts(completion):
            try:
                # Small models put raw line breaks inside JSON strings; strict parsing refuses them.
                return model.model_validate(json.loads(raw, strict=False))
            except (ValueError, ValidationError, RecursionError):
                continue
        return None


def _reencode_loose_json(completion: Any) -> None:
    """Re-encode tool-call arguments that only lenient JSON parsing accepts.

    Small models write raw line breaks inside JSON strings (the grammar lets them); strict
    parsing, as instructor does, would refuse the whole answer for it.
    """
    for choice in getattr(completion, "choices", None) or []:
        for call in getattr(choice.message, "tool_calls", None) or []:
            try:
                json.loads(call.function.arguments)
            except RecursionError:
                continue  # nested past any answer: left for instructor to refuse
            except ValueError:
                # Not JSON even leniently: left as it is, for instructor to report and re-ask.
                with contextlib.suppress(ValueError, RecursionError):
                    call.function.arguments = json.dumps(json.loads(call.function.arguments, strict=False))


@dataclass(frozen=True)
class _Endpoint:
    """Where and how chat completions are posted, worked out once from the OpenAI and HTTP clients.

    On every call the OpenAI client rebuilds its options, headers and URL and walks the request
    against its types, and the HTTP client merges its defaults and steps through its auth,
    redirect and cookie machinery (none of which claimex uses). Here the request is made with
    the same URL and headers and handed to the transport the HTTP client would pick (the
    connection pool, or a proxy's from the environment); failures become the OpenAI client's
    own errors.
    """

    sdk: Any  # openai.OpenAI, whose errors a failed answer becomes
    transport: Any  # the httpx transport for the URL
    url: Any
    headers: Any  # httpx2.Headers
    timeouts: dict[str, float | None]

    @classmethod
    def of(cls, sdk: Any, http: Any, timeout: float) -> _Endpoint:
        import httpx2
        import openai

        base = sdk.base_url
        url = base.copy_with(raw_path=base.raw_path + b"chat/completions")
        headers = httpx2.Headers(http.headers)  # the HTTP client's defaults, then the OpenAI client's
        headers.update(
            {
                name: value
                for name, value in {**sdk.auth_headers, **sdk.default_headers}.items()
                if not isinstance(value, openai.Omit)
            }
        )
        return cls(sdk, http._transport_for_url(url), url, headers, httpx2.Timeout(timeout).as_dict())

    def post(self, body: bytes) -> Any:
        """The response to `body`, read; raises what the OpenAI client would (connection, timeout, status)."""
        import httpx2
        import openai

        request = httpx2.Request(
            "POST", self.url, headers=self.headers, content=body, extensions={"timeout": self.timeouts}
        )
        try:
            try:
                response = self.transport.handle_request(request)
            except httpx2.RequestError as error:
                error.request = request
                raise
            response.request = request
            try:
                response.read()
            except BaseException:
                response.close()
                raise
        except httpx2.TimeoutException as error:
            raise openai.APITimeoutError(request=request) from error
        except Exception as error:
            raise openai.APIConnectionError(request=request) from error
        if _http_log.isEnabledFor(logging.INFO):
            _http_log.info(
                'HTTP Request: POST %s "%s %d %s"',
                self.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        if not response.is_success:
            raise self.sdk._make_status_error_from_response(response) from None
        return response


# The line httpx's client logs for each request (shown with --verbose).
_http_log = logging.getLogger("httpx2")


def _completion_of(response: Any, settings: ModelSettings) -> Any:
    """The chat completion in a response; a body that is none is a `ServerError` saying what it was."""
    from openai.types.chat import ChatCompletion

    completion: Any = None
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        try:
            completion = ChatCompletion.model_validate(data)
        except (ValidationError, RecursionError):
            # Read leniently, as the OpenAI client reads what servers send.
            from openai._models import construct_type

            completion = construct_type(type_=ChatCompletion, value=data)
    if getattr(completion, "choices", None):
        return completion
    raise ServerError(describe_unexpected_body(response, settings))


def _first_problem(last: BaseException | None) -> str:
    """The first validation message of the last failed attempt, on one line."""
    if isinstance(last, ValidationError) and last.errors():
        first = last.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "answer"
        return " ".join(f"{where}: {first.get('msg', '')}".split())[:300]
    return " ".join(str(last).split())[:300]


def _server_error_class(error: BaseException) -> type[ServerError]:
    import openai

    if isinstance(error, openai.APITimeoutError):
        return AnswerTimeout
    if isinstance(error, openai.APIConnectionError):
        return ServerUnreachable
    return ServerError


def _is_api_error(error: BaseException) -> bool:
    import openai

    return isinstance(error, openai.APIError)


def _answer_texts(completion: Any) -> Iterator[str]:
    """The JSON an OpenAI-style completion carries: tool-call arguments, else the message text."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return
    for call in message.tool_calls or []:
        yield call.function.arguments
    content = message.content or ""
    if content.strip():
        text = content.strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
        yield text


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
    try:
        yield ModelClient(settings, cache=cache, connect=connect, connections=connections)
    finally:
        if cache is not None:
            cache.close()
