"""HTTP to the model server: a connection pool sized to the requests in flight, and a deadline per answer.

httpx's timeouts bound each socket operation, not an answer: a server that sends one byte a
second is never timed out, and a hung one costs a timeout per try. claimex's `--timeout` is a
deadline for one whole answer, every try and every wait included. `answer_deadline` sets it for
the calling thread, and every socket operation made under it (connect, TLS, each write, each
read) is given at most the time left, so nothing is read past the deadline, however slowly it
comes.

httpx offers no hook for this, so the deadline sits in httpcore's network backend, which the
transport's connection pool is given.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore2
import httpx2

# The monotonic time by which the current thread's answer must be in. Threads start with no
# value, so each batch worker has its own.
_deadline: ContextVar[float | None] = ContextVar("claimex_answer_deadline", default=None)


@contextlib.contextmanager
def answer_deadline(seconds: float) -> Iterator[float]:
    """Every request made in this block, in this thread, ends by `seconds` from now."""
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds before the current answer's deadline (negative once passed), or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        raise expired("the deadline for this answer has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore2.NetworkStream):
    def __init__(self, stream: httpcore2.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        stream = self._stream.start_tls(
            ssl_context, server_hostname, _bounded(timeout, httpcore2.ConnectTimeout)
        )
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore2.NetworkBackend):
    def __init__(self, backend: httpcore2.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        timeout = _bounded(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        timeout = _bounded(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def http_client(*, timeout: float, connections: int) -> httpx2.Client:
    """One client for a run: `connections` kept open (one per request in flight), answers on a deadline."""
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = httpx2.HTTPTransport(limits=limits)
    pool = transport._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)
    # Proxies from the environment get transports of their own; they are given the deadline too.
    client = httpx2.Client(transport=transport, timeout=timeout, limits=limits)
    for mounted in client._mounts.values():
        inner = getattr(mounted, "_pool", None)
        if inner is not None and not isinstance(inner._network_backend, _DeadlineBackend):
            inner._network_backend = _DeadlineBackend(inner._network_backend)
    return client
