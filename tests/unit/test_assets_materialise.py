from dagster import materialize

from socialpulse.lake import Lake, write_landing_batch
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics, lake_ingest
from socialpulse_assets.assets.lake_ingest import cleansed_path
from socialpulse_assets.resources import LakeResource, WarehouseResource
from tests.batch_samples import landing_record


def test_cleansed_path_is_a_pure_function_of_table_and_day() -> None:
    assert cleansed_path("posts", "2024-03-10") == "cleansed/posts/dt=2024-03-10/posts.parquet"


def test_rematerialising_a_partition_never_duplicates_rows(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    write_landing_batch(lake, [landing_record(i) for i in range(10)], "socialpulse.posts", 0)
    warehouse_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=warehouse_url),
    }
    assets = [
        lake_ingest.cleansed_tables,
        analytics.trending_challenges,
        analytics.trending_music,
        analytics.sentiment_summary,
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
                    )
                }
            )
    assert counts[0] == counts[1]
    assert counts[0]["posts"] == 6
    assert counts[0]["authors"] == 4
    assert counts[0]["music"] == 3
    with Warehouse(warehouse_url) as db:
        assert db.query("SELECT count(DISTINCT id) AS n FROM posts")["n"][0] == 6
    assert lake.fs.exists(lake.path(cleansed_path("posts", "2024-03-10")))
