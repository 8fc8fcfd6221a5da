"""A known warehouse day shared by the dashboard, report, browser and Postgres tests.

`load_sample_warehouse` is the known day the dashboard, report, browser and Postgres tests share:
a steady #glowup that bursts at noon (with an alert), a trending challenge and sound, 15-minute
sentiment windows, hour-of-week baselines and the next day's forecasts (the sound rising).
`land_sample_day` lands the same posts and alert in a lake, with the rising sound's posts, for the
daily_batch job (and its dbt marts and forecasts) to build the warehouse from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pyarrow as pa

from socialpulse.alerts import ALERT_ARROW_SCHEMA, Alert, alert_id_for
from socialpulse.batch.baselines import BASELINES_SCHEMA
from socialpulse.batch.daily_topics import DAILY_TOPICS_SCHEMA
from socialpulse.batch.trend_forecast import FORECAST_SCHEMA
from socialpulse.lake import LANDING_ARROW_SCHEMA, Lake, write_landing_batch
from socialpulse.warehouse import Warehouse
from streaming_flows.alert_sinks import alert_object_path

DAY = date(2024, 3, 10)
START = datetime(2024, 3, 10, tzinfo=UTC)
BURST_HOUR = START + timedelta(hours=12)
ALERT_KEY = "glowup"  # hashtag:glowup bursts at noon and alerts
TRENDING_CHALLENGE = "risingstar"
TRENDING_SOUND = "sound-rising"
BASELINE_PER_HOUR = 4
BURST_POSTS = 40
# The sound, first heard on DAY at this rate every hour: its next day is forecast above its band.
RISING_SOUND_PER_HOUR = 8
SAMPLE_TEXT = "this #glowup is everywhere today"


def make_alert(
    key_kind: str,
    key: str,
    window_start: datetime,
    *,
    observed: float = BURST_POSTS,
    expected: float = BASELINE_PER_HOUR / 60,
    direction: str = "spike",
    sample_post_ids: tuple[str, ...] = (),
    detected_at: datetime | None = None,
) -> Alert:
    return Alert(
        alert_id=alert_id_for(key_kind, key, window_start),
        key_kind=key_kind,
        key=key,
        window_start=window_start,
        window_end=window_start + timedelta(minutes=1),
        metric="posts",
        observed=observed,
        expected=expected,
        expected_low=0.0,
        expected_high=3.0,
        score=0.9993,
        direction=direction,
        sentiment_mean=-0.2,
        sentiment_baseline=0.4,
        sentiment_shift=-0.6,
        sample_post_ids=sample_post_ids,
        detected_at=detected_at or window_start + timedelta(minutes=2),
    )


def alerts_frame(alerts: list[Alert]) -> pl.DataFrame:
    table = pa.Table.from_pylist([a.to_record() for a in alerts], schema=ALERT_ARROW_SCHEMA)
    return pl.from_arrow(table)


def insert_alert(db: Warehouse, alert: Alert) -> None:
    db.upsert("alerts", alerts_frame([alert]), ["alert_id"])


def sample_posts() -> pl.DataFrame:
    """#glowup: 4 posts an hour all day, 40 more in the noon hour; every 10th post negative."""
    rows = []
    for hour in range(24):
        count = BASELINE_PER_HOUR + (BURST_POSTS if hour == 12 else 0)
        for i in range(count):
            n = len(rows)
            negative = n % 10 == 0
            rows.append(
                {
                    "id": f"post-{n:05d}",
                    "created_at": START + timedelta(hours=hour, seconds=i * 3600 // count),
                    "author_id": f"author-{n % 37}",
                    "text": SAMPLE_TEXT if (hour, i) == (12, 0) else f"post {n} about #glowup",
                    "hashtags": ["glowup"],
                    "keywords": [],
                    "sentiment_label": "negative" if negative else "positive",
                    "sentiment_score": -0.6 if negative else 0.5,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
            "author_id": pl.String,
            "text": pl.String,
            "hashtags": pl.List(pl.String),
            "keywords": pl.List(pl.String),
            "sentiment_label": pl.String,
            "sentiment_score": pl.Float64,
        },
    )


def sentiment_windows(posts: pl.DataFrame) -> pl.DataFrame:
    counts = [
        (pl.col("sentiment_label") == label).sum().cast(pl.Int64).alias(f"{label}_posts")
        for label in ("negative", "neutral", "positive")
    ]
    summary = (
        posts.group_by(pl.col("created_at").dt.truncate("15m").alias("window_start"))
        .agg(pl.len().cast(pl.Int64).alias("posts"), *counts, pl.col("sentiment_score").mean())
        .rename({"sentiment_score": "mean_score"})
        .with_columns(key=pl.lit(f"hashtag:{ALERT_KEY}"), day=pl.lit(DAY))
    )
    shares = [
        (pl.col(f"{label}_posts") / pl.col("posts")).alias(f"{label}_share")
        for label in ("negative", "neutral", "positive")
    ]
    return summary.with_columns(*shares).sort("window_start")


def trending(keys: list[str], day: date = DAY) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "day": [day] * len(keys),
            "rank": list(range(1, len(keys) + 1)),
            "key": keys,
            "posts": [500 // rank for rank in range(1, len(keys) + 1)],
            "authors": [120 // rank for rank in range(1, len(keys) + 1)],
            "engagement": [9000] * len(keys),
            "baseline_posts": [2.0] * len(keys),
            "growth": [50.0 / rank for rank in range(1, len(keys) + 1)],
            "score": [1000.0 / rank for rank in range(1, len(keys) + 1)],
        },
        schema_overrides={"rank": pl.Int32},
    )


def load_sample_warehouse(url: str) -> None:
    """The known day (see the module docstring) loaded into the warehouse at `url`."""
    posts = sample_posts()
    burst_ids = tuple(posts.filter(pl.col("created_at") >= BURST_HOUR)["id"].head(3).to_list())
    baselines = sample_baselines()
    with Warehouse(url) as db:
        db.upsert("posts", posts, ["id"])
        db.upsert("sentiment_summary", sentiment_windows(posts), ["key", "window_start"])
        db.upsert("keyword_baselines", baselines, ["key", "hour_of_week"])
        db.upsert("trending_challenges", trending([TRENDING_CHALLENGE, "dance"]), ["day", "rank"])
        db.upsert("trending_music", trending([TRENDING_SOUND, "7000001"]), ["day", "rank"])
        insert_alert(db, make_alert("hashtag", ALERT_KEY, BURST_HOUR, sample_post_ids=burst_ids))
        db.upsert("trend_forecasts", sample_forecasts(), ["key", "hour"])
        db.upsert("daily_topics", sample_topics(), ["day", "topic_id"])


# daily_topics' rows for the day before DAY and for DAY: the glow-up topic goes on steadily
# (0.8 -> 0.5 of the sample), the dance topic doubles its share (growing) and the sound's is new.
TOPIC_GLOWUP = ["glowup", "everywhere", "today"]
TOPIC_DANCE = ["dance", "moves", "challenge"]
TOPIC_SOUND = ["sound", "dancing"]


def sample_topics() -> pl.DataFrame:
    before = DAY - timedelta(days=1)
    rows = [
        # day, topic_id, terms, posts (of 100 sampled), why emerging, matched day and topic,
        # history
        (before, 0, TOPIC_GLOWUP, 80, None, None, None, 0),
        (before, 1, TOPIC_DANCE, 20, None, None, None, 0),
        (DAY, 0, TOPIC_GLOWUP, 50, None, before, 0, 1),
        (DAY, 1, TOPIC_DANCE, 40, "growing", before, 1, 1),
        (DAY, 2, TOPIC_SOUND, 10, "new", None, None, 1),
    ]
    return pl.DataFrame(
        [
            {
                "day": day,
                "topic_id": topic_id,
                "terms": terms,
                "post_count": posts,
                "share": posts / 100,
                "example_posts": [f"{terms[0]} example {i}" for i in range(3)],
                "sampled_posts": 100,
                "day_posts": 100,
                "emerging": reason is not None,
                "emerging_reason": reason,
                "matched_day": matched_day,
                "matched_topic_id": matched_topic,
                "term_overlap": 1.0 if matched_day else None,
                "history_days": history,
            }
            for day, topic_id, terms, posts, reason, matched_day, matched_topic, history in rows
        ],
        schema=DAILY_TOPICS_SCHEMA,
    )


# trend_forecast's rows for DAY (the next day, hour by hour), as `sample_forecasts` makes them.
FORECAST_START = START + timedelta(days=1)
SOUND_RISES_AT = FORECAST_START + timedelta(hours=6)
SOUND_PEAK_AT = FORECAST_START + timedelta(hours=18)
SOUND_PEAK_POSTS = 9.0
SOUND_BAND_HIGH = 3.0


def sample_forecasts() -> pl.DataFrame:
    """The next day's forecasts: #glowup at 3 posts an hour inside its band (up to 10); the
    sound at 2 until 06:00, then 4 (above its band of 3), peaking at 18:00 with 9. The interval
    is 0.6 to 1.6 times the forecast."""
    rows = []
    for lead in range(1, 25):
        hour = FORECAST_START + timedelta(hours=lead - 1)
        sound = 2.0 if hour < SOUND_RISES_AT else 4.0
        if hour == SOUND_PEAK_AT:
            sound = SOUND_PEAK_POSTS
        for key, expected, band_high in (
            (f"hashtag:{ALERT_KEY}", 3.0, 10.0),
            (f"music:{TRENDING_SOUND}", sound, SOUND_BAND_HIGH),
        ):
            rows.append(
                {
                    "key": key,
                    "hour": hour,
                    "lead": lead,
                    "expected": expected,
                    "low": 0.6 * expected,
                    "high": 1.6 * expected,
                    "band_high": band_high,
                    "rising": expected > band_high,
                }
            )
    return pl.DataFrame(rows, schema=FORECAST_SCHEMA).with_columns(day=pl.lit(DAY))


def sample_baselines() -> pl.DataFrame:
    """#glowup's hour-of-week baselines: BASELINE_PER_HOUR posts an hour, spread 0.5."""
    return pl.DataFrame(
        {
            "key": [f"hashtag:{ALERT_KEY}"] * 168,
            "hour_of_week": list(range(168)),
            "posts_centre": [BASELINE_PER_HOUR / 60] * 168,
            "posts_spread": [0.5 / 60] * 168,
            "engagement_centre": [0.0] * 168,
            "engagement_spread": [0.0] * 168,
            "sentiment_centre": [0.4] * 168,
            "sentiment_spread": [0.1] * 168,
            "weeks": [4] * 168,
            "computed_at": [START] * 168,
        },
        schema=BASELINES_SCHEMA,
    )


def rising_sound_posts() -> list[dict[str, Any]]:
    """TRENDING_SOUND's posts on DAY, without hashtags: RISING_SOUND_PER_HOUR every hour. After
    the quiet days before DAY, trend_forecast forecasts its next day above its band (#glowup's
    4 an hour stays inside its own)."""
    return [
        {
            "id": f"sound-{hour:02d}-{i}",
            "created_at": START + timedelta(hours=hour, seconds=i * 3600 // RISING_SOUND_PER_HOUR),
            "author_id": f"author-{(hour + i) % 37}",
            "text": "dancing to this sound",
            "hashtags": [],
            "keywords": [],
            "music_id": TRENDING_SOUND,
            "sentiment_label": "positive",
            "sentiment_score": 0.5,
        }
        for hour in range(24)
        for i in range(RISING_SOUND_PER_HOUR)
    ]


def land_sample_day(lake: Lake, warehouse_url: str) -> None:
    """The known day as the stream leaves it: posts in landing/, the noon alert in alerts/.

    The hour-of-week baselines go straight to the warehouse (the batch computes them from
    weeks of history this day does not have); the daily_batch job builds everything else. The
    rising sound's posts land too (they are not in `load_sample_warehouse`'s posts).
    """
    posts = sample_posts()
    records = [
        {
            **dict.fromkeys(LANDING_ARROW_SCHEMA.names),
            **post,
            "platform": "tiktok",
            "author_name": post["author_id"],
            "plays": 100,
            "likes": 10,
            "shares": 1,
            "comments": 2,
            "language": "en",
            "kafka_topic": "socialpulse.posts",
            "kafka_partition": 0,
            "kafka_offset": offset,
            "ingested_at": post["created_at"] + timedelta(seconds=1),
        }
        for offset, post in enumerate([*posts.iter_rows(named=True), *rising_sound_posts()])
    ]
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    burst_ids = tuple(posts.filter(pl.col("created_at") >= BURST_HOUR)["id"].head(3).to_list())
    alert = make_alert("hashtag", ALERT_KEY, BURST_HOUR, sample_post_ids=burst_ids)
    lake.write_table(
        alert_object_path(lake, alert),
        pa.Table.from_pylist([alert.to_record()], schema=ALERT_ARROW_SCHEMA),
    )
    with Warehouse(warehouse_url) as db:
        db.upsert("keyword_baselines", sample_baselines(), ["key", "hour_of_week"])
