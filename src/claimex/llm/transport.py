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
import functools
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore2
import httpx2

from ._private_httpx import (
    connection_pool,
    pool_network_backend,
    pool_ssl_context,
    replace_connection_pool,
)
from .turns import waiting

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
    """A connection whose every operation is given at most what is left of the answer's deadline.

    A plain TCP socket is driven here, non-blocking: a write is sent at once, the request's head
    held back until its body follows so that both leave in one send, and a read waits in one
    poll. httpcore's own stream sets the socket's timeout before every operation, two more system
    calls each time, which a batch's threads pay again in handing the GIL around. TLS is left to
    httpcore's stream.
    """

    def __init__(self, stream: httpcore2.NetworkStream) -> None:
        self._stream = stream
        sock = stream.get_extra_info("socket")
        self._sock: socket.socket | None = None if isinstance(sock, ssl.SSLSocket) else sock
        self._nonblocking = False
        self._held = b""  # a request's head, sent with what follows it

    def _plain(self) -> socket.socket | None:
        sock = self._sock
        if sock is not None and not self._nonblocking:
            sock.setblocking(False)
            self._nonblocking = True
        return sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        sock = self._plain()
        if sock is None:
            with waiting():
                return self._stream.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))
        if self._held:
            self._send(sock, b"", timeout)
        try:
            while True:
                _wait(sock, select.POLLIN, _bounded(timeout, httpcore2.ReadTimeout), httpcore2.ReadTimeout)
                try:
                    return sock.recv(max_bytes)
                except BlockingIOError:
                    continue
        except OSError as error:
            raise httpcore2.ReadError(error) from error

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        sock = self._plain()
        if sock is None:
            with waiting():
                self._stream.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))
        elif not self._held and len(buffer) < _HOLD:
            self._held = bytes(buffer)  # the head: its body comes next, or the read flushes it
        else:
            self._send(sock, buffer, timeout)

    def _send(self, sock: socket.socket, buffer: bytes, timeout: float | None) -> None:
        view = memoryview(self._held + buffer if self._held else buffer)
        self._held = b""
        try:
            while view:
                try:
                    view = view[sock.send(view) :]
                except BlockingIOError:
                    _wait(
                        sock,
                        select.POLLOUT,
                        _bounded(timeout, httpcore2.WriteTimeout),
                        httpcore2.WriteTimeout,
                    )
        except OSError as error:
            raise httpcore2.WriteError(error) from error

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        with waiting():
            stream = self._stream.start_tls(
                ssl_context, server_hostname, _bounded(timeout, httpcore2.ConnectTimeout)
            )
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


# Writes shorter than this (a request's head) wait for the next one to go out with it.
_HOLD = 16_384


