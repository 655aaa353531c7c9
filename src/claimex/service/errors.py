"""How the service answers when it cannot: a status code and `{"error": "<one line>"}`, always.

The line is the one the CLI would print for the same failure, minus anything about this
machine: file paths are cut to their names, and no traceback ever leaves the process (an
unexpected error is logged here and answered "internal error").
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import AnswerTimeout, ClaimexError, InputError, LocalServerError, ModelError
from .admission import Busy, ClientGone, Stopping
from .models import UNION_BRANCHES, VERIFY_BRANCH, why_not_an_article

log = logging.getLogger("claimex.service")

# An absolute path not inside a URL ("http://host:8080/v1" keeps its "/v1").
_PATH = re.compile(r"(?<![\w:/.\-~])~?/(?:[^\s/:()'\"]+/)+([^\s/:()'\"]+)")
# Where a problem is (the body, the path): not part of its name, nor is a union's branch.
_WHERE = {"body", "path", "query"}
_EXAMPLE = 'e.g. {"text": "the article"}'
# What FastAPI says of a JSON body it cannot even decode (not UTF-8, or nested past Python's limit).
FASTAPI_UNREADABLE_BODY = "There was an error parsing the body"


def one_line(message: str, limit: int = 500) -> str:
    """The message on one line, file paths reduced to their names."""
    return " ".join(_PATH.sub(r"\1", str(message)).split())[:limit] or "error"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())}, status_code=status, headers=headers)


def status_of(error: ClaimexError) -> int:
    if isinstance(error, InputError):
        return 422
    if isinstance(error, AnswerTimeout):
        return 504
    if isinstance(error, ModelError | LocalServerError):
        return 502
    return 500


def validation_message(errors: list[Any]) -> tuple[int, str]:
    """One line for pydantic's list of problems with a request body, and 400 or 422."""
    first = errors[0]
    kind = first.get("type", "")
    # "body" (or "path", "query") opens the location; a record's own field may be named "path".
    where, *inside = first.get("loc", ()) or ("",)
    location = [
        str(part)
        for part in ([] if where in _WHERE else [where]) + inside
        if part not in UNION_BRANCHES and not str(part).startswith(VERIFY_BRANCH)
    ]
    if kind == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "not JSON")
        where = f" at character {location[0]}" if location else ""
        return 400, f"the body is not valid JSON: {reason}{where}"
    if not location:
        if kind == "missing":
            return 400, f"the body is empty: send a JSON object, {_EXAMPLE}"
        return 400, (f"the body must be a JSON object sent with Content-Type: application/json, {_EXAMPLE}")
    field = ".".join(location)
    if kind == "string_pattern_mismatch" and location[0] in ("text", "texts"):
        return 422, f'"{field}" {why_not_an_article(str(first.get("input", "")))}'
    messages = {
        "missing": f'"{field}" is required',
        "extra_forbidden": f'unknown field "{field}"',
        "string_too_short": f'"{field}" is empty',
        "string_type": f'"{field}" must be a string',
        "list_type": f'"{field}" must be a list',
        "bool_type": f'"{field}" must be true or false',
        "int_type": f'"{field}" must be an integer',
        "too_long": f'"{field}": {first.get("msg", "too long")}',
        # Our own validators' lines (a task name not offered), without pydantic's "Value error, ".
        "value_error": f'"{field}": {(first.get("ctx") or {}).get("error", first.get("msg", "invalid"))}',
    }
    message = messages.get(kind) or f'"{field}": {first.get("msg", "invalid")}'
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return 422, message


def documented_methods(request: Request) -> list[str]:
    """The methods the OpenAPI description gives the path the request went to (for `Allow`)."""
    from starlette.routing import Match

    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE and hasattr(route, "path"):
            operations = request.app.openapi().get("paths", {}).get(route.path, {})
            return sorted(method.upper() for method in operations)
    return []


def install_error_handlers(app: FastAPI) -> None:
    async def claimex_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ClaimexError)
        status = status_of(error)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, error)
        return error_response(status, one_line(str(error)))

    async def busy(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Busy | Stopping)
        status = 429 if isinstance(error, Busy) else 503
        return error_response(status, str(error), {"Retry-After": str(error.retry_after)})

    async def gone(request: Request, error: Exception) -> JSONResponse:
        log.info("%s %s: %s", request.method, request.url.path, error)
        # nginx's code for it: the response is for the log, no client reads it.
        return error_response(499, str(error))

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        status, message = validation_message(list(error.errors()))
        return error_response(status, message)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        messages = {
            404: f"no such endpoint: {request.url.path} (see /docs)",
            405: f"{request.method} is not allowed on {request.url.path}",
        }
        # Starlette's own 404 and 405 say only their phrase; a route's say more, and are kept.
        generic = error.detail in ("Not Found", "Method Not Allowed")
        message = (
            messages[error.status_code] if generic and error.status_code in messages else str(error.detail)
        )
        if message == FASTAPI_UNREADABLE_BODY:
            message = "the body cannot be read as JSON"
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(documented_methods(request))
        return error_response(error.status_code, message, headers)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # Starlette raises the error again once this is sent: the server logs its traceback.
        return error_response(500, "internal error: the service's log says more")

    app.add_exception_handler(ClaimexError, claimex_error)
    app.add_exception_handler(Busy, busy)
    app.add_exception_handler(Stopping, busy)
    app.add_exception_handler(ClientGone, gone)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
