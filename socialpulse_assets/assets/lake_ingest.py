"""Landing zone (written by the stream, observed here) to the cleansed zone and the warehouse."""

from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset

from socialpulse.batch.cleansing import TABLE_KEYS, cleanse
from socialpulse.lake import landing_files
from socialpulse_assets.metadata import table_metadata
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import LakeResource, WarehouseResource

landing = AssetSpec(
    "landing",
    description="Enriched posts the stream landed under landing/dt=YYYY-MM-DD/hour=HH/.",
    partitions_def=daily,
    group_name="lake",
)


def cleansed_path(table: str, day: str) -> str:
    """Where a cleansed table's day lives, relative to the lake root (one object per day)."""
    return f"cleansed/{table}/dt={day}/{table}.parquet"


@multi_asset(
    specs=[
        AssetSpec(table, deps=[landing], partitions_def=daily, group_name="lake")
        for table in TABLE_KEYS
    ],
    partitions_def=daily,
    can_subset=False,
)
def cleansed_tables(
    context: AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
):
    """Parse and deduplicate a day's landed posts; write the cleansed zone; upsert by key."""
    day = context.partition_key
    the_lake = lake.lake()
    tables = cleanse(the_lake.read(landing_files(the_lake, day)))
    with warehouse.connect() as db:
        for table, frame in tables.items():
            the_lake.write_table(the_lake.path(cleansed_path(table, day)), frame.to_arrow())
            if not frame.is_empty():
                db.upsert(table, frame, key=TABLE_KEYS[table])
            yield MaterializeResult(asset_key=table, metadata=table_metadata(frame))
