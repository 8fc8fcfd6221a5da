import math
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from socialpulse.batch.cleansing import cleanse
from socialpulse.batch.sentiment_summary import sentiment_summary
from socialpulse.batch.trending import challenge_items, daily_activity, rank_trending

DAY = datetime(2024, 3, 10, 12, tzinfo=UTC)

SCHEMA = {
    "id": pl.String,
    "platform": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "author_id": pl.String,
    "author_name": pl.String,
    "hashtags": pl.List(pl.String),
    "music_id": pl.String,
    "music_title": pl.String,
    "music_author": pl.String,
    "likes": pl.Int64,
    "shares": pl.Int64,
    "comments": pl.Int64,
    "keywords": pl.List(pl.String),
    "sentiment_label": pl.String,
    "sentiment_score": pl.Float64,
    "ingested_at": pl.Datetime("us", "UTC"),
    "kafka_partition": pl.Int32,
    "kafka_offset": pl.Int64,
}


def _post(post_id: str, at: datetime, author: str, tags: list[str], likes: int, **extra) -> dict:
    return {
        "id": post_id,
        "platform": "tiktok",
        "created_at": at,
        "author_id": author,
        "author_name": extra.get("author_name", author.upper()),
        "hashtags": tags,
        "music_id": extra.get("music_id"),
        "music_title": extra.get("music_title"),
        "music_author": None,
        "likes": likes,
        "shares": 0,
        "comments": 0,
        "keywords": [],
        "sentiment_label": extra.get("label", "neutral"),
        "sentiment_score": extra.get("score", 0.0),
        "ingested_at": at,
        "kafka_partition": 0,
        "kafka_offset": extra.get("offset", 0),
    }


def _frame(posts: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(posts, schema=SCHEMA)


def test_cleanse_deduplicates_and_derives_the_tables() -> None:
    landed = _frame(
        [
            _post("p1", DAY, "u1", ["Dance", "dance", "fyp"], 1, music_id="m1", music_title="Song"),
            _post("p1", DAY, "u1", ["Dance"], 1, offset=7),  # replayed delivery
            _post("p2", DAY + timedelta(hours=1), "u1", ["fyp"], 1, author_name="Renamed"),
        ]
    )
    tables = cleanse(landed)
    assert tables["posts"]["id"].to_list() == ["p1", "p2"]
    assert tables["post_challenges"].select("post_id", "challenge").rows() == [
        ("p1", "dance"),
        ("p1", "fyp"),
        ("p2", "fyp"),
    ]
    assert tables["challenges"].select("challenge", "posts").rows() == [("dance", 1), ("fyp", 2)]
    assert tables["authors"].select("author_id", "author_name", "posts").rows() == [
        ("u1", "Renamed", 2)
    ]
    assert tables["music"].select("music_id", "music_title", "posts").rows() == [("m1", "Song", 1)]


def test_trending_ranks_growth_times_engagement_and_needs_support() -> None:
    history = [
        _post(f"h{i}", DAY - timedelta(days=1 + i), f"u{i}", ["steady"], 1) for i in range(7)
    ]
    today = [
        _post("t1", DAY, "a", ["steady"], 10),
        _post("t2", DAY, "b", ["steady"], 10),
        _post("t3", DAY, "c", ["steady"], 10),
        _post("v1", DAY, "d", ["viral"], 100_000),  # one post: not a trend
        _post("s1", DAY, "e", ["spam"], 50),
        _post("s2", DAY, "e", ["spam"], 50),  # one account: not a trend
    ]
    activity = daily_activity(challenge_items(_frame(history + today)), "challenge")
    ranked = rank_trending(
        activity,
        "challenge",
        day=date(2024, 3, 10),
        baseline_days=7,
        min_posts=2,
        min_authors=2,
        top=10,
    )
    assert ranked["key"].to_list() == ["steady"]
    row = ranked.row(0, named=True)
    # baseline 7 posts / 7 days = 1; growth (3 + 1) / (1 + 1) = 2; engagement 30
    assert row["baseline_posts"] == pytest.approx(1.0)
    assert row["growth"] == pytest.approx(2.0)
    assert row["score"] == pytest.approx(2.0 * math.log1p(30))
    assert row["rank"] == 1


def test_sentiment_summary_per_15_minute_window() -> None:
    landed = _frame(
        [
            _post("a", DAY, "u", ["x1"], 0, label="positive", score=0.5),
            _post("b", DAY + timedelta(minutes=14), "u", ["x1"], 0, label="negative", score=-0.3),
            _post("c", DAY + timedelta(minutes=15), "u", ["x1"], 0, label="neutral", score=0.0),
        ]
    )
    summary = sentiment_summary(landed).filter(pl.col("key") == "hashtag:x1")
    first = summary.row(0, named=True)
    assert first["window_start"] == DAY
    assert (first["posts"], first["positive_posts"], first["negative_posts"]) == (2, 1, 1)
    assert first["mean_score"] == pytest.approx(0.1)
    assert (first["positive_share"], first["neutral_share"]) == (0.5, 0.0)
    assert summary.row(1, named=True)["neutral_share"] == 1.0
