"""The daily graph against the real S3 server and Postgres, on generated data with known trends."""

import pytest
from dagster import materialize

from socialpulse.baselines import read_keyword_baselines
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics, lake_ingest, report, text_insights
from socialpulse_assets.resources import (
    BatchSettingsResource,
    LakeResource,
    WarehouseResource,
    s3_resource,
)
from tests.batch_samples import (
    DAYS,
    TREND_DAY,
    TRENDING_CHALLENGE,
    TRENDING_SOUND,
    VIRAL_ONCE,
    land_sample,
)

# The daily job's Python assets on S3 (the whole job, dbt included: test_full_graph.py).
DAILY = [
    lake_ingest.cleansed_tables,
    lake_ingest.alerts,
    analytics.trending_challenges,
    analytics.trending_music,
    analytics.sentiment_summary,
    text_insights.text_insights,
    report.daily_report,
]
TABLES = ("posts", "authors", "challenges", "post_challenges", "music", "sentiment_summary")


def s3_resources(settings: Settings, warehouse_url: str) -> dict[str, object]:
    return {
        "lake": LakeResource(
            url=settings.resolved_lake_url, s3=s3_resource(settings, secrets_from_env=False)
        ),
        "warehouse": WarehouseResource(url=warehouse_url),
        "batch_settings": BatchSettingsResource.from_settings(settings),
    }


@pytest.mark.integration
def test_daily_graph_on_s3_and_postgres_finds_injected_trends(
    s3_settings: Settings, postgres_schema_url: str
) -> None:
    lake = Lake.from_settings(s3_settings)
    summary = land_sample(lake)
    resources = s3_resources(s3_settings, postgres_schema_url)
    for day in DAYS:
        assert materialize(DAILY, resources=resources, partition_key=day.isoformat()).success
    baselines_run = materialize(
        [analytics.keyword_baselines],
        resources=resources,
        run_config={
            "ops": {"keyword_baselines": {"config": {"weeks": 1, "end": "2024-03-11T00:00:00Z"}}}
        },
    )
    assert baselines_run.success
    with Warehouse(postgres_schema_url) as db:
        counts = {table: db.count(table) for table in TABLES}
        challenges = db.query(
            "SELECT key, authors FROM trending_challenges WHERE day = ? ORDER BY rank",
            (TREND_DAY,),
        )
        sounds = db.query(
            "SELECT key FROM trending_music WHERE day = ? ORDER BY rank", (TREND_DAY,)
        )
        shares = db.query(
            "SELECT min(negative_share + neutral_share + positive_share) AS low, "
            "max(negative_share + neutral_share + positive_share) AS high FROM sentiment_summary"
        )
        assert db.count("keyword_baselines") == len(read_keyword_baselines(lake))
    assert counts["posts"] == summary.landed
    assert challenges["key"][0] == TRENDING_CHALLENGE
    assert VIRAL_ONCE not in challenges["key"].to_list()
    assert sounds["key"][0] == TRENDING_SOUND
    assert shares["low"][0] == pytest.approx(1.0) and shares["high"][0] == pytest.approx(1.0)

    # Re-materialising a partition never duplicates rows.
    assert materialize(DAILY, resources=resources, partition_key=TREND_DAY.isoformat()).success
    with Warehouse(postgres_schema_url) as db:
        assert {table: db.count(table) for table in TABLES} == counts
