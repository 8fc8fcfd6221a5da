"""The expectation suites and the warehouse queries that select what each one checks.

Each `*_rows` function returns the frame a suite validates: a day's rows when `day` is given
(a partitioned run checks what it loaded), the whole table otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import great_expectations as gx
import polars as pl

from socialpulse.lake import utc_day_bounds
from socialpulse.warehouse import Warehouse

E = gx.expectations
FIRST_POST = datetime(2006, 3, 21, tzinfo=UTC)  # the first tweet: nothing older is real
CLOCK_SKEW = timedelta(minutes=5)
LABELS = ["negative", "neutral", "positive"]
DIRECTIONS = ["spike", "drop", "sentiment_drop"]


def _where_day(column: str, day: date | None) -> tuple[str, tuple]:
    if day is None:
        return "", ()
    return f" WHERE {column} >= ? AND {column} < ?", utc_day_bounds(day)


def posts_suite(now: datetime) -> list:
    counts = [
        E.ExpectColumnValuesToBeBetween(column=c, min_value=0)
        for c in ("plays", "likes", "shares", "comments")
    ]
    return [
        E.ExpectColumnValuesToNotBeNull(column="id"),
        E.ExpectColumnValuesToBeUnique(column="id"),
        E.ExpectColumnValuesToNotBeNull(column="created_at"),
        E.ExpectColumnValuesToBeBetween(
            column="created_at", min_value=FIRST_POST, max_value=now + CLOCK_SKEW
        ),
        E.ExpectColumnValuesToBeBetween(column="sentiment_score", min_value=-1, max_value=1),
        E.ExpectColumnValuesToBeInSet(column="sentiment_label", value_set=LABELS),
        E.ExpectColumnValuesToBeInSet(column="platform", value_set=["tiktok", "twitter"]),
        *counts,
    ]


def posts_rows(db: Warehouse, day: date | None) -> pl.DataFrame:
    where, params = _where_day("created_at", day)
    return db.query(
        "SELECT id, platform, created_at, plays, likes, shares, comments, sentiment_label, "
        f"sentiment_score FROM posts{where}",
        params,
    )


REFERENCES_SUITE = [
    E.ExpectColumnValuesToBeNull(column="orphan_author_id"),
    E.ExpectColumnValuesToBeNull(column="orphan_music_id"),
]


def references_rows(db: Warehouse, day: date | None) -> pl.DataFrame:
    """Per post, its author or sound id when the dimension table does not know it."""
    where, params = _where_day("p.created_at", day)
    return db.query(
        "SELECT p.id, "
        "CASE WHEN a.author_id IS NULL THEN p.author_id END AS orphan_author_id, "
        "CASE WHEN m.music_id IS NULL AND p.music_id <> '' THEN p.music_id END "
        "AS orphan_music_id "
        "FROM posts p LEFT JOIN authors a ON a.author_id = p.author_id "
        f"LEFT JOIN music m ON m.music_id = p.music_id{where}",
        params,
    )


CHALLENGE_REFERENCES_SUITE = [
    E.ExpectColumnValuesToBeNull(column="orphan_post_id"),
    E.ExpectColumnValuesToBeNull(column="orphan_challenge"),
]


def challenge_references_rows(db: Warehouse, day: date | None) -> pl.DataFrame:
    where, params = _where_day("pc.created_at", day)
    return db.query(
        "SELECT pc.post_id, pc.challenge, "
        "CASE WHEN p.id IS NULL THEN pc.post_id END AS orphan_post_id, "
        "CASE WHEN c.challenge IS NULL THEN pc.challenge END AS orphan_challenge "
        "FROM post_challenges pc LEFT JOIN posts p ON p.id = pc.post_id "
        f"LEFT JOIN challenges c ON c.challenge = pc.challenge{where}",
        params,
    )


def volume_suite(low: float, high: float) -> list:
    return [E.ExpectColumnValuesToBeBetween(column="ratio", min_value=low, max_value=high)]


def volume_rows(db: Warehouse, day: date, history_days: int = 7) -> pl.DataFrame:
    """The day's posts against the mean of the previous days' (empty when there is no history)."""
    start, end = utc_day_bounds(day)
    today = db.query(
        "SELECT count(*) AS n FROM posts WHERE created_at >= ? AND created_at < ?", (start, end)
    )["n"][0]
    before = db.query(
        "SELECT count(*) AS n FROM posts WHERE created_at >= ? AND created_at < ?",
        (start - timedelta(days=history_days), start),
    )["n"][0]
    if not before:
        return pl.DataFrame(schema={"posts": pl.Int64, "baseline": pl.Float64, "ratio": pl.Float64})
    baseline = before / history_days
    return pl.DataFrame(
        {"posts": [int(today)], "baseline": [baseline], "ratio": [today / baseline]}
    )


BASELINES_SUITE = [
    E.ExpectColumnValuesToNotBeNull(column="key"),
    E.ExpectCompoundColumnsToBeUnique(column_list=["key", "hour_of_week"]),
    E.ExpectColumnValuesToBeBetween(column="hour_of_week", min_value=0, max_value=167),
    E.ExpectColumnValuesToBeBetween(column="posts_centre", min_value=0),
    E.ExpectColumnValuesToBeBetween(column="posts_spread", min_value=0),
    E.ExpectColumnValuesToBeBetween(column="engagement_spread", min_value=0),
    E.ExpectColumnValuesToBeBetween(column="sentiment_centre", min_value=-1, max_value=1),
]


def baselines_rows(db: Warehouse) -> pl.DataFrame:
    return db.query(
        "SELECT key, hour_of_week, posts_centre, posts_spread, engagement_spread, "
        "sentiment_centre FROM keyword_baselines"
    )


def alerts_suite(now: datetime) -> list:
    return [
        E.ExpectColumnValuesToNotBeNull(column="alert_id"),
        E.ExpectColumnValuesToBeUnique(column="alert_id"),
        E.ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=1),
        E.ExpectColumnValuesToBeBetween(column="observed", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="expected", min_value=0),
        E.ExpectColumnValuesToBeInSet(column="direction", value_set=DIRECTIONS),
        E.ExpectColumnValuesToBeBetween(
            column="window_start", min_value=FIRST_POST, max_value=now + CLOCK_SKEW
        ),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="window_end", column_B="window_start"),
    ]


def alerts_rows(db: Warehouse, day: date | None) -> pl.DataFrame:
    where, params = _where_day("window_start", day)
    return db.query(
        "SELECT alert_id, score, observed, expected, direction, window_start, window_end "
        f"FROM alerts{where}",
        params,
    )
