"""The known dashboard day built by the real daily_batch job, and what its reads must show.

The day is landed as the stream leaves it and built by the real job (warehouse tables, checks,
analytics, `dbt build` of the real models, report); then every dashboard endpoint answers from
the marts, and so does the report. Shared by the DuckDB unit test and the Postgres one.
"""

from __future__ import annotations

from datetime import datetime

from starlette.testclient import TestClient

from socialpulse.dashboard import create_app, queries
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.run import materialise_days
from tests.dashboard_samples import (
    ALERT_KEY,
    BASELINE_PER_HOUR,
    BURST_HOUR,
    BURST_POSTS,
    DAY,
    SAMPLE_TEXT,
    TRENDING_SOUND,
    land_sample_day,
)

KEY = f"hashtag:{ALERT_KEY}"
SOUND_KEY = f"music:{TRENDING_SOUND}"
MARTS = {
    "mart_alerts",
    "mart_keyword_activity_hourly",
    "mart_sentiment_15min",
    "mart_trending_daily",
    "mart_trend_forecasts",
    "mart_topics",
}
ENDPOINTS = {
    "/": {},
    "/healthz": {},
    "/api/alerts": {},
    "/api/keys": {},
    "/api/activity": {"key": KEY},
    "/api/sentiment": {"key": KEY, "hours": 48},
    "/api/trending": {},
    "/api/forecasts": {},
    "/api/topics": {},
    "/api/wordclouds": {},
    "/api/watchlist": {},
}


def build_sample_day(settings: Settings) -> Lake:
    lake = Lake.from_settings(settings)
    land_sample_day(lake, settings.resolved_warehouse_url)
    assert materialise_days(settings, [DAY.isoformat()], say=lambda _: None).days
    return lake


def assert_dashboard_and_report_read_the_marts(settings: Settings, lake: Lake) -> None:
    with Warehouse(settings.resolved_warehouse_url) as db:
        assert queries.existing_tables(db) >= MARTS
    client = TestClient(create_app(settings))
    answers = {path: client.get(path, params=params) for path, params in ENDPOINTS.items()}
    assert {path: r.status_code for path, r in answers.items()} == dict.fromkeys(ENDPOINTS, 200)

    [alert] = answers["/api/alerts"].json()["alerts"]
    assert (alert["full_key"], alert["key"], alert["window_start"]) == (
        KEY,
        ALERT_KEY,
        "2024-03-10T12:00:00Z",
    )
    assert alert["outcome"] == "subsided"  # 13:00 is back inside its band: the mart said so
    assert alert["samples"][0]["text"] == SAMPLE_TEXT

    activity = answers["/api/activity"].json()
    assert activity["bucket_minutes"] == 60
    anomalous = [p for p in activity["points"] if p["is_anomaly"]]
    assert [p["start"] for p in anomalous] == [f"{BURST_HOUR:%Y-%m-%dT%H:%M:%SZ}"]
    assert anomalous[0]["posts"] == BASELINE_PER_HOUR + BURST_POSTS
    assert anomalous[0]["expected"] == BASELINE_PER_HOUR
    assert activity["alerts"] == [{"window_start": alert["window_start"], "direction": "spike"}]

    assert answers["/api/sentiment"].json()["windows"]
    trending = answers["/api/trending"].json()
    assert (trending["day"], trending["challenges"][0]["display_name"]) == (
        DAY.isoformat(),
        f"#{ALERT_KEY}",
    )
    assert KEY in [k["key"] for k in answers["/api/keys"].json()["keys"]]

    # trend_forecast learned the 14 days up to DAY's end: only the sound, new at 8 posts an
    # hour, is forecast above its band (3 an hour after 13 quiet days), in every hour of the next
    # day; #glowup's 4 an hour is forecast inside its own.
    with Warehouse(settings.resolved_warehouse_url) as db:
        by_key = db.query(
            "SELECT key, count(*) AS hours, bool_and(forecast_low <= forecast_posts "
            "AND forecast_posts <= forecast_high) AS inside, min(hour) AS first, "
            "max(key_rising_hours) AS rising_hours, bool_or(key_is_rising) AS rising "
            "FROM mart_trend_forecasts WHERE day = ? GROUP BY key ORDER BY key",
            [DAY],
        )
    assert by_key.rows() == [
        (KEY, 24, True, datetime(2024, 3, 11), 0, False),
        (SOUND_KEY, 24, True, datetime(2024, 3, 11), 24, True),
    ]
    forecasts = answers["/api/forecasts"].json()
    assert forecasts["day"] == DAY.isoformat()
    [sound] = forecasts["keys"]
    assert (sound["key"], sound["first_rising_hour"], sound["rising_hours"]) == (
        SOUND_KEY,
        "2024-03-11T00:00:00Z",
        24,
    )
    assert len(sound["hours"]) == 24
    assert all(h["forecast_posts"] > h["band_high"] for h in sound["hours"])

    # daily_topics found the day's topics in its posts (all of them: fewer than the sample cap);
    # the first day built has nothing earlier to compare with, so none is flagged.
    topics = answers["/api/topics"].json()
    assert topics["day"] == DAY.isoformat() and topics["topics"]
    assert all(t["terms"] and t["post_count"] > 0 for t in topics["topics"])
    assert {t["sampled_posts"] for t in topics["topics"]} == {
        t["day_posts"] for t in topics["topics"]
    }
    assert not any(t["is_emerging"] for t in topics["topics"])

    assert answers["/api/wordclouds"].json()["clouds"]

    # The daily report the job wrote reads the same model: the alert with its sample post, and
    # the rising sound.
    html = lake.fs.cat(lake.path("reports", "daily", f"dt={DAY}", f"socialpulse-{DAY}.html"))
    assert KEY in html.decode() and SAMPLE_TEXT in html.decode()
    assert SOUND_KEY in html.decode().split("Rising next 24 hours")[1].split("<h2>")[0]
    first_terms = " ".join(topics["topics"][0]["terms"])
    assert first_terms in html.decode().split("<h2>Topics</h2>")[1].split("<h2>")[0]
