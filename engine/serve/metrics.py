"""The service's Prometheus metrics, on a registry of its own (two services in one process,
as tests run them, never share counters). Under `gongdan serve --workers N` every worker
writes prometheus_client's multiprocess files (PROMETHEUS_MULTIPROC_DIR, set by the
supervisor) and a scrape of any of them aggregates all: counters and histograms summed, each
gauge as its `multiprocess_mode` says."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0)


class Metrics:
    """Every metric the service exports; names follow Prometheus conventions."""

    def __init__(self) -> None:
        self.constant_labels: dict[str, str] = {}   # on every sample exported (replica=...)
        self._events: dict[tuple[str, str], Counter] = {}
        self._prepared: dict[bool, Counter] = {}
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter("gongdan_events_total", "Ticket events received, by type and result "
                              "(applied, duplicate, refused)", ["type", "result"], registry=r)
        self.decision_seconds = Histogram("gongdan_decision_seconds", "Time from receiving an event to "
                                          "its decision being durably stored", buckets=LATENCY_BUCKETS, registry=r)
        self.prepared = Counter("gongdan_events_prepared_total", "Events decided before the write lock "
                                "(worker processes): stored as prepared (held), or decided again under the "
                                "lock because the ticket's row, the config or the mode had moved", ["result"],
                                registry=r)
        self.lock_held = Counter("gongdan_store_lock_held_seconds", "Seconds the worker processes held "
                                 "the SQLite file's write lock (its rate is the share of time one writer "
                                 "is writing: near 1, more workers add no throughput)", registry=r)
        self.timer_lag = Histogram("gongdan_timer_lag_seconds", "How late due steps fired: clock minus "
                                   "the ticket's wake-up", buckets=LAG_BUCKETS, registry=r)
        self.notifications = Counter("gongdan_notifications_total", "Delivery attempts by channel and result "
                                     "(sent, retry, failed, unconfigured; stale: sent after the lease was taken over, "
                                     "so sent again)", ["channel", "result"], registry=r)
        # the store's figures, read at the scrape: the latest of any worker's
        self.backlog = Gauge("gongdan_outbox_backlog", "Deliveries pending or leased", registry=r,
                             multiprocess_mode="livemostrecent")
        self.oldest_age = Gauge("gongdan_outbox_oldest_age_seconds", "Age of the oldest undelivered "
                                "delivery (0 when none)", registry=r, multiprocess_mode="livemostrecent")
        self.writer_queue = Gauge("gongdan_writer_queue", "Write jobs queued for the store's writer "
                                  "(as last seen by an event request or a scrape)", registry=r,
                                  multiprocess_mode="livesum")
        self.overloaded = Counter("gongdan_overloaded_total", "Event requests refused with 503 and "
                                  "Retry-After because the writer's queue was past its bound", registry=r)
        self.pruned = Counter("gongdan_pruned_total", "Rows deleted by retention: closed tickets (with "
                              "their log), sent deliveries, answered Idempotency-Keys", ["kind"], registry=r)
        # workers: 0 if any worker's last (re)load failed; the oldest of their last successes
        self.reload_ok = Gauge("gongdan_config_last_reload_successful", "1 if the last config (re)load "
                               "succeeded", registry=r, multiprocess_mode="livemin")
        self.reload_time = Gauge("gongdan_config_last_reload_success_timestamp_seconds", "When the config "
                                 "last loaded successfully", registry=r, multiprocess_mode="livemin")

    def event(self, kind: str, result: str) -> None:
        """Count one event (the labelled child looked up once per label pair, not per event)."""
        child = self._events.get((kind, result))
        if child is None:
            child = self._events[(kind, result)] = self.events.labels(kind, result)
        child.inc()

    def prepared_result(self, held: bool) -> None:
        """Count one event decided before the write lock (children looked up once)."""
        child = self._prepared.get(held)
        if child is None:
            child = self._prepared[held] = self.prepared.labels("held" if held else "decided_again")
        child.inc()

    def render(self) -> bytes:
        """The text exposition format, each sample with the constant labels."""
        registry = self.registry
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if folder:   # a worker: every worker's samples, aggregated
            registry = CollectorRegistry()
            MultiProcessCollector(registry, folder)  # type: ignore[no-untyped-call]
        if not self.constant_labels:
            return generate_latest(registry)
        return generate_latest(_Labelled(registry, self.constant_labels))


class _Labelled:
    """A registry's metrics with labels added to every sample (prometheus_client has no
    constant labels; replicas of one service tell their series apart by `replica`)."""

    def __init__(self, registry: CollectorRegistry, labels: Mapping[str, str]) -> None:
        self.registry, self.labels = registry, dict(labels)

    def collect(self) -> Iterator[Metric]:
        for family in self.registry.collect():
            family.samples = [s._replace(labels={**self.labels, **s.labels}) for s in family.samples]
            yield family
