"""Per-key, per-window aggregates: what the stream counts for each keyword, hashtag and sound."""

from __future__ import annotations

import heapq
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
# Windows count their posts per slot of this length too (`WindowStats.slots`), on a grid from the
# Unix epoch: early alerts judge runs of slots, so a burst is seen within seconds whatever its
# phase in its window (`socialpulse.monitoring`). Windows whose length is a multiple of it start
# on slot boundaries (the stream aligns them to 2020-01-01).
SLOT = timedelta(seconds=5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def slot_of(at: datetime) -> int:
    """The number of the `SLOT` holding `at`, counted from the Unix epoch."""
    return (at - _EPOCH) // SLOT


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

    @property
    def posts(self) -> int:
        return 1


@dataclass(slots=True)
class WindowStats:
    """Mergeable accumulator of one key's window: count, engagement, sentiment, a few samples."""

    posts: int = 0
    engagement: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0
    # The smallest post ids seen: a deterministic sample whatever the arrival order.
    sample_post_ids: list[str] = field(default_factory=list)
    # Posts per `SLOT` (slot number -> posts): when in the window they came.
    slots: dict[int, int] = field(default_factory=dict)

    def __setstate__(self, state: Any) -> None:
        # Pickles of the class before `slots` existed restore with none recorded.
        self.slots = {}
        slot_state = state[1] if isinstance(state, tuple) else state
        for name, value in (slot_state or {}).items():
            setattr(self, name, value)

    @property
    def sentiment_mean(self) -> float | None:
        return self.sentiment_sum / self.sentiment_n if self.sentiment_n else None

    def add(self, observation: Observation | KeyBatch) -> WindowStats:
        if isinstance(observation, KeyBatch):
            return self.absorb(observation.stats)
        self.posts += 1
        slot = slot_of(observation.created_at)
        self.slots[slot] = self.slots.get(slot, 0) + 1
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

    def absorb(self, other: WindowStats) -> WindowStats:
        """`merge`, in place."""
        self.posts += other.posts
        self.engagement += other.engagement
        self.sentiment_sum += other.sentiment_sum
        self.sentiment_n += other.sentiment_n
        slots = self.slots
        for slot, posts in other.slots.items():
            slots[slot] = slots.get(slot, 0) + posts
        if other.sample_post_ids and (
            len(self.sample_post_ids) < SAMPLE_SIZE
            or other.sample_post_ids[0] < self.sample_post_ids[-1]
        ):
            self.sample_post_ids = sorted({*self.sample_post_ids, *other.sample_post_ids})[
                :SAMPLE_SIZE
            ]
        return self

    def merge(self, other: WindowStats) -> WindowStats:
        merged = WindowStats(
            self.posts,
            self.engagement,
            self.sentiment_sum,
            self.sentiment_n,
            list(self.sample_post_ids),
            dict(self.slots),
        )
        return merged.absorb(other)


@dataclass(slots=True)
class KeyBatch:
    """The posts of one key in one window that the stream read together, counted: what flows
    from the key step to the heavy-hitter gate, the windows and the monitor in place of one
    `Observation` per post (`key_batches`). The clock fields are those of `Observation`."""

    # The latest of the posts' event times (all in one window: it names the window).
    created_at: datetime
    stats: WindowStats
    # The source's event-time watermark shared by the posts (None: each post's own time, alone).
    watermark: datetime | None = None
    emitted_at: float | None = None

    @property
    def posts(self) -> int:
        return self.stats.posts


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


def key_batches(
    records: Iterable[Mapping[str, Any]], length: timedelta, align_to: datetime
) -> list[tuple[str, KeyBatch]]:
    """What `observation_keys` gives for each record, counted per key and window within each run
    of consecutive records that share an event-time stamp (one source batch: the stream's
    Kafka source stamps all the posts it emits at once with one watermark).

    The windows' clock judges every post of a run against the same watermark, and a key's
    posts reach the gate and the windows in the order of the runs, so counting a run's posts
    together changes no window, no admission and no lateness (`tests/unit/test_batched_flow.py`
    compares with one observation per post). A record without a stamp is a run of its own
    unless the next has the same event time.
    """
    out: list[tuple[str, KeyBatch]] = []
    run: dict[tuple[str, int], KeyBatch] = {}
    run_stamp: Any = object()
    for record in records:
        keys = post_keys(record.get("hashtags"), record.get("music_id"), record.get("keywords"))
        if not keys:
            continue
        created_at = record["created_at"]
        watermark = record.get(EVENT_WATERMARK)
        emitted_at = record.get(EMITTED_AT)
        stamp = (created_at if watermark is None else watermark, emitted_at)
        if stamp != run_stamp:
            out.extend((key, batch) for (key, _), batch in run.items())
            run, run_stamp = {}, stamp
        window_id = (created_at - align_to) // length
        slot = slot_of(created_at)
        engagement = (
            (record.get("likes") or 0) + (record.get("shares") or 0) + (record.get("comments") or 0)
        )
        sentiment = record.get("sentiment_score")
        post_id = record["id"]
        for key in keys:
            batch = run.get((key, window_id))
            if batch is None:
                batch = run[(key, window_id)] = KeyBatch(
                    created_at,
                    WindowStats(),
                    stamp[0] if watermark is not None else None,
                    emitted_at,
                )
            elif created_at > batch.created_at:
                batch.created_at = created_at
            stats = batch.stats
            stats.posts += 1
            stats.slots[slot] = stats.slots.get(slot, 0) + 1
            stats.engagement += engagement
            if sentiment is not None:
                stats.sentiment_sum += sentiment
                stats.sentiment_n += 1
            stats.sample_post_ids.append(post_id)
    out.extend((key, batch) for (key, _), batch in run.items())
    for _, batch in out:
        ids = batch.stats.sample_post_ids
        if len(ids) > 1:
            batch.stats.sample_post_ids = heapq.nsmallest(SAMPLE_SIZE, set(ids))
    return out
