"""The dashboard's warehouse reads on the base tables (the marts: test_dashboard_marts.py)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from socialpulse.dashboard import queries
from socialpulse.warehouse import Warehouse
from tests.dashboard_samples import (
    ALERT_KEY,
    BASELINE_PER_HOUR,
    BURST_HOUR,
    BURST_POSTS,
    DAY,
    FORECAST_START,
    SAMPLE_TEXT,
    SOUND_BAND_HIGH,
    SOUND_PEAK_AT,
    START,
    TOPIC_DANCE,
    TOPIC_GLOWUP,
    TOPIC_SOUND,
    TRENDING_CHALLENGE,
    TRENDING_SOUND,
    insert_alert,
    load_sample_warehouse,
    make_alert,
    sample_posts,
    sentiment_windows,
    trending,
)


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    load_sample_warehouse(url)
    with Warehouse(url) as db:
        yield db


def test_latest_alerts_carry_context_and_sample_texts(warehouse: Warehouse) -> None:
    tables = queries.existing_tables(warehouse)
    [alert] = queries.latest_alerts(warehouse, tables)
    assert alert["full_key"] == f"hashtag:{ALERT_KEY}"
    assert alert["window_start"] == "2024-03-10T12:00:00Z"
    assert (alert["observed"], alert["direction"], alert["outcome"]) == (40.0, "spike", None)
    assert alert["sentiment_shift"] == pytest.approx(-0.6)
    assert len(alert["samples"]) == 3
    assert alert["samples"][0]["text"] == SAMPLE_TEXT


def test_newest_alert_comes_first_and_key_filters(warehouse: Warehouse) -> None:
    later = make_alert("keyword", "acme", BURST_HOUR + timedelta(hours=3), direction="drop")
    insert_alert(warehouse, later)
    tables = queries.existing_tables(warehouse)
    assert [a["full_key"] for a in queries.latest_alerts(warehouse, tables)] == [
        "keyword:acme",
        f"hashtag:{ALERT_KEY}",
    ]
    only = queries.latest_alerts(warehouse, tables, key="keyword:acme")
    assert [a["direction"] for a in only] == ["drop"]
    assert queries.latest_alerts(warehouse, tables, limit=1)[0]["key"] == "acme"


def test_activity_from_base_tables_marks_only_the_burst(warehouse: Warehouse) -> None:
    tables = queries.existing_tables(warehouse)
    activity = queries.key_activity(warehouse, tables, f"hashtag:{ALERT_KEY}")
    assert activity["bucket_minutes"] == 60
    points = activity["points"]
    assert len(points) == 24
    assert [p["start"] for p in points if p["is_anomaly"]] == ["2024-03-10T12:00:00Z"]
    noon = points[12]
    assert noon["posts"] == BASELINE_PER_HOUR + BURST_POSTS
    assert noon["expected"] == pytest.approx(BASELINE_PER_HOUR)
    # A spread of 0.5 an hour is floored at the Poisson noise sqrt(4) = 2: the band is 4 ± 3 * 2.
    assert (noon["expected_low"], noon["expected_high"]) == pytest.approx((0.0, 10.0))


def test_activity_fills_hours_without_posts_with_zero(warehouse: Warehouse) -> None:
    warehouse.execute(
        "DELETE FROM sentiment_summary WHERE window_start >= ? AND window_start < ?",
        [START + timedelta(hours=3), START + timedelta(hours=5)],
    )
    tables = queries.existing_tables(warehouse)
    points = queries.key_activity(warehouse, tables, f"hashtag:{ALERT_KEY}")["points"]
    assert [p["posts"] for p in points[2:6]] == [4, 0, 0, 4]


def test_a_key_new_in_the_span_shows_zeros_from_when_data_began(warehouse: Warehouse) -> None:
    fresh = sentiment_windows(sample_posts().filter(pl.col("created_at") >= BURST_HOUR))
    warehouse.upsert(
        "sentiment_summary",
        fresh.with_columns(key=pl.lit("hashtag:fresh")),
        ["key", "window_start"],
    )
    tables = queries.existing_tables(warehouse)
    points = queries.key_activity(warehouse, tables, "hashtag:fresh")["points"]
    assert points[0]["start"] == "2024-03-10T00:00:00Z"
    assert [p["posts"] for p in points[:13]] == [0] * 12 + [BASELINE_PER_HOUR + BURST_POSTS]
    assert [p["is_anomaly"] for p in points[11:14]] == [False, True, True]


def test_a_short_span_of_data_is_shown_in_15_minute_buckets(tmp_path) -> None:
    """A fresh demo has an hour or two of data: two hourly points would say nothing."""
    posts = sample_posts().filter(
        (pl.col("created_at") >= BURST_HOUR)
        & (pl.col("created_at") < BURST_HOUR + timedelta(hours=2))
    )
    with Warehouse(f"duckdb:///{tmp_path / 'short.duckdb'}") as db:
        db.upsert("sentiment_summary", sentiment_windows(posts), ["key", "window_start"])
        baselines = pl.DataFrame(
            {
                "key": [f"hashtag:{ALERT_KEY}"],
                "hour_of_week": [6 * 24 + 12],
                "posts_centre": [0.4],
                "posts_spread": [0.0],
            },
            schema_overrides={"hour_of_week": pl.Int32},
        )
        db.upsert("keyword_baselines", baselines, ["key", "hour_of_week"])
        activity = queries.key_activity(db, queries.existing_tables(db), f"hashtag:{ALERT_KEY}")
    assert activity["bucket_minutes"] == 15
    points = activity["points"]
    assert [p["start"][11:16] for p in points] == [
        "12:00",
        "12:15",
        "12:30",
        "12:45",
        "13:00",
        "13:15",
        "13:30",
        "13:45",
    ]
    assert sum(p["posts"] for p in points[:4]) == BASELINE_PER_HOUR + BURST_POSTS
    # 0.4 posts a minute is 6 per 15 minutes (band 6 ± 3 * sqrt(6)); 13:00 has no baseline.
    assert points[0]["expected"] == pytest.approx(6.0)
    assert points[4]["expected"] == 0.0


def test_sentiment_windows_end_at_the_keys_latest_data(warehouse: Warehouse) -> None:
    tables = queries.existing_tables(warehouse)
    windows = queries.key_sentiment(warehouse, tables, f"hashtag:{ALERT_KEY}", hours=2)
    assert [w["window_start"][11:16] for w in windows] == [
        "21:45",
        "22:00",
        "22:15",
        "22:30",
        "22:45",
        "23:00",
        "23:15",
        "23:30",
        "23:45",
    ]
    assert all(w["negative_share"] + w["positive_share"] == pytest.approx(1.0) for w in windows)
    assert queries.key_sentiment(warehouse, tables, "hashtag:unknown") == []


def test_trending_defaults_to_the_latest_day(warehouse: Warehouse) -> None:
    warehouse.upsert(
        "trending_challenges", trending(["older"], DAY - timedelta(days=1)), ["day", "rank"]
    )
    tables = queries.existing_tables(warehouse)
    result = queries.latest_trending(warehouse, tables)
    assert result["day"] == "2024-03-10"
    assert result["days"] == ["2024-03-10", "2024-03-09"]
    assert [c["display_name"] for c in result["challenges"]] == ["#risingstar", "#dance"]
    assert result["music"][0]["key"] == TRENDING_SOUND
    older = queries.latest_trending(warehouse, tables, day="2024-03-09")
    assert [c["key"] for c in older["challenges"]] == ["older"]


def test_sounds_show_their_title_where_the_music_table_has_one(warehouse: Warehouse) -> None:
    music = pl.DataFrame(
        {
            "music_id": [TRENDING_SOUND, "7000001"],
            "music_title": ["Rising Sun", None],
            "music_author": ["The Band", None],
        }
    )
    warehouse.upsert("music", music, ["music_id"])
    tables = queries.existing_tables(warehouse)
    sounds = queries.latest_trending(warehouse, tables)["music"]
    assert [(s["key"], s["display_name"]) for s in sounds] == [
        (TRENDING_SOUND, "Rising Sun — The Band"),
        ("7000001", "7000001"),  # no title in the data: the id
    ]


def test_growth_is_shown_only_against_an_earlier_day(warehouse: Warehouse) -> None:
    first_day = trending(["brandnew"], DAY).with_columns(
        rank=pl.lit(3, pl.Int32), baseline_posts=pl.lit(0.0), growth=pl.lit(896.0)
    )
    warehouse.upsert("trending_challenges", first_day, ["day", "rank"])
    tables = queries.existing_tables(warehouse)
    challenges = queries.latest_trending(warehouse, tables)["challenges"]
    assert [(c["key"], c["growth"]) for c in challenges] == [
        (TRENDING_CHALLENGE, 50.0),
        ("dance", 25.0),
        ("brandnew", None),  # no earlier day: posts + 1 is not growth
    ]
    warehouse.execute(
        "CREATE TABLE mart_trending_daily AS SELECT *, 'challenge' AS kind, "
        "'#' || key AS display_name FROM trending_challenges"
    )
    marts = queries.latest_trending(warehouse, queries.existing_tables(warehouse))
    assert [c["growth"] for c in marts["challenges"]] == [50.0, 25.0, None]


def test_rising_forecasts_list_the_rising_keys_with_their_evidence(warehouse: Warehouse) -> None:
    tables = queries.existing_tables(warehouse)
    result = queries.rising_forecasts(warehouse, tables)
    assert (result["day"], result["days"]) == ("2024-03-10", ["2024-03-10"])
    [sound] = result["keys"]  # #glowup stays inside its band
    assert sound["key"] == f"music:{TRENDING_SOUND}"
    assert len(sound["hours"]) == 24
    assert sound["hours"][0] == {
        "hour": "2024-03-11T00:00:00Z",
        "forecast_posts": 2.0,
        "forecast_low": pytest.approx(1.2),
        "forecast_high": pytest.approx(3.2),
        "band_high": SOUND_BAND_HIGH,
        "is_rising": False,
    }
    assert (sound["first_rising_hour"], sound["rising_hours"]) == ("2024-03-11T06:00:00Z", 18)
    peak = sound["peak"]
    assert (peak["hour"], peak["forecast_posts"]) == (f"{SOUND_PEAK_AT:%Y-%m-%dT%H:%M:%SZ}", 9.0)
    assert (peak["forecast_low"], peak["forecast_high"]) == pytest.approx((5.4, 14.4))
    assert sound["forecast_posts_24h"] == pytest.approx(6 * 2.0 + 17 * 4.0 + 9.0)


def test_rising_forecasts_read_the_mart_and_put_the_furthest_above_its_band_first(
    warehouse: Warehouse,
) -> None:
    # The mart's names over the sample rows, and #glowup forecast 12 at noon against its 10.
    warehouse.execute(
        f"CREATE TABLE mart_trend_forecasts AS SELECT {queries.FORECAST_BASE_COLUMNS} "
        "FROM trend_forecasts"
    )
    warehouse.execute(
        "UPDATE mart_trend_forecasts SET forecast_posts = 12, is_rising = true "
        "WHERE key = ? AND hour = ?",
        [f"hashtag:{ALERT_KEY}", FORECAST_START + timedelta(hours=12)],
    )
    warehouse.execute("DROP TABLE trend_forecasts")
    result = queries.rising_forecasts(warehouse, queries.existing_tables(warehouse))
    assert [(k["key"], k["rising_hours"]) for k in result["keys"]] == [
        (f"music:{TRENDING_SOUND}", 18),  # 9 against 3 at its peak
        (f"hashtag:{ALERT_KEY}", 1),  # 12 against 10
    ]
    assert result["keys"][1]["peak"]["hour"] == "2024-03-11T12:00:00Z"
    assert (
        queries.rising_forecasts(warehouse, queries.existing_tables(warehouse), limit=1)["keys"]
        == result["keys"][:1]
    )


def test_a_day_without_forecasts_has_no_rising_keys(warehouse: Warehouse) -> None:
    tables = queries.existing_tables(warehouse)
    other = queries.rising_forecasts(warehouse, tables, day="2024-03-09")
    assert (other["day"], other["days"], other["keys"]) == ("2024-03-09", ["2024-03-10"], [])
    warehouse.execute("DELETE FROM trend_forecasts")
    assert queries.rising_forecasts(warehouse, tables) == {"day": None, "days": [], "keys": []}


def test_watched_keys_put_alerts_then_watchlist_then_trends(warehouse: Warehouse) -> None:
    tables = queries.existing_tables(warehouse)
    keys = queries.watched_keys(warehouse, tables, ("acme",))
    assert keys[:3] == [
        {"key": f"hashtag:{ALERT_KEY}", "source": "alerted"},
        {"key": "keyword:acme", "source": "watch-list"},
        {"key": f"hashtag:{TRENDING_CHALLENGE}", "source": "trending"},
    ]
    assert {"key": f"music:{TRENDING_SOUND}", "source": "trending"} in keys


def test_an_empty_warehouse_gives_empty_answers(tmp_path) -> None:
    with Warehouse(f"duckdb:///{tmp_path / 'empty.duckdb'}") as db:
        tables = queries.existing_tables(db)
        assert tables == set()
        assert queries.latest_alerts(db, tables) == []
        assert queries.key_activity(db, tables, "hashtag:x")["points"] == []
        assert queries.key_sentiment(db, tables, "hashtag:x") == []
        assert queries.latest_trending(db, tables)["challenges"] == []
        assert queries.watched_keys(db, tables, ()) == []
        assert queries.rising_forecasts(db, tables)["keys"] == []
        assert queries.day_topics(db, tables) == {"day": None, "days": [], "topics": []}


def test_day_topics_default_to_the_latest_day_with_the_emerging_flagged(
    warehouse: Warehouse,
) -> None:
    tables = queries.existing_tables(warehouse)
    result = queries.day_topics(warehouse, tables)
    assert (result["day"], result["days"]) == ("2024-03-10", ["2024-03-10", "2024-03-09"])
    assert [(t["terms"], t["share"], t["emerging_reason"]) for t in result["topics"]] == [
        (TOPIC_GLOWUP, 0.5, None),
        (TOPIC_DANCE, 0.4, "growing"),
        (TOPIC_SOUND, 0.1, "new"),
    ]
    assert result["topics"][1]["matched_day"] == "2024-03-09"
    before = queries.day_topics(warehouse, tables, day="2024-03-09", limit=1)
    assert [(t["terms"], t["emerging_reason"]) for t in before["topics"]] == [(TOPIC_GLOWUP, None)]


def test_day_topics_read_the_mart_once_dbt_built_it(warehouse: Warehouse) -> None:
    warehouse.execute(
        f"CREATE TABLE mart_topics AS SELECT {queries.TOPIC_BASE_COLUMNS} FROM daily_topics"
    )
    warehouse.execute(
        "UPDATE mart_topics SET is_emerging = true, emerging_reason = 'growing' WHERE topic_id = 0"
    )
    warehouse.execute("DROP TABLE daily_topics")
    result = queries.day_topics(warehouse, queries.existing_tables(warehouse))
    assert [t["emerging_reason"] for t in result["topics"]] == ["growing", "growing", "new"]
