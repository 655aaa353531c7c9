"""uvicorn's HTTP/1.1 protocol (h11), bounded: connections, time to send a request's head, JSON errors.

uvicorn keeps a connection that sends nothing, or half a request line, for as long as the
client likes (its keep-alive timer starts only after a first answer), and has no bound on
connections but `limit_concurrency`, which answers in plain text. Here:

- past `max_connections` open connections, a new one is answered 503 (JSON) and closed;
- a connection must send a whole request head within `header_timeout` seconds of opening, or
  of its previous answer (408, JSON, and closed): idle and half-sent connections do not pile up;
- a request h11 cannot parse is answered 400 in JSON, as every other error of the service.
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.h11_impl import H11Protocol


def _raw_response(status: int, reason: str, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class BoundedH11Protocol(H11Protocol):
    max_connections = 1024
    header_timeout = 10.0

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self.connections.discard(self)
            transport.write(
                _raw_response(
                    503,
                    "Service Unavailable",
                    f"too many connections: {self.max_connections} open, the most this service keeps "
                    "(--max-connections); try again shortly",
                )
            )
            transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and self.cycle is not getattr(self, "_timed_cycle", None):
            # A whole request head came: it has its answer's time, not the head's.
            self._timed_cycle = self.cycle
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request's head must come in time too (uvicorn's keep-alive timer covers only
        # a connection that sends nothing; one that sends a byte would otherwise wait forever).
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        self._disarm()
        self.transport.write(
            _raw_response(
                400, "Bad Request", "the request is not valid HTTP/1.1 (its request line or headers)"
            )
        )
        self.transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _head_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered: its head came
        self.transport.write(
            _raw_response(
                408,
                "Request Timeout",
                f"no complete request head within {self.header_timeout:g} s of the connection "
                "(or of the last answer)",
            )
        )
        self.transport.close()


def bounded_protocol(max_connections: int, header_timeout: float) -> type[BoundedH11Protocol]:
    return type(
        "BoundedH11Protocol",
        (BoundedH11Protocol,),
        {"max_connections": max_connections, "header_timeout": header_timeout},
    )
