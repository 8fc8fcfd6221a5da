"""The daily schedule and the sensor that notices new landing files."""

import json

from dagster import (
    AssetSelection,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    build_schedule_from_partitioned_job,
    define_asset_job,
    sensor,
)

from socialpulse.lake import landing_day, landing_files
from socialpulse_assets.resources import LakeResource

DAILY_JOB = "daily_batch"
DAILY_SELECTION = AssetSelection.groups("lake", "analytics", "staging", "marts", "reports")
daily_job = define_asset_job(
    DAILY_JOB,
    selection=DAILY_SELECTION,
    description="One day end to end: landing -> warehouse tables -> Great Expectations gates "
    "(blocking checks stop what is downstream) -> analytics and keyword_baselines -> dbt "
    "staging and marts with their tests -> the daily report. The schedule, the landing sensor, "
    "`socialpulse batch` and the demo all launch this job.",
)

daily_schedule = build_schedule_from_partitioned_job(daily_job, hour_of_day=1)


@sensor(job=daily_job, minimum_interval_seconds=300)
def new_landing_files(context: SensorEvaluationContext, lake: LakeResource) -> SensorResult:
    """One run per day whose set of landing files changed since the cursor."""
    seen: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    counts: dict[str, int] = {}
    for path in landing_files(lake.lake()):
        day = landing_day(path)
        counts[day] = counts.get(day, 0) + 1
    changed = sorted(day for day, n in counts.items() if seen.get(day) != n)
    return SensorResult(
        run_requests=[
            RunRequest(partition_key=day, run_key=f"{day}:{counts[day]}") for day in changed
        ],
        cursor=json.dumps(counts, sort_keys=True),
    )
