from datetime import UTC, datetime

from dagster import materialize

from socialpulse.contracts import cleansed_object_path
from socialpulse.lake import Lake, write_landing_batch
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics, lake_ingest
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import BatchSettingsResource, LakeResource, WarehouseResource
from tests.batch_samples import landing_record


def test_cleansed_path_is_a_pure_function_of_table_and_day() -> None:
    assert (
        cleansed_object_path("posts", "2024-03-10") == "cleansed/posts/dt=2024-03-10/posts.parquet"
    )


def test_rematerialising_a_partition_never_duplicates_rows(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    write_landing_batch(lake, [landing_record(i) for i in range(10)], "socialpulse.posts", 0)
    warehouse_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=warehouse_url),
        "batch_settings": BatchSettingsResource.from_settings(Settings(state_dir=tmp_path)),
    }
    assets = [
        lake_ingest.cleansed_tables,
        analytics.trending_challenges,
        analytics.trending_music,
        analytics.sentiment_summary,
        analytics.trend_forecast,
    ]
    counts = []
    for _ in range(2):
        result = materialize(assets, resources=resources, partition_key="2024-03-10")
        assert result.success
        with Warehouse(warehouse_url) as db:
            counts.append(
                {
                    table: db.count(table)
                    for table in (
                        "posts",
                        "authors",
                        "challenges",
                        "post_challenges",
                        "music",
                        "sentiment_summary",
                        "trend_forecasts",
                    )
                }
            )
    assert counts[0] == counts[1]
    assert counts[0]["posts"] == 6
    assert counts[0]["authors"] == 4
    assert counts[0]["music"] == 3
    with Warehouse(warehouse_url) as db:
        assert db.query("SELECT count(DISTINCT id) AS n FROM posts")["n"][0] == 6
    assert lake.fs.exists(lake.path(cleansed_object_path("posts", "2024-03-10")))


def test_posts_metadata_counts_duplicates_and_rows_outside_the_partitions(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    records = [landing_record(i) for i in range(10)]  # 6 post ids: 4 repeated deliveries
    for offset, when in (
        (100, datetime(2006, 5, 1, tzinfo=UTC)),
        (101, datetime(2099, 1, 1, tzinfo=UTC)),
    ):
        records.append(
            {**landing_record(0), "id": f"far{offset}", "created_at": when, "kafka_offset": offset}
        )
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}"),
    }
    result = materialize(
        [lake_ingest.cleansed_tables], resources=resources, partition_key="2024-03-10"
    )
    assert result.success
    posts = next(
        m
        for m in result.asset_materializations_for_node("cleansed_tables")
        if m.asset_key.path == ["posts"]
    ).metadata
    assert posts["dagster/row_count"].value == 6
    assert posts["skipped_duplicates"].value == 4
    assert posts["skipped_out_of_range"].value == 2
    assert posts["out_of_range_days"].value == {"2006-05-01": 1, "2099-01-01": 1}
    assert posts["kept_days"].value.startswith(f"{daily.get_first_partition_key()}..")
