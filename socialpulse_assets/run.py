"""Materialise the daily graph in-process, outside `dagster dev`: for the demo and the CLI.

Runs are recorded in a persistent Dagster instance under `<state_dir>/dagster` (or DAGSTER_HOME
when set), so `make dagster` afterwards shows them in the UI with their metadata.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult, materialize
from dagster._core.instance.ref import InstanceRef

from socialpulse.batch.skipped import day_range, out_of_range
from socialpulse.lake import Lake, landing_files
from socialpulse.settings import Settings
from socialpulse_assets.assets import analytics, lake_ingest, report, text_insights
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import RESOURCES_BY_ENV

# Progress goes through `say` and a failure is raised as BatchStepFailed; Dagster's own log (with
# tracebacks) stays in the instance, for the UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
DAILY_ASSETS = [
    lake_ingest.cleansed_tables,
    lake_ingest.alerts,
    analytics.trending_challenges,
    analytics.trending_music,
    analytics.sentiment_summary,
    text_insights.text_insights,
    report.daily_report,
]


@dataclass
class BatchSummary:
    days: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    baselines: bool = False
    kept_days: str = ""  # the partitions' first..last day
    skipped_out_of_range: int = 0  # landed rows of the skipped days
    skipped_duplicates: int = 0  # repeated deliveries of a post id in the built days


class BatchStepFailed(RuntimeError):
    """A step of a batch run failed; the run's log in the Dagster instance has the traceback."""

    def __init__(self, what: str, step: str, cause: str, run_id: str) -> None:
        super().__init__(f"{what}: step {step} failed: {cause}")
        self.what, self.step, self.cause, self.run_id = what, step, cause, run_id


def _raise_on_failure(result: ExecuteInProcessResult, what: str) -> None:
    if result.success:
        return
    failures = result.get_step_failure_events()
    if not failures:  # the run failed outside any step (e.g. while starting)
        raise BatchStepFailed(what, "(none)", "the run failed before its steps", result.run_id)
    failure = failures[0]
    error = failure.step_failure_data.error
    # The user's exception is the cause of Dagster's wrapper; its first line ("module.Class:
    # message") says what went wrong.
    root = (error.cause or error) if error else None
    cause = root.message.strip().splitlines()[0].rstrip(".") if root else "unknown error"
    raise BatchStepFailed(what, failure.step_key, cause, result.run_id)


def dagster_home(settings: Settings) -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or settings.state_dir / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def materialise_days(
    settings: Settings,
    days: Iterable[str],
    *,
    baselines: bool = True,
    say: Callable[[str], None] = print,
) -> BatchSummary:
    """The daily assets for each day, then keyword_baselines; BatchStepFailed if a run fails."""
    resources = RESOURCES_BY_ENV[settings.env](settings)
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home(settings))))
    valid = daily.get_partition_keys()
    summary = BatchSummary(kept_days=day_range(valid))
    requested = sorted(set(days))
    summary.skipped = [day for day in requested if day not in set(valid)]
    if summary.skipped:
        lake = Lake.from_settings(settings)
        skipped = out_of_range(lake, landing_files(lake), set(valid))
        summary.skipped_out_of_range = sum(
            rows for day, rows in skipped.rows_by_day.items() if day in summary.skipped
        )
        say(
            f"skipping {', '.join(summary.skipped)} ({summary.skipped_out_of_range} landed rows): "
            f"outside the daily partitions {summary.kept_days} (SOCIALPULSE_BATCH_START..today)"
        )
    for day in (day for day in requested if day not in summary.skipped):
        say(f"materialising the daily assets for {day}")
        result = materialize(
            DAILY_ASSETS,
            resources=resources,
            partition_key=day,
            instance=instance,
            run_config=QUIET,
            raise_on_error=False,
        )
        _raise_on_failure(result, f"the daily assets for {day}")
        for materialisation in result.asset_materializations_for_node("cleansed_tables"):
            if materialisation.asset_key == AssetKey("posts"):
                duplicates = materialisation.metadata.get("skipped_duplicates")
                summary.skipped_duplicates += duplicates.value if duplicates else 0
        summary.days.append(day)
    if baselines and summary.days:
        say("materialising keyword_baselines")
        result = materialize(
            [analytics.keyword_baselines],
            resources=resources,
            instance=instance,
            run_config=QUIET,
            raise_on_error=False,
        )
        _raise_on_failure(result, "keyword_baselines")
        summary.baselines = True
    return summary
