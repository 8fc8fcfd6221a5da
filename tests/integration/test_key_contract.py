"""One key rule everywhere: the same generated posts give the same keys through the stream's code,
polars, Spark and the dbt activity mart (on DuckDB), and the mart's hour of week and expected
band are the contract's.

The stream's keys come from its own functions (parse, enrich, check, `observation_keys`); the
stream's landing writes the posts to a lake in a temporary directory; polars and Spark read those
objects; dbt reads the warehouse tables the daily job loads from them (cleansed posts and
post_challenges) and runs with the vars the Dagster asset passes. One SparkSession for the module;
few examples, since each one runs a Spark job and a dbt run.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from socialpulse.batch.baselines import BASELINES_SCHEMA, key_observations
from socialpulse.batch.cleansing import TABLE_KEYS, cleanse
from socialpulse.contracts import expected_band, hour_of_week
from socialpulse.lake import Lake, landing_files, write_landing_batch
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets.lake_ingest import FACT_TABLES
from socialpulse_assets.dbt import (
    contract_vars_args,
    dbt_executable,
    dbt_project_dir,
    write_profiles,
)
from tests.conftest import REPO_ROOT
from tests.contract_samples import START, landing_records, raw_posts, stream_keys

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark() -> Iterator:
    from socialpulse.spark.backfill import spark_session

    session = spark_session(Settings(state_dir=REPO_ROOT / ".socialpulse"), master="local[1]")
    yield session
    session.stop()


# The cases that once drifted: one-character hashtags (dbt kept them) and a tag whose lower case
# is longer than it is (polars and Spark measured it before lower-casing).
KNOWN_DRIFTS = [
    {
        "id": "post-0000",
        "platform": "tiktok",
        "created_at": "2024-03-04T10:15:00Z",
        "author_id": "author-0",
        "text": "ACME Cola #x",
        "hashtags": ["x", "\u0130", "Dance", "\u0391\u03a3"],
        "music_id": "",
    },
    {
        "itemInfos": {"id": "post-0001", "createTime": 1709820000, "authorId": "a", "text": "y"},
        "challengeInfoList": [{"challengeName": "#y"}, {"challengeName": "#Dance"}],
        "musicInfos": {"musicId": "M1"},
    },
]


def _hour(at: datetime) -> datetime:
    """The UTC clock hour as the mart gives it: a timestamp without zone."""
    return at.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _baseline(key: str, how: int) -> tuple[float, float]:
    """A per-minute (centre, spread) that varies with key and hour, so the band is exercised."""
    return (len(key) % 4) / 60.0, (how % 5) / 60.0


def _baselines(cells: set[tuple[str, int]]) -> pl.DataFrame:
    rows = []
    for key, how in sorted(cells):
        centre, spread = _baseline(key, how)
        rows.append(
            {
                "key": key,
                "hour_of_week": how,
                "posts_centre": centre,
                "posts_spread": spread,
                "engagement_centre": 0.0,
                "engagement_spread": 0.0,
                "sentiment_centre": None,
                "sentiment_spread": None,
                "weeks": 1,
                "computed_at": START,
            }
        )
    return pl.DataFrame(rows, schema=BASELINES_SCHEMA)


def _dbt_activity(workdir: Path, landed: pl.DataFrame, baselines: pl.DataFrame) -> pl.DataFrame:
    """The activity mart built by the dbt program (as the Dagster asset runs it) on a fresh
    DuckDB warehouse loaded with the cleansed tables of `landed`, as the daily job loads them."""
    url = f"duckdb:///{workdir / 'warehouse.duckdb'}"
    tables = cleanse(landed)
    with Warehouse(url) as db:
        for table in FACT_TABLES:
            db.upsert(table, tables[table], key=TABLE_KEYS[table])
        db.ensure_table("keyword_baselines", BASELINES_SCHEMA, ["key", "hour_of_week"])
        db.upsert("keyword_baselines", baselines, ["key", "hour_of_week"])
    write_profiles(workdir, url)
    run = subprocess.run(
        [
            dbt_executable(),
            "run",
            "--quiet",
            "--select",
            "+mart_keyword_activity_hourly",
            "--project-dir",
            str(dbt_project_dir()),
            "--profiles-dir",
            str(workdir),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
            *contract_vars_args(),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with Warehouse(url) as db:
        return db.query(
            "SELECT key, hour, hour_of_week, posts, expected_posts, expected_low, expected_high "
            "FROM mart_keyword_activity_hourly"
        )


@settings(
    max_examples=1,  # each example runs dbt once; the unit test draws 150 for stream vs polars
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # Explaining a failure re-runs Spark and dbt many times; the failing example is enough.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(payloads=raw_posts())
@example(payloads=KNOWN_DRIFTS)
def test_stream_polars_spark_and_dbt_derive_the_same_keys(spark, payloads: list[dict]) -> None:
    from socialpulse.spark.backfill import key_observations as spark_key_observations
    from socialpulse.spark.backfill import read_landing

    records = landing_records(payloads)
    expected = stream_keys(records)

    with tempfile.TemporaryDirectory(prefix="socialpulse-keys-") as scratch:
        workdir = Path(scratch)
        lake = Lake.from_url(str(workdir / "lake"))
        write_landing_batch(lake, records, "socialpulse.posts", 0)
        landed = lake.read(landing_files(lake))

        polars_keys = set(key_observations(landed).select("id", "key").iter_rows())
        spark_rows = spark_key_observations(read_landing(spark, lake.root)).collect()
        spark_keys = {(row["id"], row["key"]) for row in spark_rows}

        created = {record["id"]: record["created_at"] for record in records}
        per_hour = Counter((key, _hour(created[post_id])) for post_id, key in expected)
        baselines = _baselines({(key, hour_of_week(hour)) for key, hour in per_hour})
        activity = _dbt_activity(workdir, landed, baselines)

    assert polars_keys == expected
    assert spark_keys == expected
    dbt_counts = {(k, h): n for k, h, n in activity.select("key", "hour", "posts").iter_rows()}
    assert dbt_counts == dict(per_hour)
    for row in activity.iter_rows(named=True):
        how = hour_of_week(row["hour"])
        assert row["hour_of_week"] == how
        centre, spread = _baseline(row["key"], how)
        low, high = expected_band(centre * 60, spread * 60)
        assert (row["expected_low"], row["expected_high"]) == pytest.approx((low, high))
