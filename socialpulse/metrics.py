"""Prometheus counters of what the stream did (Bytewax serves them with its own metrics).

Counters are per process; `snapshot()` reads them for summaries (the demo, `socialpulse stream`).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

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
