"""The wire: chat completions posted straight to the transport, and what comes back read leniently.

`Endpoint` is worked out once per client from the OpenAI and HTTP clients (URL, headers, the
transport), and posts a body made once per answer. The answer is read as the OpenAI client reads
it, and the JSON a small model writes loosely (raw line breaks inside strings) is re-encoded so
that instructor's strict parsing takes it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import ServerError
from ._private_httpx import transport_for_url
from ._private_openai import lenient_completion, status_error
from .diagnosis import describe_unexpected_body

if TYPE_CHECKING:
    from .settings import ModelSettings


@dataclass(frozen=True)
class Endpoint:
    """Where and how chat completions are posted, worked out once from the OpenAI and HTTP clients.

    On every call the OpenAI client rebuilds its options, headers and URL and walks the request
    against its types, and the HTTP client merges its defaults and steps through its auth,
    redirect and cookie machinery (none of which claimex uses). Here the request is made with
    the same URL and headers and handed to the transport the HTTP client would pick (claimex's
    connection pool); failures become the OpenAI client's
    own errors.
    """

    sdk: Any  # openai.OpenAI, whose errors a failed answer becomes
    transport: Any  # the httpx transport for the URL
    url: Any
    headers: Any  # httpx2.Headers
    timeouts: dict[str, float | None]
    # What httpx sends before a body's Content-Length, as bytes: Host, then `headers` in order.
    head: tuple[tuple[bytes, bytes], ...] = ()

    @classmethod
    def of(cls, sdk: Any, http: Any, timeout: float) -> Endpoint:
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
        head = ((b"Host", url.netloc), *headers.raw)
        return cls(sdk, transport_for_url(http, url), url, headers, httpx2.Timeout(timeout).as_dict(), head)

    def post(self, body: bytes) -> Any:
        """The response to `body`, read; raises what the OpenAI client would (connection, timeout, status)."""
        import httpx2
        import openai

        # The headers httpx would make of `content=body` (Host first, Content-Length last), given
        # whole with the body as the stream: httpx copies them, detects their encoding, looks up
        # Content-Type, sets Content-Length and Host and copies them again on every request.
        request = httpx2.Request(
            "POST",
            self.url,
            headers=[*self.head, (b"Content-Length", b"%d" % len(body))],
            stream=httpx2.ByteStream(body),
            extensions={"timeout": self.timeouts},
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
            raise status_error(self.sdk, response) from None
        return response


# The line httpx's client logs for each request (shown with --verbose).
_http_log = logging.getLogger("httpx2")


def completion_of(response: Any, settings: ModelSettings) -> Any:
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
            completion = lenient_completion(data)  # as the OpenAI client reads what servers send
    if getattr(completion, "choices", None):
        return completion
    raise ServerError(describe_unexpected_body(response, settings))


# Strict and lenient JSON differ only in control characters inside strings: a text with none at
# all reads the same either way.
_CONTROL = re.compile(r"[\x00-\x1f]")


def reencode_loose_json(completion: Any) -> None:
    """Re-encode tool-call arguments that only lenient JSON parsing accepts.

    Small models write raw line breaks inside JSON strings (the grammar lets them); strict
    parsing, as instructor does, would refuse the whole answer for it.
    """
    for choice in getattr(completion, "choices", None) or []:
        for call in getattr(choice.message, "tool_calls", None) or []:
            if isinstance(call.function.arguments, str) and not _CONTROL.search(call.function.arguments):
                continue  # read alike strictly and leniently: not parsed here for nothing
            try:
                json.loads(call.function.arguments)
            except RecursionError:
                continue  # nested past any answer: left for instructor to refuse
            except ValueError:
                # Not JSON even leniently: left as it is, for instructor to report and re-ask.
                with contextlib.suppress(ValueError, RecursionError):
                    call.function.arguments = json.dumps(json.loads(call.function.arguments, strict=False))


def answer_texts(completion: Any) -> Iterator[str]:
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
