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

daily_job = define_asset_job(
    "daily_batch",
    selection=AssetSelection.groups("lake", "analytics")
    - AssetSelection.assets("keyword_baselines"),
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
