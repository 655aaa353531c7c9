"""Run the service under uvicorn: where it may listen, and how it stops.

SIGTERM or Ctrl-C begins a stop at once: no new connection is taken, requests waiting for the
model are answered 503, running ones get the grace period and are answered 503 if they need
more, and then the caller closes the model session (stopping the embedded server).
"""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
import threading
from collections.abc import Callable, Iterator

import uvicorn
from fastapi import FastAPI

from ..errors import ClaimexError, InputError
from .protocol import bounded_protocol


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve to anything


def check_exposure(host: str, token: str | None, insecure: bool) -> None:
    """Beyond loopback, anyone who reaches the port could use the model: a token is required."""
    if token is not None and not token.strip():
        raise InputError("the token is empty: give a secret (--token or CLAIMEX_API_TOKEN), or none")
    if not is_loopback(host) and token is None and not insecure:
        raise InputError(
            f"refusing to listen on {host} without a token: anyone who reaches it could use the model. "
            "Set CLAIMEX_API_TOKEN (or --token), or give --insecure if something in front authenticates"
        )


def allowed_hosts(host: str, extra: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """The Host names to answer: loopback's, the address listened on, and those given.

    Listening on every address (0.0.0.0, ::) names no host: the names clients use must be given.
    """
    wildcard = host.strip("[]") in ("0.0.0.0", "::", "")
    if wildcard and not extra:
        raise InputError(
            f"listening on {host or 'every address'} needs the names clients reach it by: give "
            "--allowed-host NAME (repeatable), or --allowed-host '*' to answer any Host header"
        )
    names = ["localhost", "127.0.0.1", "::1", *([] if wildcard else [host.strip("[]")]), *extra]
    return tuple(dict.fromkeys(name.lower() for name in names))


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before uvicorn starts so that a busy port is one line of error."""
    sock: socket.socket | None = None
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, protocol)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        # Listening now, not when uvicorn starts: a client told the URL may connect at once (its
        # connection waits in the backlog instead of being refused).
        sock.listen(2048)
    except OSError as error:
        if sock is not None:
            sock.close()
        raise ClaimexError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_stop = on_stop

    def handle_exit(self, sig: int, frame: object) -> None:
        self._on_stop()
        super().handle_exit(sig, frame)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # As uvicorn's, without raising the signal again once stopped: a service stopped on
        # purpose has done its job, and exits 0.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def server_config(
    app: FastAPI,
    *,
    grace: float,
    verbose: bool = False,
    max_connections: int = 1024,
    header_timeout: float = 10.0,
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="debug" if verbose else "info",
        # Requests past the grace period are answered 503 by the service itself; this is a backstop.
        timeout_graceful_shutdown=int(grace) + 5,
        server_header=False,
        lifespan="on",
        http=bounded_protocol(max_connections, header_timeout),
        # An idle kept-alive connection is closed after this; one that never sent a request
        # after `header_timeout` (protocol.py).
        timeout_keep_alive=5,
    )


def run(
    app: FastAPI,
    sock: socket.socket,
    *,
    grace: float,
    verbose: bool = False,
    max_connections: int = 1024,
    header_timeout: float = 10.0,
) -> None:
    """Serve until SIGTERM or Ctrl-C; returns once every connection is answered or closed."""
    service = app.state.service
    config = server_config(
        app, grace=grace, verbose=verbose, max_connections=max_connections, header_timeout=header_timeout
    )
    _Server(config, on_stop=service.close).run(sockets=[sock])
