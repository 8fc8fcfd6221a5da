"""Landing zone (written by the stream, observed here) to the cleansed zone and the warehouse."""

from datetime import date

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from socialpulse.alerts import ALERT_ARROW_SCHEMA
from socialpulse.batch.cleansing import TABLE_KEYS, cleanse, refresh_dimensions
from socialpulse.batch.skipped import day_range, out_of_range
from socialpulse.contracts import ALERTS_ZONE, cleansed_object_path, partition_day
from socialpulse.lake import landing_day, landing_files, utc_day_bounds
from socialpulse_assets.metadata import empty_table_metadata, table_metadata
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import LakeResource, WarehouseResource

landing = AssetSpec(
    "landing",
    description="Enriched posts the stream landed under landing/dt=YYYY-MM-DD/hour=HH/.",
    partitions_def=daily,
    group_name="lake",
)

DESCRIPTIONS = {
    "posts": "One row per post id (the first delivery wins), parsed and enriched.",
    "authors": "Authors with first/last seen and post count over all loaded days.",
    "challenges": "Hashtags/challenges with first/last seen and post count over all days.",
    "post_challenges": "Which post carries which challenge (lower-cased hashtag).",
    "music": "Sounds with their latest title and author, first/last seen and post count.",
}
FACT_TABLES = ("posts", "post_challenges")


@multi_asset(
    specs=[
        AssetSpec(
            table,
            deps=[landing],
            partitions_def=daily,
            group_name="lake",
            description=DESCRIPTIONS[table],
        )
        for table in TABLE_KEYS
    ],
    partitions_def=daily,
    can_subset=False,
)
def cleansed_tables(
    context: AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
):
    """Parse and deduplicate a day's landed posts; write the cleansed zone; load the warehouse.

    Facts (posts, post_challenges) are upserted by key; the dimensions are then recomputed from
    the warehouse for every key the day touched, so re-running a day never duplicates or
    double-counts anything. The posts' metadata counts what was not loaded: repeated deliveries
    of this day, and the lake's rows on days outside the partitions (which no run loads).
    """
    day = context.partition_key
    the_lake = lake.lake()
    landing = landing_files(the_lake)
    files = [path for path in landing if landing_day(path) == day]
    kept_days = context.assets_def.partitions_def.get_partition_keys()
    skipped = out_of_range(the_lake, landing, set(kept_days))
    if skipped.rows or skipped.unreadable_files:
        context.log.warning(
            f"{skipped.rows} landed rows on days outside {day_range(kept_days)} are not loaded "
            f"({', '.join(skipped.rows_by_day) or 'row counts unreadable'}): set "
            "SOCIALPULSE_BATCH_START earlier to load older days; later ones are clock errors"
        )
    skipped_metadata = {
        "kept_days": day_range(kept_days),
        "skipped_out_of_range": skipped.rows,
        "out_of_range_days": MetadataValue.json(skipped.rows_by_day),
        "out_of_range_unreadable_files": MetadataValue.json(skipped.unreadable_files),
    }
    context.log.info(f"{len(files)} landing files for {day}")
    if not files:
        for table in TABLE_KEYS:
            extra = skipped_metadata if table == "posts" else {}
            yield MaterializeResult(
                asset_key=table,
                metadata={**empty_table_metadata(table), "landing_files": 0, **extra},
            )
        return
    landed = the_lake.read(files)
    tables = cleanse(landed)
    skipped_metadata["skipped_duplicates"] = landed.height - tables["posts"].height
    for table, frame in tables.items():
        the_lake.write_table(the_lake.path(cleansed_object_path(table, day)), frame.to_arrow())
    with warehouse.connect() as db:
        for table in FACT_TABLES:
            db.upsert(table, tables[table], key=TABLE_KEYS[table])
        dimensions = refresh_dimensions(db, date.fromisoformat(day), tables)
        totals = {table: db.count(table) for table in TABLE_KEYS}
    for table in TABLE_KEYS:
        frame = tables[table] if table in FACT_TABLES else dimensions[table]
        yield MaterializeResult(
            asset_key=table,
            metadata={
                **table_metadata(table, frame),
                "warehouse_rows": totals[table],
                "landing_files": len(files),
                **(skipped_metadata if table == "posts" else {}),
            },
        )


@asset(
    deps=[landing],
    partitions_def=daily,
    group_name="lake",
    description="Alerts the stream wrote under alerts/dt=<window day>/, one row per alert id.",
)
def alerts(
    context: AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> MaterializeResult:
    """Load the day's alerts into the warehouse (replacing that day: alert ids are stable)."""
    day = context.partition_key
    the_lake = lake.lake()
    files = [f for f in the_lake.list_files(ALERTS_ZONE) if partition_day(f) == day]
    frame = the_lake.read(files)
    if frame.is_empty():
        # The table exists even before the first alert, for dbt and BI tools.
        with warehouse.connect() as db:
            db.ensure_table(
                "alerts", pl.from_arrow(ALERT_ARROW_SCHEMA.empty_table()).schema, ["alert_id"]
            )
        return MaterializeResult(metadata={**empty_table_metadata("alerts"), "alert_files": 0})
    frame = frame.unique("alert_id", keep="first").sort("window_start", "alert_id")
    with warehouse.connect() as db:
        db.replace_where(
            "alerts",
            frame,
            "window_start >= ? AND window_start < ?",
            utc_day_bounds(date.fromisoformat(day)),
            key=["alert_id"],
        )
    counts = frame.group_by("direction").len().sort("direction")
    return MaterializeResult(
        metadata={
            **table_metadata(
                "alerts",
                frame,
                preview=frame.select(
                    "window_start", "key_kind", "key", "direction", "observed", "expected", "score"
                ),
            ),
            "alert_files": len(files),
            "by_direction": MetadataValue.json(dict(counts.iter_rows())),
        }
    )
