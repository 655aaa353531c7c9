"""The connection pool: one connection per request in flight, kept open, and never more than asked;
the same over TLS, where the connection is httpcore's stream under the answer's deadline."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
import trustme

from claimex.llm.transport import answer_deadline, http_client
from stub_openai import StubServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def _post(client: httpx2.Client, stub: StubServer, **options: object) -> httpx2.Response:
    return client.post(f"{stub.base_url}/chat/completions", content=b"{}", **options)  # type: ignore[arg-type]


def _post_at_once(client: httpx2.Client, stub: StubServer, count: int) -> list[int]:
    """The statuses of `count` requests sent together, each from a thread of its own."""
    with ThreadPoolExecutor(count) as threads:
        return list(threads.map(lambda _: _post(client, stub).status_code, range(count)))


def test_requests_in_flight_share_the_connections_and_open_no_more_than_asked() -> None:
    with StubServer(delay=0.1) as stub, http_client(timeout=10, connections=3) as client:
        answers = _post_at_once(client, stub, 7)
        for _ in range(3):  # one after the other: the same connection each time
            answers.append(_post(client, stub).status_code)

    assert answers == [200] * 10
    assert stub.most_in_flight == 3, "the fourth request waits for a connection to come back"
    assert stub.connections == 3, "connections are kept open for the next requests"


def test_a_request_that_finds_every_connection_busy_waits_at_most_the_pool_timeout() -> None:
    with StubServer(fault="hang") as stub, http_client(timeout=10, connections=1) as client:

        def held() -> None:
            with contextlib.suppress(httpx2.HTTPError):  # it ends when the stub closes: no answer
                _post(client, stub)

        hung = threading.Thread(target=held, daemon=True)
        hung.start()
        while not stub.requests:
            threading.Event().wait(0.01)
        with pytest.raises(httpx2.PoolTimeout):
            _post(client, stub, timeout=httpx2.Timeout(10, pool=0.2))


def test_a_connection_the_server_closed_is_replaced() -> None:
    with StubServer() as stub, http_client(timeout=10, connections=2) as client:
        assert _post(client, stub).status_code == 200
        stub.drop_connections()  # the idle connection is closed from the server's side
        assert _post(client, stub).status_code == 200
        assert stub.connections == 2


def _over_tls(stub: StubServer, ca: trustme.CA, client: httpx2.Client) -> StubServer:
    """The stub behind TLS with a certificate of `ca`, which `client` is made to trust."""
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    stub.server.socket = server_side.wrap_socket(stub.server.socket, server_side=True)
    stub.base_url = stub.base_url.replace("http://", "https://")
    ca.configure_trust(client._transport._pool._ssl_context)  # type: ignore[attr-defined]
    return stub


def test_over_tls_connections_are_shared_and_kept_open_as_over_plain_tcp() -> None:
    ca = trustme.CA()
    with http_client(timeout=10, connections=2) as client, StubServer(delay=0.1) as plain:
        stub = _over_tls(plain, ca, client)
        answers = _post_at_once(client, stub, 5)
        answers.append(_post(client, stub).status_code)

    assert answers == [200] * 6
    assert stub.most_in_flight == 2 and stub.connections == 2


def test_over_tls_the_answer_deadline_still_ends_a_hung_request() -> None:
    ca = trustme.CA()
    with http_client(timeout=30, connections=1) as client, StubServer(fault="hang") as plain:
        stub = _over_tls(plain, ca, client)
        started = time.monotonic()
        with answer_deadline(0.5), pytest.raises(httpx2.ReadTimeout):
            _post(client, stub)

    assert time.monotonic() - started < 2, "the deadline, not the 30 s read timeout, ended it"
