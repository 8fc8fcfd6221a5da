"""The whole SocialPulse code location, resources chosen by SOCIALPULSE_ENV."""

from __future__ import annotations

from dagster import Definitions, load_assets_from_modules

from socialpulse.settings import get_settings
from socialpulse_assets.assets import (
    analytics,
    backfill,
    lake_ingest,
    marts,
    report,
    text_insights,
)
from socialpulse_assets.automation import daily_job, daily_schedule, new_landing_files
from socialpulse_assets.checks import CHECKS
from socialpulse_assets.resources import RESOURCES_BY_ENV

settings = get_settings()

defs = Definitions(
    assets=[
        lake_ingest.landing,
        *load_assets_from_modules([lake_ingest, analytics, backfill, marts, text_insights, report]),
    ],
    asset_checks=CHECKS,
    jobs=[daily_job, backfill.spark_backfill_job],
    schedules=[daily_schedule],
    sensors=[new_landing_files],
    resources=RESOURCES_BY_ENV[settings.env](settings),
)
