"""The daily_batch job (Python assets, GX checks, dbt models and tests, report) on both warehouses.

Three days are built first (the history trending compares against); then the job's run of the
last day, with keyword_baselines of the week before, builds every dbt model and runs every
check, on DuckDB and on Postgres, run through the Dagster instance as the CLI runs it.
"""

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.definitions import build_definitions
from socialpulse_assets.run import RUN_CONFIG, dagster_home, materialise_days
from tests.batch_samples import DAYS, TREND_DAY, TRENDING_CHALLENGE, TRENDING_SOUND, land_sample

# Baselines from the week before the trend day, as the nightly run would have them.
BASELINES = {"ops": {"keyword_baselines": {"config": {"weeks": 1, "end": "2024-03-10T00:00:00Z"}}}}


def _run_the_daily_job(settings: Settings):
    land_sample(Lake.from_settings(settings))
    materialise_days(settings, [day.isoformat() for day in DAYS[:-1]], say=lambda _: None)
    job = build_definitions(settings).resolve_job_def("daily_batch")
    with DagsterInstance.from_config(str(dagster_home(settings))) as instance:
        return job.execute_in_process(
            run_config={**RUN_CONFIG, **BASELINES},
            instance=instance,
            partition_key=TREND_DAY.isoformat(),
        )


def _assert_marts(result, warehouse_url: str) -> None:
    assert result.success
    assert result.job_def.name == "daily_batch"
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "posts",
        "keyword_baselines",
        "stg_posts",
        "mart_keyword_activity_hourly",
        "mart_trending_daily",
        "mart_sentiment_15min",
        "mart_alerts",
        "daily_report",
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
def test_the_daily_job_on_duckdb_and_a_broken_mart_input_fails_its_dbt_test(
    process_settings: Settings,
) -> None:
    url = process_settings.resolved_warehouse_url
    _assert_marts(_run_the_daily_job(process_settings), url)

    # Bad data behind dbt's back: a sentiment label the scorer never produces.
    with Warehouse(url) as db:
        db.execute("UPDATE posts SET sentiment_label = 'furious' WHERE id = 'viral-0001'")
    # The dbt models as the Definitions bind them (the run's warehouse, this project's dbt).
    dbt_models = build_definitions(process_settings).resolve_assets_def(AssetKey("stg_posts"))
    again = materialize([dbt_models], raise_on_error=False)
    failed = [e.check_name for e in again.get_asset_check_evaluations() if not e.passed]
    assert failed == ["accepted_values_stg_posts_sentiment_label__negative__neutral__positive"]


@pytest.mark.integration
def test_the_daily_job_on_postgres(process_settings: Settings, postgres_schema_url: str) -> None:
    settings = process_settings.model_copy(update={"warehouse_url": postgres_schema_url})
    _assert_marts(_run_the_daily_job(settings), postgres_schema_url)
