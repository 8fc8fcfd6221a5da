"""The whole graph (Python assets, GX checks, dbt models and tests) in one Dagster run.

Three days are loaded first (the history trending compares against); then one run builds the
last day, keyword_baselines, every dbt model and runs every check, on DuckDB and on Postgres.
"""

from pathlib import Path

import pytest
from dagster import materialize

from socialpulse.lake import Lake
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics, marts
from socialpulse_assets.checks import CHECKS
from socialpulse_assets.resources import LakeResource, WarehouseResource, dbt_resource
from socialpulse_assets.run import DAILY_ASSETS
from tests.batch_samples import DAYS, TREND_DAY, TRENDING_CHALLENGE, TRENDING_SOUND, land_sample

# Baselines from the week before the trend day, as the nightly run would have them.
BASELINES = {"ops": {"keyword_baselines": {"config": {"weeks": 1, "end": "2024-03-10T00:00:00Z"}}}}


def _run_everything(lake_dir: Path, warehouse_url: str):
    land_sample(Lake.from_url(str(lake_dir)))
    resources = {
        "lake": LakeResource(url=str(lake_dir)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "dbt": dbt_resource(),
    }
    for day in DAYS[:-1]:
        assert materialize(DAILY_ASSETS, resources=resources, partition_key=day.isoformat()).success
    everything = [*DAILY_ASSETS, analytics.keyword_baselines, marts.dbt_models, *CHECKS]
    result = materialize(
        everything, resources=resources, partition_key=TREND_DAY.isoformat(), run_config=BASELINES
    )
    return result, resources


def _assert_marts(result, warehouse_url: str) -> None:
    assert result.success
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "posts",
        "keyword_baselines",
        "stg_posts",
        "mart_keyword_activity_hourly",
        "mart_trending_daily",
        "mart_sentiment_15min",
        "mart_alerts",
    } <= materialised
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 50 and all(e.passed for e in evaluations)
    with Warehouse(warehouse_url) as db:
        top = db.query(
            "SELECT kind, key FROM mart_trending_daily WHERE day = ? AND rank = 1 ORDER BY kind",
            (TREND_DAY,),
        ).rows()
        activity = db.query(
            "SELECT posts, expected_posts, is_anomaly FROM mart_keyword_activity_hourly "
            "WHERE key = ? ORDER BY posts DESC LIMIT 1",
            (f"hashtag:{TRENDING_CHALLENGE}",),
        ).row(0)
        shares = db.query("SELECT count(*) AS n FROM mart_sentiment_15min")["n"][0]
    assert top == [("challenge", TRENDING_CHALLENGE), ("music", TRENDING_SOUND)]
    # The burst hour of a challenge nobody used the week before is far outside its band.
    assert activity[0] > 100 and activity[1] == 0 and activity[2] is True
    assert shares > 0


@pytest.mark.integration
def test_everything_in_one_run_on_duckdb_and_a_broken_mart_input_fails_its_dbt_test(
    tmp_path,
) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    result, resources = _run_everything(tmp_path / "lake", url)
    _assert_marts(result, url)

    # Bad data behind dbt's back: a sentiment label the scorer never produces.
    with Warehouse(url) as db:
        db.execute("UPDATE posts SET sentiment_label = 'furious' WHERE id = 'viral-0001'")
    again = materialize([marts.dbt_models], resources=resources, raise_on_error=False)
    failed = [e.check_name for e in again.get_asset_check_evaluations() if not e.passed]
    assert failed == ["accepted_values_stg_posts_sentiment_label__negative__neutral__positive"]


@pytest.mark.integration
def test_everything_in_one_run_on_postgres(tmp_path, postgres_schema_url: str) -> None:
    result, _ = _run_everything(tmp_path / "lake", postgres_schema_url)
    _assert_marts(result, postgres_schema_url)
