"""`GET /metrics`: what the service does, in Prometheus's text format (prometheus-client).

Requests by route template (never the raw path: a job id per series would grow without bound),
method and status; their latency; model calls and cache hits per extraction; and, read at
scrape time, the queue depth of each admission, the model slots in use and the jobs by state.
One registry per application, so that two services in one process (the tests) do not mix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# From a cached answer (milliseconds) to the embedded model on a long article (minutes).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "claimex_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "claimex_http_request_seconds",
            "Time from a request's head to the end of its answer.",
            ("route",),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.model_calls = Counter(
            "claimex_model_requests", "Requests sent to the model server.", registry=self.registry
        )
        self.extractions = Counter(
            "claimex_extractions",
            "Texts extracted (by /v1/extract and jobs), by whether the cache answered all of it.",
            ("cache",),
            registry=self.registry,
        )
        self.verify_killed = Counter(
            "claimex_verify_workers_killed",
            "Verifying processes killed: deadline passed, client gone, or stop.",
            registry=self.registry,
        )

    def watch(self, read: Callable[[], dict[str, Any]]) -> None:
        """Gauges read at scrape time from `read()`.

        It gives {"queue": {kind: n}, "slots": {kind: n}, "jobs": {state: n}}.
        """
        self.registry.register(_Live(read))

    def record_extraction(self, model_requests: int, cache_hit: bool) -> None:
        self.model_calls.inc(model_requests)
        self.extractions.labels("hit" if cache_hit else "miss").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _Live(Collector):
    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        now = self._read()
        families = (
            ("claimex_queue_depth", "Requests waiting for a slot, by kind.", "kind", now.get("queue", {})),
            (
                "claimex_slots_in_use",
                "Slots held, by kind (model calls, verifications).",
                "kind",
                now.get("slots", {}),
            ),
            ("claimex_jobs", "Jobs known to the service, by state.", "state", now.get("jobs", {})),
        )
        for name, documentation, label, values in families:
            family = GaugeMetricFamily(name, documentation, labels=[label])
            for key, value in values.items():
                family.add_metric([key], value)
            yield family


class MetricsMiddleware:
    """Counts and times every HTTP request, under the route template the router matched."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(template, scope["method"], str(status)).inc()
            self.metrics.latency.labels(template).observe(time.perf_counter() - started)
