"""Prometheus metrics: requests and latency by route template, server errors by problem
type (the database faults answered 503 among them), rate-limited requests.

Labels are route templates (`/v1/observations/{observation_id}`), never raw paths, and a
method outside HTTP's usual few is `OTHER`: the number of series stays bounded whatever
clients send.

Several worker processes: `laborstats serve` points PROMETHEUS_MULTIPROC_DIR at a fresh
directory before any worker starts, each process writes its counts there (prometheus_client's
multiprocess mode) and /metrics, whichever process answers, adds them all up. Without it
(tests, or uvicorn started by hand) each process counts alone, in its own registry."""

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

METRICS_MEDIA_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: a 304 or a page takes a millisecond or two, a whole export many seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# A `_created` series beside every counter doubles what a scrape reads for little: Prometheus
# sees resets without it (and multiprocess mode has none).
disable_created_metrics()


class Telemetry:
    """The metrics of one app, each observation a dict lookup and an increment: the label
    children are kept, not looked up by labels on every request."""

    # What GET /metrics answers with: Prometheus' text format.
    media_type = METRICS_MEDIA_TYPE

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "laborstats_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "laborstats_http_request_duration_seconds",
            "Time from a request's arrival to its response's last byte, by route template "
            "and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.server_errors = Counter(
            "laborstats_http_server_errors",
            "Responses with a 5xx status, by status and problem type (database-unavailable, "
            "database-busy...: the database faults; internal-error: a bug).",
            ["status", "kind"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "laborstats_http_rate_limited",
            "Requests refused with 429 Too Many Requests, by route template.",
            ["route"],
            registry=self.registry,
        )
        self._counted: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        if method not in KNOWN_METHODS:
            method = "OTHER"
        key = (route, method, status)
        children = self._counted.get(key)
        if children is None:
            children = self._counted[key] = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route, method),
            )
        children[0].inc()
        children[1].observe(seconds)
        if status == 429:
            self.rate_limited.labels(route).inc()

    def server_error(self, status: int, kind: str) -> None:
        self.server_errors.labels(str(status), kind).inc()

    def exposition(self) -> bytes:
        """The text format, of every process when they share a multiprocess directory."""
        directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
        if not directory:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)
