"""`socialpulse batch` killed mid-run (SIGKILL to its process group) and run again.

The run the dead process left in progress is marked failed with what to do, and the rerun leaves
exactly the rows a clean run gives: the cleansed tables computed straight from the lake, on DuckDB
and on Postgres.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from socialpulse.batch.cleansing import cleanse
from socialpulse.contracts import cleansed_object_path
from socialpulse.lake import Lake, landing_day, landing_files
from socialpulse.services.processes import wait_until
from socialpulse.warehouse import Warehouse
from tests.batch_samples import DAYS, land_sample

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
DAY = DAYS[1].isoformat()
TABLES = ("posts", "post_challenges", "authors", "challenges", "music")


def _batch(tmp_path: Path, warehouse_url: str, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOCIALPULSE_", "DAGSTER_"))}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        SOCIALPULSE_STATE_DIR=str(tmp_path / "state"),
        SOCIALPULSE_LAKE_URL=str(tmp_path / "lake"),
        SOCIALPULSE_WAREHOUSE_URL=warehouse_url,
        COLUMNS="200",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "socialpulse.cli.main", "batch", "--day", DAY],
        cwd=tmp_path,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill takes dbt with it
    )


def _kill_mid_run_and_rerun(tmp_path: Path, warehouse_url: str) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    land_sample(lake)
    expected = {
        table: frame.height
        for table, frame in cleanse(
            lake.read([f for f in landing_files(lake) if landing_day(f) == DAY])
        ).items()
        if table in TABLES
    }
    home = tmp_path / "state" / "dagster"

    first_log, again_log = tmp_path / "first.log", tmp_path / "again.log"
    first = _batch(tmp_path, warehouse_url, first_log)
    try:
        # Killed while the day's posts go into the warehouse (their cleansed file is written just
        # before), long before analytics, dbt and the report. Not by watching the Dagster
        # instance: opening it while the batch creates it races on its SQLite schema.
        cleansed = tmp_path / "lake" / cleansed_object_path("posts", DAY)
        loaded = wait_until(cleansed.exists, 240, interval=0.1)
        assert loaded, f"no cleansed posts in 240 s\n{first_log.read_text()}"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    with DagsterInstance.from_config(str(home)) as instance:
        [killed] = instance.get_runs()
        assert killed.status == DagsterRunStatus.STARTED
        assert instance.get_latest_materialization_event(AssetKey("daily_report")) is None

    again = _batch(tmp_path, warehouse_url, again_log)
    again.wait(400)
    output = again_log.read_text()
    assert again.returncode == 0, output
    assert "Traceback" not in output
    assert f"marked run {killed.run_id} of {DAY} failed" in output, output

    with DagsterInstance.from_config(str(home)) as instance:
        runs = {run.run_id: run for run in instance.get_runs()}
        marked = instance.all_logs(killed.run_id)[-1]
        report = instance.get_latest_materialization_event(AssetKey("daily_report"))
    assert runs.pop(killed.run_id).status == DagsterRunStatus.FAILURE
    assert f"socialpulse batch --day {DAY}" in marked.message
    [rerun] = runs.values()
    assert rerun.status == DagsterRunStatus.SUCCESS
    assert report is not None and report.run_id == rerun.run_id
    with Warehouse(warehouse_url) as db:
        counts = {table: db.count(table) for table in TABLES}
        marts = db.count("mart_trending_daily")
    assert counts == expected
    assert marts > 0


def test_a_batch_killed_mid_run_reruns_to_the_same_rows_on_duckdb(tmp_path: Path) -> None:
    _kill_mid_run_and_rerun(tmp_path, f"duckdb:///{tmp_path / 'warehouse.duckdb'}")


def test_a_batch_killed_mid_run_reruns_to_the_same_rows_on_postgres(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    _kill_mid_run_and_rerun(tmp_path, postgres_schema_url)
