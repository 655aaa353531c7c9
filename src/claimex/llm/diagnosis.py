"""What a failed call says: one line naming the server and the problem, from the OpenAI client's errors.

The error classes are in `claimex.errors`; here, which of them a failure of the OpenAI client
becomes and the message it carries (a timeout, no connection, a refused key, an unknown model,
an HTTP error, a proxy's HTML page, a body that is no chat completion, an answer that does not
fit its schema).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import AnswerTimeout, ServerError, ServerUnreachable

if TYPE_CHECKING:
    from .settings import ModelSettings


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


def first_problem(last: BaseException | None) -> str:
    """The first validation message of the last failed attempt, on one line."""
    if isinstance(last, ValidationError) and last.errors():
        first = last.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "answer"
        return " ".join(f"{where}: {first.get('msg', '')}".split())[:300]
    return " ".join(str(last).split())[:300]


def server_error_class(error: BaseException) -> type[ServerError]:
    import openai

    if isinstance(error, openai.APITimeoutError):
        return AnswerTimeout
    if isinstance(error, openai.APIConnectionError):
        return ServerUnreachable
    return ServerError


def is_api_error(error: BaseException) -> bool:
    import openai

    return isinstance(error, openai.APIError)
