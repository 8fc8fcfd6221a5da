"""The daily schedule and the sensor that notices new landing files."""

import hashlib
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

from socialpulse.lake import Lake, landing_day, landing_files
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

# Not scheduled, and not part of the daily job: training needs SOCIALPULSE_SENTIMENT_TRAINING_DATA
# (or run config), and a retrained model is a decision someone takes, by hand or from the UI.
MODELS_JOB = "sentiment_model_job"
sentiment_model_job = define_asset_job(
    MODELS_JOB,
    selection=AssetSelection.groups("models"),
    description="Train a sentiment model, publish it in the model registry, compare it with the "
    "promoted one on the validation split (blocking check) and promote it only if it is not "
    "worse.",
)


@sensor(job=daily_job, minimum_interval_seconds=300)
def new_landing_files(context: SensorEvaluationContext, lake: LakeResource) -> SensorResult:
    """One run per day whose landing files changed since the cursor (new, or rewritten: the
    stream merges later offsets of a block into the object it already wrote)."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    fingerprints = landing_fingerprints(lake.lake())
    changed = sorted(day for day, print_ in fingerprints.items() if seen.get(day) != print_)
    return SensorResult(
        run_requests=[
            RunRequest(partition_key=day, run_key=f"{day}:{fingerprints[day]}") for day in changed
        ],
        cursor=json.dumps(fingerprints, sort_keys=True),
    )


def landing_fingerprints(lake: Lake) -> dict[str, str]:
    """Per landing day, a digest of its objects' names, sizes and versions (ETag or mtime)."""
    entries: dict[str, list[str]] = {}
    for path in landing_files(lake):
        info = lake.fs.info(path)
        version = info.get("ETag") or info.get("LastModified") or info.get("mtime") or ""
        entries.setdefault(landing_day(path), []).append(f"{path}:{info.get('size')}:{version}")
    return {
        day: hashlib.sha1("\n".join(sorted(lines)).encode()).hexdigest()[:16]
        for day, lines in entries.items()
    }
