"""keyword_baselines, the batch asset the stream reads, on the embedded defaults.

The whole daily_batch job on these defaults (trends, report, runs and checks in the instance,
idempotent re-runs) is tests/integration/test_full_graph.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from dagster import materialize

from socialpulse.baselines import read_keyword_baselines
from socialpulse.lake import Lake, landing_files
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics
from socialpulse_assets.resources import BatchSettingsResource, LakeResource, WarehouseResource
from tests.batch_samples import (
    land_sample,
)


def test_keyword_baselines_asset_writes_what_the_stream_reads(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    land_sample(lake)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=url),
        "batch_settings": BatchSettingsResource.from_settings(Settings(state_dir=tmp_path)),
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
