"""The Spark backfill over s3a:// gives the same tables as the polars path on the same data."""

from datetime import UTC, datetime

import polars as pl
import pytest
from dagster import materialize

from socialpulse.enrichment import Enricher
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.generator.landing import land_messages
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.text.cleaning import clean_text
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics, backfill
from tests.batch_samples import (
    DAYS,
    TREND_DAY,
    TRENDING_CHALLENGE,
    fixed_sentiment,
    generated_config,
    land_sample,
)
from tests.integration.test_assets_postgres import DAILY, s3_resources

END = datetime(2024, 3, 11, tzinfo=UTC)
LATER_DEMO = datetime(2024, 3, 20, tzinfo=UTC)  # after the range and the baseline window
COMPARED = {
    "posts": (["id"], ["id", "created_at", "author_id", "music_id", "likes", "sentiment_score"]),
    "post_challenges": (["post_id", "challenge"], ["post_id", "challenge", "created_at"]),
    "authors": (["author_id"], ["author_id", "author_name", "first_seen", "last_seen", "posts"]),
    "challenges": (["challenge"], ["challenge", "first_seen", "last_seen", "posts"]),
    "music": (["music_id"], ["music_id", "music_title", "first_seen", "last_seen", "posts"]),
    "trending_challenges": (["day", "rank"], ["day", "rank", "key", "posts", "authors"]),
    "trending_music": (["day", "rank"], ["day", "rank", "key", "posts", "authors"]),
    "keyword_baselines": (["key", "hour_of_week"], ["key", "hour_of_week", "weeks"]),
}
CLOSE = {
    "trending_challenges": ["engagement", "baseline_posts", "growth", "score"],
    "trending_music": ["engagement", "baseline_posts", "growth", "score"],
    "keyword_baselines": [
        "posts_centre",
        "posts_spread",
        "engagement_centre",
        "engagement_spread",
        "sentiment_centre",
        "sentiment_spread",
    ],
}


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """DuckDB and Postgres hand back the same values with different integer widths and zones."""
    return frame.with_columns(
        [
            pl.col(name).dt.convert_time_zone("UTC")
            if isinstance(dtype, pl.Datetime)
            else pl.col(name).cast(pl.Int64)
            if dtype.is_integer()
            else pl.col(name)
            for name, dtype in frame.schema.items()
        ]
    )


def _tables(url: str) -> dict[str, pl.DataFrame]:
    with Warehouse(url) as db:
        return {
            table: _normalised(db.query(f"SELECT * FROM {table}")).sort(order)
            for table, (order, _) in COMPARED.items()
        }


def _land_a_later_demo(lake: Lake) -> None:
    """The demo's posts on a day after the range: seed 7 again, so the sample's first post ids.

    A lake the demo ran on holds such copies; both paths must still count the window's posts.
    """
    enricher = Enricher(["acme", "zestcola"], clean_text, fixed_sentiment)
    later = GeneratorConfig(count=1000, seed=generated_config().seed, start=LATER_DEMO)
    land_messages(lake, generate_messages(later), enricher)


@pytest.mark.integration
def test_spark_backfill_over_a_range_equals_the_polars_path(
    s3_settings: Settings, postgres_schema_url: str, tmp_path
) -> None:
    lake = Lake.from_settings(s3_settings)
    land_sample(lake)
    _land_a_later_demo(lake)

    # The polars path, one daily partition at a time, into a DuckDB warehouse.
    polars_url = f"duckdb:///{tmp_path / 'polars.duckdb'}"
    polars_resources = s3_resources(s3_settings, polars_url)
    for day in DAYS:
        assert materialize(DAILY, resources=polars_resources, partition_key=day.isoformat()).success
    assert materialize(
        [analytics.keyword_baselines],
        resources=polars_resources,
        run_config={"ops": {"keyword_baselines": {"config": {"weeks": 1, "end": END.isoformat()}}}},
    ).success

    # The Spark path: all four days in one run (single-run backfill policy), into Postgres.
    spark_run = materialize(
        [backfill.spark_backfill],
        resources=s3_resources(s3_settings, postgres_schema_url),
        run_config={"ops": {"spark_backfill": {"config": {"baseline_weeks": 1}}}},
        tags={
            "dagster/asset_partition_range_start": DAYS[0].isoformat(),
            "dagster/asset_partition_range_end": DAYS[-1].isoformat(),
        },
    )
    assert spark_run.success
    metadata = spark_run.asset_materializations_for_node("spark_backfill")[0].metadata
    assert metadata["days"].value == len(DAYS)
    assert TRENDING_CHALLENGE in metadata["top_challenge_per_day"].value

    expected, actual = _tables(polars_url), _tables(postgres_schema_url)
    for table, (_, exact) in COMPARED.items():
        assert actual[table].height == expected[table].height > 0, table
        assert actual[table].select(exact).equals(expected[table].select(exact)), table
        for column in CLOSE.get(table, []):
            delta = (actual[table][column] - expected[table][column]).abs()
            differing = (
                expected[table].with_columns(spark=actual[table][column]).filter(delta > 1e-9)
            )
            assert differing.is_empty(), (
                table,
                column,
                differing.height,
                differing.head(5).to_dicts(),
            )
    top = actual["trending_challenges"].filter(pl.col("day") == TREND_DAY)
    assert top["key"][0] == TRENDING_CHALLENGE

    # The cleansed zone now holds Spark's files for those days, readable like the polars ones.
    files = lake.fs.glob(lake.path("cleansed", "posts", f"dt={TREND_DAY}", "*.parquet"))
    assert (
        files
        and sum(lake.read(files).height for _ in [0])
        == expected["posts"].filter(pl.col("created_at").dt.date() == TREND_DAY).height
    )
