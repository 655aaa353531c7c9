"""Every use claimex makes of httpx's private parts (httpx2), in one place.

What they buy: httpx offers no hook for a deadline per answer nor a pool sized to the requests
in flight, so claimex puts its own connection pool (`transport._Pool`, one connection per request,
taken and given back in O(1), every socket operation bounded by the answer's deadline) inside
the client's transport, and posts to the transport the client would pick for a URL. Measured with
`benchmarks/batch_bench.py` (2 cores, stub at 0.5 s, issue 14): at 64 articles in flight claimex's CPU fell
from 3.00 to 2.53 ms an article with its own pool in place of httpcore's, and at 256 in flight the
run took 1.135 × the ideal time instead of 1.861. `tests/test_private_apis.py` fails the day an
upgrade changes any of them.
"""

from __future__ import annotations

from typing import Any


def transport_for_url(client: Any, url: Any) -> Any:
    """The transport `client` sends a request for `url` through (a mounted one, or its own)."""
    return client._transport_for_url(url)


def connection_pool(transport: Any) -> Any:
    """The httpcore connection pool inside an `httpx2.HTTPTransport`."""
    return transport._pool


def replace_connection_pool(transport: Any, pool: Any) -> None:
    transport._pool = pool


def pool_ssl_context(pool: Any) -> Any:
    return pool._ssl_context


def pool_network_backend(pool: Any) -> Any:
    return pool._network_backend
