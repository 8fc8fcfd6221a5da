"""The dashboard's JSON endpoints and the daily report against Postgres (a fresh schema)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from socialpulse.dashboard import create_app
from socialpulse.report import render_daily_report
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from tests.dashboard_marts import assert_dashboard_and_report_read_the_marts, build_sample_day
from tests.dashboard_samples import (
    ALERT_KEY,
    BASELINE_PER_HOUR,
    BURST_HOUR,
    BURST_POSTS,
    DAY,
    SAMPLE_TEXT,
    TRENDING_CHALLENGE,
    TRENDING_SOUND,
    insert_alert,
    load_sample_warehouse,
    make_alert,
)

pytestmark = pytest.mark.integration


def test_dashboard_endpoints_read_postgres(postgres_schema_url: str, tmp_path) -> None:
    load_sample_warehouse(postgres_schema_url)
    settings = Settings(state_dir=tmp_path, warehouse_url=postgres_schema_url, watchlist="acme")
    client = TestClient(create_app(settings))

    [alert] = client.get("/api/alerts").json()["alerts"]
    assert alert["full_key"] == f"hashtag:{ALERT_KEY}"
    assert alert["window_start"] == "2024-03-10T12:00:00Z"
    assert alert["samples"][0]["text"] == SAMPLE_TEXT

    with Warehouse(postgres_schema_url) as db:
        insert_alert(db, make_alert("keyword", "acme", BURST_HOUR + timedelta(hours=1)))
    keys = [a["full_key"] for a in client.get("/api/alerts").json()["alerts"]]
    assert keys == ["keyword:acme", f"hashtag:{ALERT_KEY}"]

    activity = client.get("/api/activity", params={"key": f"hashtag:{ALERT_KEY}"}).json()
    assert len(activity["points"]) == 24
    noon = activity["points"][12]
    assert (noon["start"], noon["posts"], noon["is_anomaly"]) == (
        "2024-03-10T12:00:00Z",
        BASELINE_PER_HOUR + BURST_POSTS,
        True,
    )
    assert noon["expected"] == pytest.approx(BASELINE_PER_HOUR)
    assert sum(p["is_anomaly"] for p in activity["points"]) == 1

    windows = client.get(
        "/api/sentiment", params={"key": f"hashtag:{ALERT_KEY}", "hours": 2}
    ).json()["windows"]
    assert [w["window_start"][11:16] for w in windows][:2] == ["21:45", "22:00"]

    trending = client.get("/api/trending").json()
    assert trending["day"] == DAY.isoformat()
    assert trending["challenges"][0]["display_name"] == f"#{TRENDING_CHALLENGE}"
    assert trending["music"][0]["key"] == TRENDING_SOUND

    listed = [k["key"] for k in client.get("/api/keys").json()["keys"]]
    assert listed[:3] == ["keyword:acme", f"hashtag:{ALERT_KEY}", f"hashtag:{TRENDING_CHALLENGE}"]


def test_daily_report_reads_postgres(postgres_schema_url: str, tmp_path) -> None:
    load_sample_warehouse(postgres_schema_url)
    paths = render_daily_report(postgres_schema_url, DAY, tmp_path)
    html = paths["html"].read_text()
    assert f"hashtag:{ALERT_KEY}" in html and SAMPLE_TEXT in html
    assert f"{24 * BASELINE_PER_HOUR + BURST_POSTS:,}<span>posts</span>" in html


def test_every_endpoint_and_the_report_read_the_marts_on_postgres(
    process_settings: Settings, postgres_schema_url: str
) -> None:
    settings = process_settings.model_copy(update={"warehouse_url": postgres_schema_url})
    lake = build_sample_day(settings)
    assert_dashboard_and_report_read_the_marts(settings, lake)
