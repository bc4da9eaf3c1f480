"""The service's Prometheus metrics, on a registry of its own (two services in one process,
as tests run them, never share counters)."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import Metric

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0)


class Metrics:
    """Every metric the service exports; names follow Prometheus conventions."""

    def __init__(self) -> None:
        self.constant_labels: dict[str, str] = {}   # on every sample exported (replica=...)
        self._events: dict[tuple[str, str], Counter] = {}
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter("gongdan_events_total", "Ticket events received, by type and result "
                              "(applied, duplicate, refused)", ["type", "result"], registry=r)
        self.decision_seconds = Histogram("gongdan_decision_seconds", "Time from receiving an event to "
                                          "its decision being durably stored", buckets=LATENCY_BUCKETS, registry=r)
        self.timer_lag = Histogram("gongdan_timer_lag_seconds", "How late due steps fired: clock minus "
                                   "the ticket's wake-up", buckets=LAG_BUCKETS, registry=r)
        self.notifications = Counter("gongdan_notifications_total", "Delivery attempts by channel and result "
                                     "(sent, retry, failed, unconfigured; stale: sent after the lease was taken over, "
                                     "so sent again)", ["channel", "result"], registry=r)
        self.backlog = Gauge("gongdan_outbox_backlog", "Deliveries pending or leased", registry=r)
        self.oldest_age = Gauge("gongdan_outbox_oldest_age_seconds", "Age of the oldest undelivered "
                                "delivery (0 when none)", registry=r)
        self.writer_queue = Gauge("gongdan_writer_queue", "Write jobs queued for the store's writer "
                                  "(as last seen by an event request or a scrape)", registry=r)
        self.overloaded = Counter("gongdan_overloaded_total", "Event requests refused with 503 and "
                                  "Retry-After because the writer's queue was past its bound", registry=r)
        self.pruned = Counter("gongdan_pruned_total", "Rows deleted by retention: closed tickets (with "
                              "their log), sent deliveries, answered Idempotency-Keys", ["kind"], registry=r)
        self.reload_ok = Gauge("gongdan_config_last_reload_successful", "1 if the last config (re)load "
                               "succeeded", registry=r)
        self.reload_time = Gauge("gongdan_config_last_reload_success_timestamp_seconds", "When the config "
                                 "last loaded successfully", registry=r)

    def event(self, kind: str, result: str) -> None:
        """Count one event (the labelled child looked up once per label pair, not per event)."""
        child = self._events.get((kind, result))
        if child is None:
            child = self._events[(kind, result)] = self.events.labels(kind, result)
        child.inc()

    def render(self) -> bytes:
        """The text exposition format, each sample with the constant labels."""
        if not self.constant_labels:
            return generate_latest(self.registry)
        return generate_latest(_Labelled(self.registry, self.constant_labels))


class _Labelled:
    """A registry's metrics with labels added to every sample (prometheus_client has no
    constant labels; replicas of one service tell their series apart by `replica`)."""

    def __init__(self, registry: CollectorRegistry, labels: Mapping[str, str]) -> None:
        self.registry, self.labels = registry, dict(labels)

    def collect(self) -> Iterator[Metric]:
        for family in self.registry.collect():
            family.samples = [s._replace(labels={**self.labels, **s.labels}) for s in family.samples]
            yield family