def _wait(sock: socket.socket, events: int, timeout: float | None, expired: type[Exception]) -> None:
    """Until `sock` is ready for `events`, within `timeout` s; a batch's other workers run meanwhile."""
    poller = select.poll()
    poller.register(sock, events)
    with waiting():
        ready = poller.poll(None if timeout is None else max(0.0, timeout) * 1000)
    if not ready:
        raise expired("timed out")


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
        with waiting():
            stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        timeout = _bounded(timeout, httpcore2.ConnectTimeout)
        with waiting():
            stream = self._backend.connect_unix_socket(path, timeout, socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        with waiting():
            self._backend.sleep(seconds)


class _Pool:
    """Connections to the model server, kept open, one per request in flight; taken and given back in O(1).

    httpcore's pool re-examines every one of its connections, under one lock, each time a
    request starts and each time one ends: at 256 requests in flight, thousands of checks per
    answer while the other threads queue on the lock. Here a request pops an idle connection to
    its origin (or opens one while fewer than `max_connections` are open, else waits for one to
    come back, within the pool timeout and the answer's deadline) and pushes it back when its
    response is closed, if it can serve another request. HTTP/1.1 only, as claimex asks for.
    """

    def __init__(
        self,
        *,
        ssl_context: Any,
        max_connections: int,
        keepalive_expiry: float | None,
        network_backend: httpcore2.NetworkBackend,
    ) -> None:
        self._ssl_context = ssl_context
        self._max = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._backend = network_backend
        # Idle connections by origin (scheme, host, port: httpcore's Origin is not hashable).
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore2.HTTPConnection]] = {}
        self._open = 0
        self._closed = False
        self._changed = threading.Condition(threading.Lock())

    def handle_request(self, request: httpcore2.Request) -> httpcore2.Response:
        origin = request.url.origin
        pool_timeout = request.extensions.get("timeout", {}).get("pool")
        while True:
            connection = self._acquire(origin, pool_timeout)
            try:
                response = connection.handle_request(request)
            except httpcore2.ConnectionNotAvailable:
                self._give_back(origin, connection)  # it closed meanwhile: another one
                continue
            except BaseException:
                self._give_back(origin, connection)
                raise
            assert isinstance(response.stream, Iterable)
            return httpcore2.Response(
                status=response.status,
                headers=response.headers,
                content=_ReturningStream(
                    response.stream, functools.partial(self._give_back, origin, connection)
                ),
                extensions=response.extensions,
            )

    def _acquire(self, origin: httpcore2.Origin, pool_timeout: float | None) -> httpcore2.HTTPConnection:
        while True:
            connection = self._take(origin, pool_timeout)
            # An idle connection the server closed (or past its keep-alive) is dropped; checked
            # outside the lock, as it asks the socket.
            if connection.is_connected() and connection.has_expired():
                self._give_back(origin, connection, reuse=False)
                continue
            return connection

    def _take(self, origin: httpcore2.Origin, pool_timeout: float | None) -> httpcore2.HTTPConnection:
        stop = None if pool_timeout is None else time.monotonic() + pool_timeout
        surplus: httpcore2.HTTPConnection | None = None
        with self._changed:
            while True:
                if self._closed:
                    raise RuntimeError("the connection pool is closed")
                idle = self._idle.get(_key(origin))
                if idle:
                    return idle.pop()
                if self._open < self._max:
                    self._open += 1
                    break
                # Full: an idle connection to another server gives its place, else one must come back.
                surplus = next((others.pop() for others in self._idle.values() if others), None)
                if surplus is not None:
                    break
                left = None if stop is None else stop - time.monotonic()
                if left is not None and left <= 0:
                    raise httpcore2.PoolTimeout("no connection to the model server came free in time")
                self._changed.wait(_bounded(left, httpcore2.PoolTimeout))
        if surplus is not None:
            surplus.close()
        return httpcore2.HTTPConnection(
            origin=origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
            network_backend=self._backend,
        )

    def _give_back(
        self, origin: httpcore2.Origin, connection: httpcore2.HTTPConnection, reuse: bool = True
    ) -> None:
        with self._changed:
            if reuse and not self._closed and not connection.is_closed() and connection.is_idle():
                self._idle.setdefault(_key(origin), []).append(connection)
                self._changed.notify()
                return
            self._open -= 1
            self._changed.notify()
        connection.close()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            idle = [connection for connections in self._idle.values() for connection in connections]
            self._idle.clear()
            self._open -= len(idle)
            self._changed.notify_all()
        for connection in idle:
            connection.close()

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _key(origin: httpcore2.Origin) -> tuple[bytes, bytes, int]:
    return origin.scheme, origin.host, origin.port


class _ReturningStream:
    """A response body that gives its connection back to the pool when it is closed."""

    def __init__(self, stream: Iterable[bytes], give_back: Callable[[], None]) -> None:
        self._stream = stream
        self._give_back: Callable[[], None] | None = give_back

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        give_back, self._give_back = self._give_back, None
        if give_back is None:
            return
        try:
            close = getattr(self._stream, "close", None)
            if close is not None:
                close()
        finally:
            give_back()


def http_client(*, timeout: float, connections: int) -> httpx2.Client:
    """One client for a run: `connections` kept open (one per request in flight), answers on a deadline."""
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = httpx2.HTTPTransport(limits=limits)
    standard = connection_pool(transport)
    replace_connection_pool(
        transport,
        _Pool(
            ssl_context=pool_ssl_context(standard),
            max_connections=connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(pool_network_backend(standard)),
        ),
    )
    # Given a transport, httpx reads no proxy from the environment (HTTPS_PROXY is not used).
    return httpx2.Client(transport=transport, timeout=timeout, limits=limits)
