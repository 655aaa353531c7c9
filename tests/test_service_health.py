"""Readiness that reconsiders, and `/metrics` in Prometheus's text format."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from stub_openai import StubServer
from test_service import article, assert_error, served

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def ready_within(client: Any, status: int, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/readyz")
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_readyz_says_503_once_the_model_server_dies_and_200_when_it_is_back() -> None:
    stub = StubServer()
    port = stub.port
    with stub, served(stub.base_url, ready_ttl=0.3) as client:
        assert ready_within(client, 200, 5).status_code == 200
        stub.__exit__()  # killed
        dead = ready_within(client, 503, 3)
        with StubServer(port=port) as back:
            assert back.port == port
            alive = ready_within(client, 200, 3)
    assert_error(dead, 503, "not ready: the model server at", "does not answer")
    assert dead.headers["retry-after"]
    assert alive.status_code == 200


def test_readyz_says_503_when_the_model_server_hangs() -> None:
    stub = StubServer()
    port = stub.port
    with stub, served(stub.base_url, ready_ttl=0.3) as client:
        assert ready_within(client, 200, 5).status_code == 200
        stub.__exit__()
        # Something still listens on the port, and never answers: a hung server.
        silent = socket.socket()
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(("127.0.0.1", port))
        silent.listen(16)
        try:
            started = time.monotonic()
            hung = ready_within(client, 503, 6)
            took = time.monotonic() - started
            # While one check waits on the hung server, other probes do not pile up behind it.
            quick = time.monotonic()
            client.get("/readyz")
            again = time.monotonic() - quick
        finally:
            silent.close()
    assert_error(hung, 503, "does not answer")
    assert took < 5.0 and again < 2.5


def test_readiness_is_asked_of_the_model_server_at_most_every_few_seconds() -> None:
    with StubServer() as stub, served(stub.base_url, ready_ttl=1.0) as client:
        assert ready_within(client, 200, 5).status_code == 200
        before = stub.connections
        for _ in range(50):
            assert client.get("/readyz").status_code == 200
        asked = stub.connections - before
    assert asked <= 1, f"50 probes asked the model server {asked} times"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_count_requests_model_calls_cache_hits_queues_and_jobs() -> None:
    with StubServer() as stub, served(stub.base_url) as client:
        assert client.post("/v1/extract", json=article("m")).status_code == 200
        assert client.post("/v1/extract", json=article("m")).status_code == 200
        assert client.post("/v1/extract", json={"text": ""}).status_code == 422
        client.get("/v1/jobs/" + "0" * 32)
        client.post("/v1/jobs", json=article("job"))
        time.sleep(0.5)
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    requests = "claimex_http_requests_total"
    assert samples[(requests, (("method", "POST"), ("route", "/v1/extract"), ("status", "200")))] == 2
    assert samples[(requests, (("method", "POST"), ("route", "/v1/extract"), ("status", "422")))] == 1
    # The route template, not the path: one series for every job id.
    assert samples[(requests, (("method", "GET"), ("route", "/v1/jobs/{job_id}"), ("status", "404")))] == 1
    assert samples[("claimex_http_request_seconds_count", (("route", "/v1/extract"),))] == 3
    assert samples[("claimex_model_requests_total", ())] == stub.requests == 2
    assert samples[("claimex_extractions_total", (("cache", "hit"),))] == 1
    assert samples[("claimex_extractions_total", (("cache", "miss"),))] == 2
    assert samples[("claimex_queue_depth", (("kind", "model"),))] == 0
    assert samples[("claimex_queue_depth", (("kind", "verify"),))] == 0
    assert samples[("claimex_jobs", (("state", "done"),))] == 1


def test_metrics_need_the_token_when_there_is_one() -> None:
    with served("http://127.0.0.1:9/v1", token="s3cret-token-value") as client:
        refused = client.get("/metrics")
        allowed = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token-value"})
    assert_error(refused, 401, "needs a token")
    assert allowed.status_code == 200
