"""`socialpulse batch` as a user runs it: a subprocess on a throwaway lake and DuckDB warehouse."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialpulse.lake import Lake, landing_files, write_landing_batch
from tests.batch_samples import landing_record

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_batch(tmp_path: Path, timeout: float = 240) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOCIALPULSE_", "DAGSTER_"))}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        SOCIALPULSE_STATE_DIR=str(tmp_path / "state"),
        SOCIALPULSE_LAKE_URL=str(tmp_path / "lake"),
        SOCIALPULSE_WAREHOUSE_URL=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        COLUMNS="100",
    )
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "socialpulse.cli.main", "batch", "--no-baselines"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return finished, time.monotonic() - started


@pytest.mark.slow
def test_a_failing_step_ends_the_batch_promptly_with_one_line(tmp_path: Path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    write_landing_batch(lake, [landing_record(i) for i in range(5)], "socialpulse.posts", 0)
    corrupt = landing_files(lake)[0]
    Path(corrupt).write_bytes(b"not parquet")

    finished, elapsed = run_batch(tmp_path)

    output = finished.stdout + finished.stderr
    failures = [line for line in output.splitlines() if line.startswith("batch failed")]
    assert finished.returncode == 1, output
    assert "Traceback" not in output
    assert len(failures) == 1, output
    assert "failed at cleansed_tables" in failures[0] and corrupt in failures[0]
    assert "rerun `socialpulse batch`" in failures[0]
    # Seconds, not minutes: most of it is importing Dagster and dbt on a busy machine.
    assert elapsed < 90, f"took {elapsed:.0f} s"


@pytest.mark.slow
def test_the_summary_counts_the_rows_the_batch_skips(tmp_path: Path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    # 10 deliveries of 6 post ids on 2024-03-10, and one post on each of two days outside the
    # daily partitions (SOCIALPULSE_BATCH_START defaults to 2024-01-01).
    records = [landing_record(i) for i in range(10)]
    for offset, when in (
        (100, datetime(2006, 5, 1, tzinfo=UTC)),
        (101, datetime(2099, 1, 1, tzinfo=UTC)),
    ):
        records.append(
            {**landing_record(0), "id": f"far{offset}", "created_at": when, "kafka_offset": offset}
        )
    write_landing_batch(lake, records, "socialpulse.posts", 0)

    finished, _ = run_batch(tmp_path)

    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    summary = [line for line in output.splitlines() if line.startswith("built ")]
    assert len(summary) == 1, output
    assert "built 1 day(s)" in summary[0]
    assert "kept days 2024-01-01.." in summary[0]
    assert "skipped 4 repeated deliveries and 2 rows dated outside them" in summary[0]
    assert "(2006-05-01, 2099-01-01)" in summary[0]
