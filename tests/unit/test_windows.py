from datetime import UTC, datetime, timedelta

from socialpulse.contracts import split_key
from socialpulse.windows import (
    Observation,
    WindowStats,
    observation_keys,
    window_bounds,
    window_of,
)

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _obs(post_id: str, engagement: int = 0, sentiment: float | None = None) -> Observation:
    return Observation(post_id, T0, engagement, sentiment)


def test_stats_accumulate_count_engagement_and_mean_sentiment() -> None:
    stats = WindowStats()
    for observation in (_obs("b", 10, 0.5), _obs("a", 5, -0.1), _obs("c", 1, None)):
        stats.add(observation)
    assert stats.posts == 3
    assert stats.engagement == 16
    assert stats.sentiment_n == 2
    assert stats.sentiment_mean == 0.2
    assert stats.sample_post_ids == ["a", "b", "c"]


def test_sample_is_the_smallest_ids_whatever_the_order_and_merge_agrees() -> None:
    ids = [f"p{i:02d}" for i in range(12)]
    forward, backward = WindowStats(), WindowStats()
    for post_id in ids:
        forward.add(_obs(post_id))
    for post_id in reversed(ids):
        backward.add(_obs(post_id))
    assert forward.sample_post_ids == backward.sample_post_ids == ids[:5]
    left, right = WindowStats(), WindowStats()
    for post_id in ids[6:]:
        left.add(_obs(post_id, 1))
    for post_id in ids[:6]:
        right.add(_obs(post_id, 2))
    merged = left.merge(right)
    assert merged.posts == 12
    assert merged.engagement == 6 + 12
    assert merged.sample_post_ids == ids[:5]


def test_window_bounds_follow_bytewax_numbering() -> None:
    align = datetime(2020, 1, 1, tzinfo=UTC)
    assert window_bounds(3, timedelta(minutes=1), align) == (
        datetime(2020, 1, 1, 0, 3, tzinfo=UTC),
        datetime(2020, 1, 1, 0, 4, tzinfo=UTC),
    )


def test_window_of_is_the_window_whose_bounds_hold_the_instant() -> None:
    align, minute = datetime(2020, 1, 1, tzinfo=UTC), timedelta(minutes=1)
    for at in (align, align + timedelta(seconds=59.9), align + 3 * minute, align - minute / 2):
        start, end = window_bounds(window_of(at, minute, align), minute, align)
        assert start <= at < end


def test_a_post_counts_once_per_distinct_key() -> None:
    record = {
        "id": "p1",
        "created_at": T0,
        "hashtags": ["Dance", "dance", "x", "fyp"],
        "music_id": "m42",
        "keywords": ["acme"],
        "likes": 3,
        "shares": 1,
        "comments": None,
        "sentiment_score": -0.4,
    }
    keys = dict(observation_keys(record))
    assert sorted(keys) == ["hashtag:dance", "hashtag:fyp", "keyword:acme", "music:m42"]
    assert keys["hashtag:dance"] == Observation("p1", T0, 4, -0.4)
    assert split_key("hashtag:new:year") == ("hashtag", "new:year")
