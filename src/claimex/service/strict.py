"""Strict JSON in and out, decoded off the event loop.

In: RFC 8259 JSON only. Python's `json` takes `NaN`, `Infinity` and `1e999` (which it reads as
infinity) and strings holding lone surrogates (`"\\ud800"`), none of which a JSON parser in a
browser accepts back, and which fail later, when the answer is written. Each is refused here,
with a line saying which. A number too long for Python's int (over 4,300 digits) and a body
nested past the interpreter's recursion limit are named for what they are.

Decoding a body of megabytes takes the event loop tens of milliseconds: requests whose route
is `OffLoopRoute` have their body decoded in a worker thread, so `/healthz` answers meanwhile.

Out: `dumps` refuses what JSON cannot carry rather than writing it.
"""

from __future__ import annotations

import asyncio
import json
import math
import weakref
from typing import Any

import anyio.to_thread
from fastapi import Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException


class NotStrictJSON(ValueError):
    """A body that is JSON to Python but not to the standard; the message says where."""


def _constant(name: str) -> Any:
    raise NotStrictJSON(f"the body is not valid JSON: {name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise NotStrictJSON(f"the body is not valid JSON: the number {text[:40]} is too large for a double")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # past sys.get_int_max_str_digits()
        raise NotStrictJSON(
            f"the body holds a number of {len(text):,} digits, more than this service reads"
        ) from None


def _check_strings(value: Any) -> None:
    """Every string of the document is valid Unicode (no lone surrogate); iterative: no recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                raise NotStrictJSON(
                    f"the body holds a string that is not valid Unicode ({error.reason}: "
                    f"\\u{ord(item[error.start]):04x}, a lone surrogate)"
                ) from None
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def loads(data: bytes) -> Any:
    """The body's JSON, or `NotStrictJSON`/`json.JSONDecodeError` saying what is wrong with it."""
    try:
        text = data.decode("utf-8-sig") if data[:3] == b"\xef\xbb\xbf" else data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotStrictJSON(f"the body is not UTF-8 text (byte {error.start})") from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_finite, parse_int=_integer)
    except RecursionError:
        raise NotStrictJSON("the body nests arrays or objects deeper than this service reads") from None
    _check_strings(value)
    return value


def dumps(value: Any) -> str:
    """JSON text a strict parser reads back (no NaN, no infinity), as `output.to_json` lays it out."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# json.loads holds the interpreter's lock for the whole of a body (40 ms for 5 MB): one decode
# at a time, so that the event loop waits for at most one, not for a crowd of them taking turns.
# One per event loop (a limiter belongs to the loop it was made in; the tests run several).
_decoders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _decoder() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    if loop not in _decoders:
        _decoders[loop] = anyio.CapacityLimiter(1)
    return _decoders[loop]


class _OffLoopRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = await anyio.to_thread.run_sync(loads, body, limiter=_decoder())
            except NotStrictJSON as error:
                # FastAPI passes an HTTPException through; any other error becomes a vague 400.
                raise HTTPException(400, str(error)) from None
        return self._json


class OffLoopRoute(APIRoute):
    """A route whose JSON body is decoded strictly, in a worker thread."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Any:
            return await handler(_OffLoopRequest(request.scope, request.receive))

        return handle
