"""Prometheus counters of what the stream did (Bytewax serves them with its own metrics).

Counters are per process; `snapshot()` reads them for summaries (the demo, `socialpulse stream`).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter("socialpulse_messages", "Kafka messages read from the posts topic")
REJECTED = Counter(
    "socialpulse_rejected", "Messages sent to the dead-letter topic, by reason", ["reason"]
)
POSTS_LANDED = Counter("socialpulse_posts_landed", "Posts written to the lake landing zone")
LATE_OBSERVATIONS = Counter(
    "socialpulse_late_observations", "Key observations that arrived after their window closed"
)
ALERTS = Counter("socialpulse_alerts", "Alerts emitted, by direction", ["direction"])
LONGEST_IN_FLIGHT = Gauge(
    "socialpulse_longest_in_flight_seconds",
    "Longest time a post took from the Kafka source to the windows, in this run",
)
_longest_in_flight = 0.0

# Seconds: what "within seconds" means, up to a window plus its allowed lateness and beyond.
DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0)
SOURCE_LAG = Histogram(
    "socialpulse_source_lag_seconds",
    "From a message's Kafka timestamp to the source emitting it into the flow (the first "
    "message of each batch a partition emits): the stream's lag behind its input, in time",
    buckets=DELAY_BUCKETS,
)
ALERT_DECISION = Histogram(
    "socialpulse_alert_decision_seconds",
    "From the source emitting the post that raised an alert to the alert's decision (alerts "
    "raised by a post of an open window; alerts decided at a window's close are not counted)",
    buckets=DELAY_BUCKETS,
)


def note_in_flight(seconds: float) -> None:
    """A post took `seconds` from the source to the windows (kept if the longest yet)."""
    global _longest_in_flight
    if seconds > _longest_in_flight:
        _longest_in_flight = seconds
        LONGEST_IN_FLIGHT.set(seconds)


def _labelled_totals(counter: Counter) -> dict[str, float]:
    totals: dict[str, float] = {}
    for metric in counter.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                label = next(iter(sample.labels.values()), "")
                totals[label] = sample.value
    return totals


def snapshot() -> dict[str, object]:
    return {
        "messages": _labelled_totals(MESSAGES).get("", 0.0),
        "rejected": _labelled_totals(REJECTED),
        "posts_landed": _labelled_totals(POSTS_LANDED).get("", 0.0),
        "late_observations": _labelled_totals(LATE_OBSERVATIONS).get("", 0.0),
        "alerts": _labelled_totals(ALERTS),
        "longest_in_flight": _longest_in_flight,
    }
