"""The daily report (HTML and PNG) of alerts, activity, trends, rising keys, topics and word
clouds, as an asset."""

import base64
import tempfile
from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from socialpulse.contracts import report_folder
from socialpulse.report import render_daily_report
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import LakeResource, WarehouseResource


@asset(
    # What `read_daily_report` reads: posts per hour, the dbt marts, phrases and word clouds.
    deps=[
        "posts",
        "text_insights",
        "mart_alerts",
        "mart_trending_daily",
        "mart_trend_forecasts",
        "mart_topics",
    ],
    partitions_def=daily,
    group_name="reports",
    kinds={"html", "png"},
)
def daily_report(
    context: AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> MaterializeResult:
    """`reports/daily/dt=<day>/socialpulse-<day>.html` and `.png` in the lake."""
    day = context.partition_key
    the_lake = lake.lake()
    folder = the_lake.path(report_folder("daily", day))
    the_lake.fs.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        files = render_daily_report(warehouse.url, day, Path(scratch), lake=the_lake)
        targets = {}
        for kind, path in files.items():
            targets[kind] = f"{folder}/{path.name}"
            the_lake.fs.put(str(path), targets[kind])
        preview = base64.b64encode(files["png"].read_bytes()).decode()
        html_bytes = files["html"].stat().st_size
    context.log.info(f"daily report for {day}: {targets['html']}")
    return MaterializeResult(
        metadata={
            "html": MetadataValue.path(targets["html"]),
            "png": MetadataValue.path(targets["png"]),
            "html_bytes": html_bytes,
            "preview": MetadataValue.md(f"![daily report {day}](data:image/png;base64,{preview})"),
        }
    )
