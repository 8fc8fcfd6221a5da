import uuid

import pytest
from dagster import materialize

from socialpulse.lake import Lake, write_landing_batch
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import lake_ingest
from socialpulse_assets.resources import LakeResource, WarehouseResource
from tests.unit.test_assets_materialise import _record


@pytest.mark.integration
def test_cleansed_tables_load_idempotently_into_postgres(tmp_path, postgres_url: str) -> None:
    schema = f"test_assets_{uuid.uuid4().hex[:8]}"
    with Warehouse(postgres_url) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    # A private schema per test: the tables keep their production names without colliding.
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    try:
        lake = Lake.from_url(str(tmp_path / "lake"))
        write_landing_batch(lake, [_record(i) for i in range(10)], "socialpulse.posts", 0)
        resources = {
            "lake": LakeResource(url=str(tmp_path / "lake")),
            "warehouse": WarehouseResource(url=url),
        }
        for _ in range(2):
            result = materialize(
                [lake_ingest.cleansed_tables], resources=resources, partition_key="2024-03-10"
            )
            assert result.success
        with Warehouse(url) as db:
            assert db.count("posts") == 6
            assert db.count("post_challenges") == 12
            assert db.query("SELECT current_schema() AS s")["s"][0] == schema
    finally:
        with Warehouse(postgres_url) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")
