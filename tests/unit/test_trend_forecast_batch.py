"""The batch side of the trend forecast: hourly key counts from landed posts, forecasts, rising."""

from datetime import UTC, datetime, timedelta

import polars as pl

from socialpulse.batch.trend_forecast import forecast_keys, hourly_key_counts, rising_keys

START = datetime(2024, 3, 1, tzinfo=UTC)


def _landed(hours: int, per_hour, tag: str) -> list[dict]:
    rows = []
    for h in range(hours):
        for i in range(per_hour(h)):
            rows.append(
                {
                    "id": f"{tag}-{h}-{i}",
                    "created_at": START + timedelta(hours=h, minutes=i % 60),
                    "likes": 1,
                    "shares": 0,
                    "comments": 0,
                    "sentiment_score": 0.0,
                    "hashtags": [tag],
                    "music_id": None,
                    "keywords": [],
                }
            )
    return rows


def test_a_key_growing_fast_is_rising_and_a_steady_one_is_not() -> None:
    hours = 24 * 14
    steady = _landed(hours, lambda h: 10 + (5 if 9 <= h % 24 < 18 else 0), "steady")
    # Quiet (2 to 6 posts an hour) for 13 days, then each hour of the last day busier than the
    # one before, up to 99.
    growing = _landed(
        hours, lambda h: 2 + h * 7 % 5 if h < hours - 24 else 3 + 4 * (h - hours + 25), "viral"
    )
    landed = pl.DataFrame(
        steady + growing, schema_overrides={"keywords": pl.List(pl.String), "music_id": pl.String}
    )
    end = START + timedelta(hours=hours)
    counts = hourly_key_counts(landed, START, end)
    assert counts.filter(pl.col("key") == "hashtag:steady")["posts"].sum() == len(steady)
    forecasts = forecast_keys(counts, START, end, min_posts=20, top=10)
    assert set(forecasts["key"]) == {"hashtag:steady", "hashtag:viral"}
    assert forecasts.height == 48  # 24 hours for each
    assert forecasts["hour"].min() == end
    finite = forecasts.select(pl.col("expected", "low", "high").is_finite().all())
    assert all(finite.row(0))
    assert (forecasts["low"] >= 0).all()
    assert (
        (forecasts["low"] <= forecasts["expected"]) & (forecasts["expected"] <= forecasts["high"])
    ).all()
    rising = rising_keys(forecasts)
    assert rising["key"].to_list() == ["hashtag:viral"]
    # Keys below the minimum are left out; the same input gives the same forecasts.
    assert forecast_keys(counts, START, end, min_posts=10**6, top=10).is_empty()
    assert forecast_keys(counts, START, end, min_posts=20, top=10).equals(forecasts)
