from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from socialpulse.batch.baselines import keyword_baselines
from socialpulse.lake import Lake, landing_files, write_landing_batch
from socialpulse.settings import Settings
from tests.unit.test_assets_materialise import _record

END = datetime(2024, 3, 11, tzinfo=UTC)  # a Monday, after the landed posts


@pytest.mark.integration
def test_spark_baselines_on_s3a_equal_the_polars_path(s3_settings: Settings, tmp_path) -> None:
    from socialpulse.spark.backfill import keyword_baselines as spark_baselines
    from socialpulse.spark.backfill import read_landing, spark_session

    lake = Lake.from_settings(s3_settings)
    records = [_record(i) for i in range(10)]
    for i, record in enumerate(records):
        record["created_at"] -= timedelta(days=i % 3, hours=i)  # spread over days and hours
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    expected = keyword_baselines(
        lake.read(landing_files(lake)), end=END, weeks=1, computed_at=END
    ).drop("computed_at")

    settings = s3_settings.model_copy(update={"state_dir": s3_settings.state_dir})
    spark = spark_session(settings)
    try:
        rows = (
            spark_baselines(
                spark,
                read_landing(spark, settings.resolved_lake_url),
                end=END,
                weeks=1,
                computed_at=END,
            )
            .drop("computed_at")
            .collect()
        )
    finally:
        spark.stop()
    actual = pl.DataFrame([r.asDict() for r in rows], schema=expected.schema).sort(
        "key", "hour_of_week"
    )
    assert actual.height == expected.height == 168 * expected["key"].n_unique()
    assert actual.select("key", "hour_of_week", "weeks").equals(
        expected.select("key", "hour_of_week", "weeks")
    )
    for column in (
        "posts_centre",
        "posts_spread",
        "engagement_centre",
        "engagement_spread",
        "sentiment_centre",
        "sentiment_spread",
    ):
        diff = (actual[column] - expected[column]).abs().max()
        assert diff is None or diff < 1e-9, column
    assert expected["posts_centre"].max() > 0
