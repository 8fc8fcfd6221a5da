"""Next-24-hours forecasts of every busy key's hourly posts, and the keys about to rise.

Each key's hourly counts over the history window go through `HourlyVolumeForecaster` (zeros for
the hours without a post), which then forecasts the 24 hours after the window. A key is *rising*
when an hour's forecast leaves the key's own band for that hour of the day: the median of that
hour over the history plus `contracts.BAND_WIDTH` spreads (1.4826 x MAD, at least the Poisson
spread of the median), the band the dashboard draws around activity.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from socialpulse.batch.baselines import key_observations, robust_centre_and_spread
from socialpulse.contracts import expected_band
from socialpulse.trends import HourlyVolumeForecaster

HORIZON = 24
FORECAST_SCHEMA = {
    "key": pl.String,
    "hour": pl.Datetime("us", "UTC"),
    "lead": pl.Int32,
    "expected": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "band_high": pl.Float64,
    "rising": pl.Boolean,
}


def hourly_key_counts(landed: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """Posts per key and hour in [start, end), by the key rule of the stream (`post_keys`)."""
    observations = key_observations(
        landed.filter((pl.col("created_at") >= start) & (pl.col("created_at") < end))
    )
    return observations.group_by("key", pl.col("created_at").dt.truncate("1h").alias("hour")).agg(
        pl.len().alias("posts")
    )


def forecast_keys(
    counts: pl.DataFrame, start: datetime, end: datetime, min_posts: int, top: int
) -> pl.DataFrame:
    """The next `HORIZON` hours after `end` for the `top` keys with at least `min_posts` posts in
    [start, end), with each hour's band and whether the forecast leaves it (see module)."""
    totals = (
        counts.group_by("key")
        .agg(pl.col("posts").sum())
        .filter(pl.col("posts") >= min_posts)
        .sort(["posts", "key"], descending=[True, False])
        .head(top)
    )
    hours = int((end - start) / timedelta(hours=1))
    rows: list[dict] = []
    for key in totals["key"].to_list():
        by_hour = dict(counts.filter(pl.col("key") == key).select("hour", "posts").iter_rows())
        history = [float(by_hour.get(start + timedelta(hours=h), 0)) for h in range(hours)]
        model = HourlyVolumeForecaster()
        for h, count in enumerate(history):
            model.learn_one(start + timedelta(hours=h), count)
        bands = _bands_by_hour_of_day(history, start)
        for lead, (expected, low, high) in enumerate(model.forecast(horizon=HORIZON), start=1):
            at = end + timedelta(hours=lead - 1)
            band_high = bands[at.hour]
            rows.append(
                {
                    "key": key,
                    "hour": at,
                    "lead": lead,
                    "expected": expected,
                    "low": low,
                    "high": high,
                    "band_high": band_high,
                    "rising": expected > band_high,
                }
            )
    return pl.DataFrame(rows, schema=FORECAST_SCHEMA)


def _bands_by_hour_of_day(history: list[float], start: datetime) -> list[float]:
    """Upper edge of each hour of the day's band over `history` (hourly, from `start`): the
    median and spread `keyword_baselines` uses, per hour of the day (0 for an hour not seen)."""
    hours = [(start + timedelta(hours=h)).hour for h in range(len(history))]
    robust = (
        pl.DataFrame(
            {"hour": hours, "posts": history}, schema={"hour": pl.Int32, "posts": pl.Float64}
        )
        .group_by("hour")
        .agg(robust_centre_and_spread("posts", "posts"))
    )
    edges = [expected_band(0.0, 0.0)[1]] * 24
    for hour, centre, spread in robust.iter_rows():
        edges[hour] = expected_band(centre, spread)[1]
    return edges


def rising_keys(forecasts: pl.DataFrame) -> pl.DataFrame:
    """One row per rising key: its first hour out of band, the forecast then and the band edge."""
    return (
        forecasts.filter(pl.col("rising"))
        .sort(["key", "lead"])
        .group_by("key", maintain_order=True)
        .first()
        .select("key", "hour", "expected", "band_high")
    )
