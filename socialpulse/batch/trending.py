"""Daily trending challenges and music: growth against the key's own baseline, engagement-weighted.

score = engagement-weighted growth = (posts_today + 1) / (baseline_daily_posts + 1)
        * log1p(engagement_today)
The +1 keeps a brand-new key finite; `min_posts` and `min_authors` stop one viral post (or one
spamming account) from becoming a trend.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

TREND_COLUMNS = [
    "day",
    "rank",
    "key",
    "posts",
    "authors",
    "engagement",
    "baseline_posts",
    "growth",
    "score",
]


def daily_activity(items: pl.DataFrame, key: str) -> pl.DataFrame:
    """Posts, distinct authors and engagement per `key` per day from (post, key) rows."""
    return items.group_by(pl.col("created_at").dt.date().alias("day"), key).agg(
        pl.col("id").n_unique().cast(pl.Int64).alias("posts"),
        pl.col("author_id").n_unique().cast(pl.Int64).alias("authors"),
        pl.col("engagement").sum().alias("engagement"),
    )


def rank_trending(
    activity: pl.DataFrame,
    key: str,
    *,
    day: date,
    baseline_days: int,
    min_posts: int,
    min_authors: int,
    top: int,
) -> pl.DataFrame:
    """The `top` keys of `day` by score; baseline = mean daily posts over the previous days."""
    history = activity.filter(
        (pl.col("day") < day) & (pl.col("day") >= day - timedelta(days=baseline_days))
    )
    baseline = history.group_by(key).agg(
        (pl.col("posts").sum() / baseline_days).alias("baseline_posts")
    )
    today = activity.filter(
        (pl.col("day") == day) & (pl.col("posts") >= min_posts) & (pl.col("authors") >= min_authors)
    )
    return (
        today.join(baseline, on=key, how="left")
        .with_columns(pl.col("baseline_posts").fill_null(0.0))
        .with_columns(((pl.col("posts") + 1) / (pl.col("baseline_posts") + 1)).alias("growth"))
        .with_columns(
            (pl.col("growth") * pl.col("engagement").cast(pl.Float64).log1p()).alias("score")
        )
        .sort(["score", key], descending=[True, False])
        .head(top)
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int32))
        .rename({key: "key"})
        .select(TREND_COLUMNS)
    )


def challenge_items(posts: pl.DataFrame) -> pl.DataFrame:
    """(post, challenge) rows with the post's author and engagement, from cleansed posts."""
    return (
        _with_engagement(posts)
        .explode("hashtags")
        .filter(pl.col("hashtags").is_not_null() & (pl.col("hashtags") != ""))
        .with_columns(pl.col("hashtags").str.to_lowercase().alias("challenge"))
        .unique(["id", "challenge"])
    )


def music_items(posts: pl.DataFrame) -> pl.DataFrame:
    return _with_engagement(posts).filter(
        pl.col("music_id").is_not_null() & (pl.col("music_id") != "")
    )


def _with_engagement(posts: pl.DataFrame) -> pl.DataFrame:
    return posts.with_columns(
        (
            pl.col("likes").fill_null(0)
            + pl.col("shares").fill_null(0)
            + pl.col("comments").fill_null(0)
        ).alias("engagement")
    )
