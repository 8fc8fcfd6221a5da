"""The whole SocialPulse code location, resources chosen by SOCIALPULSE_ENV.

`build_definitions` wires one runtime's settings into assets, checks, jobs and resources: the
daily partitions' first day, and the resources (the `batch_settings` one carries what assets
and checks read at run time). `defs` is what `dagster dev`, the daemon and the run workers
load: Dagster calls it once per process, and only then are the settings read, so importing any
module of the code location reads no environment. `socialpulse batch` and the demo launch the
same `daily_batch` job from `build_definitions` (see `socialpulse_assets.run`).
"""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetSpec,
    Definitions,
    FreshnessPolicy,
    definitions,
    load_assets_from_modules,
)

from socialpulse.settings import Settings, get_settings
from socialpulse_assets.assets import (
    analytics,
    backfill,
    lake_ingest,
    models,
    report,
    text_insights,
)
from socialpulse_assets.assets.marts import build_dbt_models
from socialpulse_assets.automation import (
    daily_job,
    daily_schedule,
    new_landing_files,
    sentiment_model_job,
)
from socialpulse_assets.checks import CHECKS
from socialpulse_assets.dbt import prepared_dbt_project
from socialpulse_assets.partitions import daily_partitions, on_partitions
from socialpulse_assets.resources import RESOURCES_BY_ENV

# Who answers for each group's assets (the UI shows them and filters by them): the pipeline's
# tables and the Spark backfill are the data engineers'; the dbt models and the report, which BI
# users read, the analytics engineers'.
OWNERS_BY_GROUP = {
    "lake": ["team:data-engineering"],
    "analytics": ["team:data-engineering"],
    "backfill": ["team:data-engineering"],
    "staging": ["team:analytics-engineering"],
    "marts": ["team:analytics-engineering"],
    "reports": ["team:analytics-engineering"],
    "models": ["team:data-engineering"],
}

# BI users read the marts and the report in the morning: the daily job (01:00 UTC, yesterday's
# partition) must have refreshed them by 04:00 UTC, or the UI shows them as late. Freshness is
# evaluated where the instance enables it (`freshness: enabled: true`, as the instance this
# project creates and deployment/dagster.yaml do).
DAILY_FRESHNESS = FreshnessPolicy.cron(
    deadline_cron="0 4 * * *", lower_bound_delta=timedelta(hours=4)
)
FRESH_DAILY_GROUPS = frozenset({"marts", "reports"})


def _with_owners_and_freshness(spec: AssetSpec) -> AssetSpec:
    spec = spec.replace_attributes(owners=OWNERS_BY_GROUP[spec.group_name or "default"])
    if spec.group_name in FRESH_DAILY_GROUPS:
        spec = spec.replace_attributes(freshness_policy=DAILY_FRESHNESS)
    return spec


def build_definitions(settings: Settings) -> Definitions:
    """The code location for one runtime's `settings`: its partitions and its resources."""
    location = Definitions(
        assets=[
            lake_ingest.landing,
            *load_assets_from_modules(
                [lake_ingest, analytics, backfill, text_insights, report, models]
            ),
            build_dbt_models(prepared_dbt_project()),
        ],
        asset_checks=[*CHECKS, models.sentiment_model_beats_promoted],
        jobs=[daily_job, backfill.spark_backfill_job, sentiment_model_job],
        schedules=[daily_schedule],
        sensors=[new_landing_files],
        resources=RESOURCES_BY_ENV[settings.env](settings),
    )
    # The assets are declared over partitions from the default first day; these start on the
    # configured one (SOCIALPULSE_BATCH_START).
    partitions = daily_partitions(settings.batch_start)
    return location.map_asset_specs(func=_with_owners_and_freshness).map_asset_specs(
        func=lambda spec: on_partitions(spec, partitions)
    )


@definitions
def defs() -> Definitions:
    """The code location for this process's settings (`SOCIALPULSE_*` and `.env`)."""
    return build_definitions(get_settings())
