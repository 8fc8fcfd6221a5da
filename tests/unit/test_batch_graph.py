"""The daily_batch job on the embedded defaults (lake directory, DuckDB) finds injected trends.

It runs as `socialpulse batch`, the demo, the schedule and the sensor run it: the job from the
Definitions, launched through the Dagster instance, checks and dbt marts included.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, materialize

from socialpulse.baselines import read_keyword_baselines
from socialpulse.lake import Lake, landing_files
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics
from socialpulse_assets.resources import LakeResource, WarehouseResource
from socialpulse_assets.run import dagster_home, materialise_days
from tests.batch_samples import (
    DAYS,
    TREND_DAY,
    TRENDING_CHALLENGE,
    TRENDING_SOUND,
    VIRAL_ONCE,
    land_sample,
)


def test_daily_job_finds_the_injected_trends_and_reruns_idempotently(
    process_settings: Settings,
) -> None:
    settings = process_settings
    lake = Lake.from_settings(settings)
    summary = land_sample(lake)
    url = settings.resolved_warehouse_url
    days = [day.isoformat() for day in DAYS]
    assert materialise_days(settings, days, say=lambda _: None).days == days
    with Warehouse(url) as db:
        first = {t: db.count(t) for t in ("posts", "authors", "challenges", "music")}
        assert first["posts"] == summary.landed
        challenges = db.query(
            "SELECT rank, key, posts, authors FROM trending_challenges WHERE day = ? ORDER BY rank",
            (TREND_DAY,),
        )
        sounds = db.query(
            "SELECT rank, key FROM trending_music WHERE day = ? ORDER BY rank", (TREND_DAY,)
        )
        # All-time dimension counts equal what the facts say, across days.
        authors_total = db.query("SELECT sum(posts) AS n FROM authors")["n"][0]
        challenge_posts = db.query(
            "SELECT posts FROM challenges WHERE challenge = ?", (TRENDING_CHALLENGE,)
        )["posts"][0]
        challenge_facts = db.query(
            "SELECT count(*) AS n FROM post_challenges WHERE challenge = ?", (TRENDING_CHALLENGE,)
        )["n"][0]
        # The job built the dbt marts too.
        top_sound = db.query(
            "SELECT display_name FROM mart_trending_daily "
            "WHERE day = ? AND kind = 'music' AND rank = 1",
            (TREND_DAY,),
        )["display_name"][0]
    assert challenges["key"][0] == TRENDING_CHALLENGE
    assert challenges["authors"][0] > 100
    assert VIRAL_ONCE not in challenges["key"].to_list()  # one post is below the minimum support
    assert sounds["key"][0] == TRENDING_SOUND
    assert authors_total == first["posts"]
    assert challenge_posts == challenge_facts > 1000
    assert top_sound == "Rising Sound — New Artist"

    # The daily report of the trend day, as HTML and PNG in the lake, read from the marts.
    report_dir = lake.path("reports", "daily", f"dt={TREND_DAY}")
    html = lake.fs.cat(f"{report_dir}/socialpulse-{TREND_DAY}.html").decode()
    assert TRENDING_CHALLENGE in html and top_sound in html
    assert lake.fs.cat(f"{report_dir}/socialpulse-{TREND_DAY}.png")[:8] == b"\x89PNG\r\n\x1a\n"

    # Named runs in the instance, every check evaluated, Dagster's table metadata on the assets.
    with DagsterInstance.from_config(str(dagster_home(settings))) as instance:
        runs = instance.get_runs()
        assert {run.job_name for run in runs} == {"daily_batch"}
        assert sorted(run.tags["dagster/partition"] for run in runs) == days
        evaluated = {
            event.dagster_event.asset_check_evaluation_data.check_name
            for event in instance.all_logs(
                runs[0].run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            )
        }
        posts = instance.get_latest_materialization_event(AssetKey("posts"))
        mart = instance.get_latest_materialization_event(AssetKey("mart_alerts"))
    metadata = posts.asset_materialization.metadata
    assert metadata["dagster/table_name"].value == "posts"
    assert metadata["dagster/row_count"].value > 0
    assert "id" in [c.name for c in metadata["dagster/column_schema"].schema.columns]
    assert mart is not None
    assert {"posts_expectations", "alerts_expectations", "unique_mart_alerts_alert_id"} <= evaluated

    # Re-running a day (a replay, a fix) changes nothing; --no-baselines leaves them alone.
    rerun = materialise_days(settings, [days[1]], baselines=False, say=lambda _: None)
    assert (rerun.days, rerun.baselines) == ([days[1]], False)
    with Warehouse(url) as db:
        assert {t: db.count(t) for t in first} == first
        assert db.query("SELECT sum(posts) AS n FROM authors")["n"][0] == first["posts"]
    with DagsterInstance.from_config(str(dagster_home(settings))) as instance:
        [last] = instance.get_runs(limit=1)
        latest = {
            key: instance.get_latest_materialization_event(AssetKey(key)).run_id
            for key in ("posts", "mart_alerts", "keyword_baselines")
        }
    # runs[0] is the newest run of the first call: the last to build keyword_baselines.
    assert latest == {
        "posts": last.run_id,
        "mart_alerts": last.run_id,
        "keyword_baselines": runs[0].run_id,
    }


def test_keyword_baselines_asset_writes_what_the_stream_reads(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    land_sample(lake)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=url),
    }
    result = materialize(
        [analytics.keyword_baselines],
        resources=resources,
        run_config={
            "ops": {"keyword_baselines": {"config": {"weeks": 1, "end": "2024-03-11T00:00:00Z"}}}
        },
    )
    assert result.success
    baselines = read_keyword_baselines(lake)
    # One week back from Monday 2024-03-11: Friday 12:00 is 2024-03-08 12:00, seen once, so the
    # median is that hour's posts per minute and the spread 0; Tuesday had no traffic at all.
    landed = lake.read(landing_files(lake)).unique("id")
    fyp_at_noon = landed.filter(
        pl.col("hashtags").list.contains("fyp")
        & (pl.col("created_at") >= datetime(2024, 3, 8, 12, tzinfo=UTC))
        & (pl.col("created_at") < datetime(2024, 3, 8, 13, tzinfo=UTC))
    ).height
    assert fyp_at_noon > 0
    assert baselines[("hashtag:fyp", 4 * 24 + 12)] == (pytest.approx(fyp_at_noon / 60), 0.0)
    assert baselines[("hashtag:fyp", 1 * 24 + 12)] == (0.0, 0.0)
    with Warehouse(url) as db:
        assert db.count("keyword_baselines") == len(baselines)
