"""The shared contracts: exact values, dbt's defaults equal to them, and the runtimes agreeing."""

from __future__ import annotations

import doctest
import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pyarrow as pa
import pytest
import yaml
from hypothesis import given, settings

from socialpulse import contracts
from socialpulse.batch import contract_exprs
from socialpulse.batch.baselines import key_observations
from socialpulse.lake import LANDING_ARROW_SCHEMA
from socialpulse_assets.dbt import contract_vars_args, dbt_project_dir
from tests.contract_samples import landing_records, raw_posts, stream_keys

MONDAY = datetime(2024, 1, 1, tzinfo=UTC)


def test_the_documented_examples_hold() -> None:
    result = doctest.testmod(contracts)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_key_rule_lower_cases_before_measuring_and_drops_short_hashtags() -> None:
    assert contracts.post_keys(["Dance", "DANCE", "x", "#", "İ", "Ab"], "M1", ["Acme Cola"]) == {
        "hashtag:dance",
        "hashtag:i̇",  # "İ" lower-cases to two characters: a key like any other of two
        "hashtag:ab",
        "keyword:acme cola",
        "music:M1",
    }
    assert contracts.post_keys(None, "", None) == set()
    assert contracts.hashtag_key("a") is None
    assert contracts.split_key("hashtag:new:year") == ("hashtag", "new:year")


def test_hour_of_week_starts_monday_midnight_utc() -> None:
    assert contracts.hour_of_week(MONDAY) == 0
    assert contracts.hour_of_week(MONDAY + timedelta(days=6, hours=23, minutes=59)) == 167
    # An aware time in another zone counts in UTC: Tuesday 01:00 at +02:00 is Monday 23:00 UTC.
    tuesday_plus_two = datetime(2024, 1, 2, 1, tzinfo=UTC) - timedelta(hours=2)
    assert contracts.hour_of_week(tuesday_plus_two) == 23


def test_expected_band_floors_the_spread_at_poisson_noise() -> None:
    assert contracts.expected_band(100.0, 0.0) == pytest.approx((70.0, 130.0))
    assert contracts.expected_band(0.0, 0.0) == pytest.approx((0.0, 3.0))
    assert contracts.expected_band(4.0, 5.0) == pytest.approx((0.0, 19.0))


def test_lake_paths_are_exact() -> None:
    at = datetime(2026, 3, 7, 9, 59, tzinfo=UTC)
    name = contracts.landing_object_name("socialpulse.posts", 3, 5000, 9999)
    assert contracts.landing_object_path(at, name) == (
        "landing/dt=2026-03-07/hour=09/socialpulse.posts-p0003-o000000005000-000000009999.parquet"
    )
    assert contracts.partition_day("bucket/landing/dt=2026-03-07/hour=09/x.parquet") == (
        "2026-03-07"
    )
    assert contracts.alert_object_path(at, "abc") == "alerts/dt=2026-03-07/alert-abc.parquet"
    assert contracts.report_folder("daily", "2026-03-07") == "reports/daily/dt=2026-03-07"
    assert contracts.report_folder("wordclouds") == "reports/wordclouds"


def test_dbt_project_defaults_equal_the_contract_and_runs_pass_it() -> None:
    project = yaml.safe_load((dbt_project_dir() / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"] == contracts.dbt_vars()
    flag, value = contract_vars_args()
    assert flag == "--vars"
    assert json.loads(value) == contracts.dbt_vars()


def test_polars_hour_of_week_equals_the_contract() -> None:
    hours = [MONDAY + timedelta(hours=h) for h in range(0, 24 * 15, 7)]
    frame = pl.DataFrame({"at": hours}, schema={"at": pl.Datetime("us", "UTC")})
    got = frame.select(contract_exprs.hour_of_week(pl.col("at")))["at"].to_list()
    assert got == [contracts.hour_of_week(at) for at in hours]


@settings(max_examples=150, deadline=None)
@given(raw_posts())
def test_polars_derives_the_streams_keys(payloads: list[dict]) -> None:
    records = landing_records(payloads)
    landed = pl.from_arrow(pa.Table.from_pylist(records, schema=LANDING_ARROW_SCHEMA))
    polars_keys = set(key_observations(landed).select("id", "key").iter_rows())
    assert polars_keys == stream_keys(records)
