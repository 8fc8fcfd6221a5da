"""The Spark backfill on a standalone cluster (master and worker from pyspark's own launcher),
given a master URL, gives the same keyword_baselines as the polars path."""

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from socialpulse.batch.baselines import keyword_baselines
from socialpulse.lake import Lake, landing_files
from socialpulse.services.processes import wait_until
from socialpulse.settings import Settings
from tests.batch_samples import land_sample

END = datetime(2024, 3, 11, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_sigterm() -> None:
    # A SIGTERM ignored by the test process would be inherited and make the JVMs unstoppable.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.integration
def test_backfill_runs_on_a_standalone_master_and_worker(tmp_path: Path) -> None:
    import pyspark

    from socialpulse.spark.backfill import keyword_baselines as spark_baselines
    from socialpulse.spark.backfill import read_landing, spark_session

    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    port, ui = _free_port(), _free_port()
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOG_DIR": str(tmp_path / "logs"),
    }
    master_url = f"spark://127.0.0.1:{port}"
    processes = [
        subprocess.Popen(
            [
                str(spark_class),
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(ui),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "master.log").open("wb"),
            preexec_fn=_default_sigterm,
        )
    ]
    try:
        assert wait_until(lambda: _listening(port), timeout=60), "the Spark master did not start"
        processes.append(
            subprocess.Popen(
                [
                    str(spark_class),
                    "org.apache.spark.deploy.worker.Worker",
                    master_url,
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "2",
                    "--memory",
                    "1g",
                    "--webui-port",
                    str(_free_port()),
                    "--work-dir",
                    str(tmp_path / "work"),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / "worker.log").open("wb"),
                preexec_fn=_default_sigterm,
            )
        )
        lake = Lake.from_url(str(tmp_path / "lake"))
        land_sample(lake)
        expected = keyword_baselines(
            lake.read(landing_files(lake)), end=END, weeks=1, computed_at=END
        ).drop("computed_at")
        spark = spark_session(
            Settings(lake_url=str(tmp_path / "lake")),
            master_url,
            {"spark.executor.memory": "512m", "spark.executorEnv.PYSPARK_PYTHON": sys.executable},
        )
        try:
            assert spark.sparkContext.master == master_url
            actual = pl.from_arrow(
                spark_baselines(
                    spark,
                    read_landing(spark, str(tmp_path / "lake")),
                    end=END,
                    weeks=1,
                    computed_at=END,
                ).toArrow()
            )
            executors = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
        finally:
            spark.stop()
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
    assert executors >= 2  # the driver and at least one executor on the worker
    actual = actual.drop("computed_at").sort("key", "hour_of_week")
    assert actual.select("key", "hour_of_week").equals(expected.select("key", "hour_of_week"))
    diff = (actual["posts_centre"] - expected["posts_centre"]).abs().max()
    assert diff < 1e-9
