"""What every request meets before a route sees it, in this order, each refusal JSON.

1. The Host header must be one this service answers to (loopback names, `--host`,
   `--allowed-host`): a web page that rebinds its own name to 127.0.0.1 sends its own name, and
   is refused (400), so a service without a token cannot be reached same-origin from a browser.
2. With a token, `/v1` and `/metrics` need `Authorization: Bearer TOKEN`, checked from the
   headers alone (401): nothing of the body is read or decoded for a caller without it.
3. The body is bounded in size (413, declared or streamed) and in time: each part of it must
   come within `body_timeout` seconds (408), so a client that stops half-way holds nothing.

Every answer also says `X-Content-Type-Options: nosniff` and, unless the page set its own,
`Content-Security-Policy: default-src 'none'` (JSON needs nothing; the docs set theirs).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# JSON answers load nothing and may be framed by nothing.
DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'"
GUARDED_PREFIXES = ("/v1/", "/metrics")
# The rest of a body that was refused half-way is not read: the connection cannot be reused.
_CLOSE = {"Connection": "close"}
TOKEN_NEEDED = "this service needs a token: send the header Authorization: Bearer <token>"


def host_name(header: str) -> str:
    """The name of a Host header, without its port: `[::1]:8000` → `::1`, `Example.org.` → `example.org`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        header = header.split(":", 1)[0]
    return header.rstrip(".")


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str],
        token: str | None,
        max_body: int,
        body_timeout: float,
    ) -> None:
        self.app = app
        hosts = {host_name(host) for host in allowed_hosts}
        self.any_host = "*" in hosts
        self.hosts = hosts - {"*"}
        self.token = token.encode("utf-8") if token is not None else None
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = dict(scope["headers"])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if not self.any_host and host not in self.hosts:
            shown = host[:100] or "(none)"
            await error_response(
                400, f"the Host header {shown!r} is not one this service answers to (see --allowed-host)"
            )(scope, receive, send)
            return
        if self.token is not None and scope["path"].startswith(GUARDED_PREFIXES):
            given = headers.get(b"authorization", b"")
            scheme, _, credentials = given.partition(b" ")
            # Constant time: how much of a guess was right must not show in how long the answer takes.
            valid = hmac.compare_digest(
                credentials.strip() if scheme.lower() == b"bearer" else b"", self.token
            )
            if not valid:
                await error_response(401, TOKEN_NEEDED, {"WWW-Authenticate": "Bearer"})(scope, receive, send)
                return
        message = f"the body is larger than {self.max_body:,} bytes, the most this service takes (--max-body)"
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await error_response(413, message)(scope, receive, send)
            return
        await self.app(scope, self._bounded(receive, message), send)

    def _bounded(self, receive: Receive, too_large: str) -> Receive:
        received = 0
        whole = False

        async def bounded() -> Message:
            nonlocal received, whole
            if whole:
                # After the body, a receive waits for the client to leave: as long as it takes.
                return await receive()
            try:
                event = await asyncio.wait_for(receive(), self.body_timeout)
            except TimeoutError:
                # Raised while the application reads the body: FastAPI hands it to the handler.
                raise HTTPException(
                    408,
                    f"the body did not come within {self.body_timeout:g} s (a part of it at a time)",
                    headers=_CLOSE,
                ) from None
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                whole = not event.get("more_body", False)
                if received > self.max_body:
                    raise HTTPException(413, too_large, headers=_CLOSE)
            else:
                whole = True
            return event

        return bounded


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {name.lower() for name, _ in headers}
            headers.append((b"x-content-type-options", b"nosniff"))
            if b"content-security-policy" not in names:
                headers.append((b"content-security-policy", DEFAULT_CSP))
            message = {**message, "headers": headers}
        await send(message)

    return sending
