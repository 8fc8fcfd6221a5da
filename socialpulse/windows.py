"""Per-key, per-window aggregates: what the stream counts for each keyword, hashtag and sound."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from socialpulse.contracts import post_keys

SAMPLE_SIZE = 5
# Record field the stream's Kafka source stamps its event-time watermark in (not a lake column).
EVENT_WATERMARK = "event_watermark"
# Record field with the wall-clock time (`time.time()`) the source emitted the post at (not a lake
# column): the windows measure from it how long posts take to reach them (`streaming_flows.clock`).
EMITTED_AT = "emitted_at"
# The watermark of a post read while the source did not know its event time yet (Bytewax's
# UTC_MIN, the same value).
NO_WATERMARK = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Observation:
    """One post as seen by one key."""

    post_id: str
    created_at: datetime
    engagement: int
    sentiment: float | None
    # The source's event-time watermark when the post was read; its own time where there is none.
    watermark: datetime | None = field(default=None, compare=False)
    # Wall-clock seconds when the source emitted the post (None: not from the stream's source).
    emitted_at: float | None = field(default=None, compare=False)


@dataclass(slots=True)
class WindowStats:
    """Mergeable accumulator of one key's window: count, engagement, sentiment, a few samples."""

    posts: int = 0
    engagement: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0
    # The smallest post ids seen: a deterministic sample whatever the arrival order.
    sample_post_ids: list[str] = field(default_factory=list)

    @property
    def sentiment_mean(self) -> float | None:
        return self.sentiment_sum / self.sentiment_n if self.sentiment_n else None

    def add(self, observation: Observation) -> WindowStats:
        self.posts += 1
        self.engagement += observation.engagement
        if observation.sentiment is not None:
            self.sentiment_sum += observation.sentiment
            self.sentiment_n += 1
        if (
            len(self.sample_post_ids) < SAMPLE_SIZE
            or observation.post_id < self.sample_post_ids[-1]
        ):
            self.sample_post_ids = sorted({*self.sample_post_ids, observation.post_id})[
                :SAMPLE_SIZE
            ]
        return self

    def merge(self, other: WindowStats) -> WindowStats:
        return WindowStats(
            posts=self.posts + other.posts,
            engagement=self.engagement + other.engagement,
            sentiment_sum=self.sentiment_sum + other.sentiment_sum,
            sentiment_n=self.sentiment_n + other.sentiment_n,
            sample_post_ids=sorted({*self.sample_post_ids, *other.sample_post_ids})[:SAMPLE_SIZE],
        )


def window_bounds(
    window_id: int, length: timedelta, align_to: datetime
) -> tuple[datetime, datetime]:
    """Start and end of tumbling window `window_id` (Bytewax numbers windows from `align_to`)."""
    start = align_to + window_id * length
    return start, start + length


def window_of(at: datetime, length: timedelta, align_to: datetime) -> int:
    """The id of the tumbling window holding `at` (Bytewax's `TumblingWindower` numbering)."""
    return (at - align_to) // length


def observation_keys(record: Mapping[str, Any]) -> Iterable[tuple[str, Observation]]:
    """The keys one landed post counts toward (`socialpulse.contracts.post_keys`), with what it
    contributes: a post counts once per distinct key however often it repeats it."""
    observation = Observation(
        post_id=record["id"],
        created_at=record["created_at"],
        engagement=(record.get("likes") or 0)
        + (record.get("shares") or 0)
        + (record.get("comments") or 0),
        sentiment=record.get("sentiment_score"),
        watermark=record.get(EVENT_WATERMARK, record["created_at"]),
        emitted_at=record.get(EMITTED_AT),
    )
    keys = post_keys(record.get("hashtags"), record.get("music_id"), record.get("keywords"))
    for key in sorted(keys):
        yield key, observation
