"""The whole SocialPulse code location, resources chosen by SOCIALPULSE_ENV.

`build_definitions` wires one runtime's settings into assets, checks, jobs and resources; `defs`
is what `dagster dev` and the daemon load. `socialpulse batch` and the demo launch the same
`daily_batch` job from it (see `socialpulse_assets.run`).
"""

from __future__ import annotations

from dagster import Definitions, load_assets_from_modules

from socialpulse.settings import Settings, get_settings
from socialpulse_assets.assets import (
    analytics,
    backfill,
    lake_ingest,
    report,
    text_insights,
)
from socialpulse_assets.assets.marts import build_dbt_models
from socialpulse_assets.automation import daily_job, daily_schedule, new_landing_files
from socialpulse_assets.checks import CHECKS
from socialpulse_assets.dbt import prepared_dbt_project
from socialpulse_assets.resources import RESOURCES_BY_ENV


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[
            lake_ingest.landing,
            *load_assets_from_modules([lake_ingest, analytics, backfill, text_insights, report]),
            build_dbt_models(prepared_dbt_project()),
        ],
        asset_checks=CHECKS,
        jobs=[daily_job, backfill.spark_backfill_job],
        schedules=[daily_schedule],
        sensors=[new_landing_files],
        resources=RESOURCES_BY_ENV[settings.env](settings),
    )


defs = build_definitions(get_settings())
