"""`keyword_baselines`: robust hour-of-week statistics per stream key, from landed posts.

Counts are taken per key per clock hour over the whole window, zero-count hours included: a key
that is quiet most Mondays at 09:00 must have a low centre there, which leaving out its empty
hours would hide (the seed's bug, together with scaling a daily spread by 96). Posts are reported
per minute, the unit the stream reads (see `socialpulse.baselines`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from socialpulse.batch.contract_exprs import hashtag_key, hour_of_week, keyword_key, music_key
from socialpulse.contracts import KEYWORD_BASELINES_PATH
from socialpulse.lake import Lake

MAD_SCALE = 1.4826


BASELINES_SCHEMA = pl.Schema(
    {
        "key": pl.String,
        "hour_of_week": pl.Int32,
        "posts_centre": pl.Float64,
        "posts_spread": pl.Float64,
        "engagement_centre": pl.Float64,
        "engagement_spread": pl.Float64,
        "sentiment_centre": pl.Float64,
        "sentiment_spread": pl.Float64,
        "weeks": pl.Int32,
        "computed_at": pl.Datetime("us", "UTC"),
    }
)
BASELINE_COLUMNS = list(BASELINES_SCHEMA)


def key_observations(landed: pl.DataFrame) -> pl.DataFrame:
    """One row per (post, key) as `socialpulse.windows.observation_keys` counts them (the rule is
    `socialpulse.contracts.post_keys`)."""
    base = landed.unique("id", keep="first").select(
        "id",
        "created_at",
        (
            pl.col("likes").fill_null(0)
            + pl.col("shares").fill_null(0)
            + pl.col("comments").fill_null(0)
        ).alias("engagement"),
        pl.col("sentiment_score").alias("sentiment"),
        "hashtags",
        "music_id",
        "keywords",
    )
    hashtags = base.explode("hashtags").with_columns(key=hashtag_key(pl.col("hashtags")))
    music = base.with_columns(key=music_key(pl.col("music_id")))
    keywords = base.explode("keywords").with_columns(key=keyword_key(pl.col("keywords")))
    columns = ["id", "created_at", "engagement", "sentiment", "key"]
    return (
        pl.concat([frame.select(columns) for frame in (hashtags, music, keywords)])
        .filter(pl.col("key").is_not_null())
        .unique(["id", "key"])
    )


def robust_centre_and_spread(column: str, prefix: str) -> list[pl.Expr]:
    """`<prefix>_centre` (median) and `<prefix>_spread` (1.4826 x MAD) of `column`."""
    centre = pl.col(column).median()
    return [
        centre.alias(f"{prefix}_centre"),
        ((pl.col(column) - centre).abs().median() * MAD_SCALE).alias(f"{prefix}_spread"),
    ]


def keyword_baselines(
    landed: pl.DataFrame, *, end: datetime, weeks: int, computed_at: datetime
) -> pl.DataFrame:
    """Median and 1.4826·MAD per key and hour of week over the `weeks` weeks before `end`.

    Posts per minute and engagement per minute use every hour of the window (zeros where the key
    had no post); sentiment is the mean score of the hours that had posts, since an empty hour
    has no sentiment.
    """
    start = end - timedelta(weeks=weeks)
    # The window first, then deduplication: a post id landed again on another day (a demo run
    # again re-uses its seed's ids) must not take the window's post out of the window.
    observations = key_observations(
        landed.filter((pl.col("created_at") >= start) & (pl.col("created_at") < end))
    )
    hourly = observations.group_by("key", pl.col("created_at").dt.truncate("1h").alias("hour")).agg(
        pl.len().alias("posts"),
        pl.col("engagement").sum().alias("engagement"),
        pl.col("sentiment").mean().alias("sentiment"),
    )
    hours = pl.DataFrame(
        {"hour": pl.datetime_range(start, end, "1h", closed="left", time_zone="UTC", eager=True)}
    )
    grid = (
        observations.select("key")
        .unique()
        .join(hours, how="cross")
        .join(hourly, on=["key", "hour"], how="left")
        .with_columns(
            (pl.col("posts").fill_null(0) / 60.0).alias("posts"),
            (pl.col("engagement").fill_null(0) / 60.0).alias("engagement"),
            hour_of_week(pl.col("hour")).alias("hour_of_week"),
        )
    )
    return (
        grid.group_by("key", "hour_of_week")
        .agg(
            *robust_centre_and_spread("posts", "posts"),
            *robust_centre_and_spread("engagement", "engagement"),
            *robust_centre_and_spread("sentiment", "sentiment"),
        )
        .with_columns(
            pl.lit(weeks).cast(pl.Int32).alias("weeks"),
            pl.lit(computed_at).alias("computed_at"),
        )
        .select(BASELINE_COLUMNS)
        .sort("key", "hour_of_week")
    )


def write_keyword_baselines(lake: Lake, baselines: pl.DataFrame) -> str:
    """Write where the stream reads them; returns the object path."""
    path = lake.path(*KEYWORD_BASELINES_PATH)
    lake.write_table(path, baselines.to_arrow())
    return path
