"""Launch the code location's `daily_batch` job outside `dagster dev`: for the demo and the CLI.

It is the job the schedule and the landing sensor launch, checks and dbt marts included, taken
from the `Definitions` built for the caller's settings and run in this process through a
persistent Dagster instance under `<state_dir>/dagster` (or DAGSTER_HOME when set), so
`make dagster` afterwards shows every run by its job name, with its metadata and check results.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    DagsterRunStatus,
    ExecuteInProcessResult,
    RunsFilter,
)
from dagster_shared.error import SerializableErrorInfo

from socialpulse.batch.skipped import day_range, out_of_range
from socialpulse.lake import Lake, landing_files
from socialpulse.services.processes import pid_alive
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.automation import DAILY_JOB, DAILY_SELECTION

# Progress goes through `say`; Dagster's own step-by-step log stays in the instance (the UI).
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
# The instance this project creates sends nothing anywhere, and shows late marts and reports.
INSTANCE_YAML = (
    "# Written by SocialPulse (socialpulse_assets.run).\n"
    "telemetry:\n  enabled: false\n"
    "freshness:\n  enabled: true\n"
)


# Which process on which machine runs a daily run launched here: what tells a run whose process
# died (SIGKILL, out of memory, a reboot) from one still going.
PROCESS_TAG = "socialpulse/pid"
HOST_TAG = "socialpulse/host"


@dataclass
class BatchSummary:
    days: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    baselines: bool = False
    kept_days: str = ""  # the partitions' first..last day
    skipped_out_of_range: int = 0  # landed rows of the skipped days
    skipped_duplicates: int = 0  # repeated deliveries of a post id in the built days


class DailyRunFailed(RuntimeError):
    """A daily run failed; the message is one line saying which day, what failed and where."""


def dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME, or `<state_dir>/dagster` with a dagster.yaml that turns telemetry off."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.state_dir / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML, encoding="utf-8")
    return home


def _root_cause(error: SerializableErrorInfo) -> str:
    """The first line of the innermost error: the user's, not Dagster's step wrapper."""
    while error.cause is not None:
        error = error.cause
    return next(iter(error.message.strip().splitlines()), error.cls_name or "no message")


def fail_abandoned_runs(instance: DagsterInstance) -> list[tuple[str, str]]:
    """Mark failed the daily runs a dead process of this machine left in progress.

    A batch killed mid-run leaves its run STARTED for ever: the UI would show it in progress and
    nothing would say its day is incomplete. Every asset of the job overwrites its day (facts
    upserted by key, dimensions recomputed), so the next run of that day redoes the work; this
    only sets the record straight. Returns (run id, day) of each run marked.
    """
    host = socket.gethostname()
    marked = []
    running = RunsFilter(
        job_name=DAILY_JOB, statuses=[DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
    )
    for run in instance.get_runs(filters=running):
        pid = run.tags.get(PROCESS_TAG, "")
        if run.tags.get(HOST_TAG) != host or not pid.isdigit() or pid_alive(int(pid)):
            continue
        day = run.tags.get("dagster/partition", "?")
        instance.report_run_failed(
            run,
            f"The process that ran this run (pid {pid} on {host}) ended before the run did; "
            f"run `socialpulse batch --day {day}` to build the day again.",
        )
        marked.append((run.run_id, day))
    return marked


def failure_line(day: str, result: ExecuteInProcessResult) -> str:
    """One line: the failed error-severity checks, else the failed steps with their first error."""
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        + (f" ({e.description})" if e.description else "")
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == AssetCheckSeverity.ERROR
    ]
    where = f"(run {result.run_id} in the Dagster UI: `make dagster`)"
    if failed_checks:
        return (
            f"{day}: the {DAILY_JOB} run failed its data checks {', '.join(failed_checks)}; "
            f"nothing downstream of them was built {where}"
        )
    errors = [
        f"{event.step_key}: {_root_cause(event.step_failure_data.error)}"
        for event in result.get_step_failure_events()
        if event.step_failure_data.error is not None
    ]
    return f"{day}: the {DAILY_JOB} run failed at {'; '.join(errors) or 'an unknown step'} {where}"


def materialise_days(
    settings: Settings,
    days: Iterable[str],
    *,
    baselines: bool = True,
    say: Callable[[str], None] = print,
) -> BatchSummary:
    """One `daily_batch` run per day. Without `baselines`, keyword_baselines is left out, and so is
    what reads it (mart_keyword_activity_hourly, mart_alerts, the daily report) while the
    warehouse has no baselines yet.

    Raises DailyRunFailed at the first failed run: the days after it are not built.
    """
    from socialpulse_assets.definitions import build_definitions

    definitions = build_definitions(settings)
    job = definitions.resolve_job_def(DAILY_JOB)
    selection = None
    if not baselines:
        left_out = AssetSelection.assets("keyword_baselines")
        with Warehouse(settings.resolved_warehouse_url) as db:
            if not db.has_table("keyword_baselines"):
                # What reads the baselines cannot be built before there are any.
                left_out = left_out.downstream()
        chosen = DAILY_SELECTION - left_out
        selection = sorted(chosen.resolve(definitions.resolve_asset_graph()))
    partition_keys = job.partitions_def.get_partition_keys()  # from settings.batch_start
    valid = set(partition_keys)
    summary = BatchSummary(kept_days=day_range(partition_keys))
    summary.skipped = sorted(set(days) - valid)
    if summary.skipped:
        lake = Lake.from_settings(settings)
        skipped = out_of_range(lake, landing_files(lake), valid)
        summary.skipped_out_of_range = sum(
            rows for day, rows in skipped.rows_by_day.items() if day in summary.skipped
        )
        say(
            f"skipping {', '.join(summary.skipped)} ({summary.skipped_out_of_range} landed rows): "
            f"outside the daily partitions {summary.kept_days} (SOCIALPULSE_BATCH_START..today)"
        )
    tags = {PROCESS_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    with DagsterInstance.from_config(str(dagster_home(settings))) as instance:
        for run_id, day in fail_abandoned_runs(instance):
            say(f"marked run {run_id} of {day} failed: the process running it is gone")
        for day in sorted(set(days) & valid):
            say(f"running {DAILY_JOB} for {day}")
            # dagster-dbt echoes dbt's log to stdout; the run's compute logs keep it for the UI.
            with contextlib.redirect_stdout(io.StringIO()):
                result = job.execute_in_process(
                    run_config=RUN_CONFIG,
                    instance=instance,
                    partition_key=day,
                    asset_selection=selection,
                    raise_on_error=False,
                    tags=tags,
                )
            if not result.success:
                raise DailyRunFailed(failure_line(day, result))
            for materialisation in result.asset_materializations_for_node("cleansed_tables"):
                if materialisation.asset_key == AssetKey("posts"):
                    duplicates = materialisation.metadata.get("skipped_duplicates")
                    summary.skipped_duplicates += duplicates.value if duplicates else 0
            summary.days.append(day)
    summary.baselines = baselines and bool(summary.days)
    return summary
