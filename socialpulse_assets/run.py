"""Materialise the daily graph in-process, outside `dagster dev`: for the demo and the CLI.

Runs are recorded in a persistent Dagster instance under `<state_dir>/dagster` (or DAGSTER_HOME
when set), so `make dagster` afterwards shows them in the UI with their metadata.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterInstance, materialize
from dagster._core.instance.ref import InstanceRef

from socialpulse.settings import Settings
from socialpulse_assets.assets import analytics, lake_ingest, report, text_insights
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import RESOURCES_BY_ENV

# Progress goes through `say`; Dagster's own step-by-step log stays in the instance (the UI).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
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
    """The daily assets for each day, then keyword_baselines; raises if a run fails."""
    resources = RESOURCES_BY_ENV[settings.env](settings)
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home(settings))))
    valid = set(daily.get_partition_keys())
    summary = BatchSummary()
    for day in sorted(set(days)):
        if day not in valid:
            say(f"skipping {day}: outside the daily partitions (SOCIALPULSE_BATCH_START..today)")
            summary.skipped.append(day)
            continue
        say(f"materialising the daily assets for {day}")
        materialize(
            DAILY_ASSETS,
            resources=resources,
            partition_key=day,
            instance=instance,
            run_config=QUIET,
        )
        summary.days.append(day)
    if baselines and summary.days:
        say("materialising keyword_baselines")
        materialize(
            [analytics.keyword_baselines], resources=resources, instance=instance, run_config=QUIET
        )
        summary.baselines = True
    return summary
