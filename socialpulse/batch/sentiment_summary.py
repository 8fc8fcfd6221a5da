"""Sentiment per stream key in 15-minute windows: counts per label, mean score, label shares."""

from __future__ import annotations

import polars as pl

from socialpulse.batch.baselines import key_observations

LABELS = ("negative", "neutral", "positive")


def sentiment_summary(landed: pl.DataFrame, *, every: str = "15m") -> pl.DataFrame:
    observations = key_observations(landed).join(
        landed.unique("id", keep="first").select("id", "sentiment_label"), on="id"
    )
    counts = [
        (pl.col("sentiment_label") == label).sum().cast(pl.Int64).alias(f"{label}_posts")
        for label in LABELS
    ]
    summary = observations.group_by(
        "key", pl.col("created_at").dt.truncate(every).alias("window_start")
    ).agg(
        pl.len().cast(pl.Int64).alias("posts"),
        *counts,
        pl.col("sentiment").mean().alias("mean_score"),
    )
    shares = [
        (pl.col(f"{label}_posts") / pl.col("posts")).alias(f"{label}_share") for label in LABELS
    ]
    return summary.with_columns(*shares).sort("key", "window_start")
