"""On the CLI road, a failing blocking Great Expectations check stops what is downstream."""

from __future__ import annotations

from dagster import AssetKey, DagsterInstance, DagsterRunStatus
from typer.testing import CliRunner

from socialpulse.cli.main import app
from socialpulse.lake import Lake, write_landing_batch
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.run import dagster_home
from tests.batch_samples import landing_record

DAY = "2024-03-10"  # landing_record's day
DOWNSTREAM = [
    "trending_challenges",
    "daily_topics",
    "sentiment_summary",
    "stg_posts",
    "mart_alerts",
    "daily_report",
]


def test_socialpulse_batch_stops_at_a_failing_blocking_check(process_settings: Settings) -> None:
    records = [landing_record(i) for i in range(10)]
    records[0]["likes"] = -5  # a negative engagement count: posts_expectations must fail
    write_landing_batch(Lake.from_settings(process_settings), records, "socialpulse.posts", 0)

    result = CliRunner().invoke(app, ["batch", "--day", DAY])

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("batch failed:")]
    assert error.startswith(f"batch failed: {DAY}: the daily_batch run failed its data checks ")
    assert "posts:posts_expectations" in error and "nothing downstream" in error
    with DagsterInstance.from_config(str(dagster_home(process_settings))) as instance:
        [run] = instance.get_runs()
        built = {
            key: instance.get_latest_materialization_event(AssetKey(key)) is not None
            for key in ["posts", *DOWNSTREAM]
        }
    assert (run.job_name, run.status, run.tags["dagster/partition"]) == (
        "daily_batch",
        DagsterRunStatus.FAILURE,
        DAY,
    )
    assert built == {"posts": True, **dict.fromkeys(DOWNSTREAM, False)}
    with Warehouse(process_settings.resolved_warehouse_url) as db:
        assert db.count("posts") == 6  # loaded, then the gate held
        assert "trending_challenges" not in set(
            db.query("SELECT table_name FROM information_schema.tables")["table_name"]
        )


def test_socialpulse_batch_names_the_step_that_failed(process_settings: Settings) -> None:
    lake = Lake.from_settings(process_settings)
    broken = lake.path("landing", f"dt={DAY}", "hour=09", "broken.parquet")
    lake.fs.makedirs(broken.rsplit("/", 1)[0], exist_ok=True)
    lake.fs.pipe(broken, b"not parquet")

    result = CliRunner().invoke(app, ["batch", "--day", DAY])

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("batch failed:")]
    assert error.startswith(f"batch failed: {DAY}: the daily_batch run failed at cleansed_tables: ")
    assert "broken.parquet" in error  # the cause, not Dagster's step wrapper
