"""Injected events: what the generator changes, and the ground truth written beside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class InjectedEvent:
    kind: str  # hashtag_burst | keyword_burst | collapse | sentiment_crisis | new_challenge
    key: str  # the stream's key, e.g. "hashtag:dance" or "keyword:acme"
    start: datetime
    end: datetime
    direction: str  # spike | drop | sentiment_drop
    intensity: float  # extra posts per minute (bursts) or the share kept (collapse)

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["start"] = self.start.isoformat()
        record["end"] = self.end.isoformat()
        return record


def default_events(
    start: datetime, duration: timedelta, keywords: tuple[str, ...]
) -> list[InjectedEvent]:
    """Spread one event of each kind over the second half of the run (the first half is history)."""
    slot = duration / 14
    brand = keywords[0] if keywords else "acme"
    second = keywords[1] if len(keywords) > 1 else brand
    return [
        InjectedEvent(
            "hashtag_burst", "hashtag:dance", start + 6 * slot, start + 6.5 * slot, "spike", 40.0
        ),
        InjectedEvent(
            "keyword_burst",
            f"keyword:{second}",
            start + 7 * slot,
            start + 7.5 * slot,
            "spike",
            30.0,
        ),
        InjectedEvent("collapse", "hashtag:fyp", start + 8 * slot, start + 9 * slot, "drop", 0.05),
        InjectedEvent(
            "sentiment_crisis",
            f"keyword:{brand}",
            start + 9.5 * slot,
            start + 10 * slot,
            "sentiment_drop",
            25.0,
        ),
        InjectedEvent(
            "new_challenge",
            "hashtag:newchallenge",
            start + 10.5 * slot,
            start + 11 * slot,
            "spike",
            35.0,
        ),
    ]
