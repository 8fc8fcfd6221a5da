"""`socialpulse batch`: the Dagster daily assets for landed days, without a Dagster deployment."""

from __future__ import annotations

import typer
from rich.console import Console

from socialpulse.cli.checks import parse_days
from socialpulse.redaction import redact
from socialpulse.settings import get_settings

console = Console()


def batch(
    day: list[str] = typer.Option(
        None,
        "--day",
        "-d",
        callback=parse_days,
        help="A YYYY-MM-DD day to (re)build; repeat it. Default: every landed day.",
    ),
    baselines: bool = typer.Option(True, help="Recompute keyword_baselines afterwards."),
) -> None:
    """Parse the lake into the warehouse, then trending, sentiment summary and baselines.

    The runs are recorded in the Dagster instance under <state_dir>/dagster (or DAGSTER_HOME), so
    `make dagster` shows them. Re-running a day replaces it; nothing is duplicated. A failed step
    ends the command with one line and exit code 1; its traceback is in the run's log.
    """
    from socialpulse.lake import Lake, landed_days
    from socialpulse_assets.run import BatchStepFailed, materialise_days

    settings = get_settings()
    days = day or landed_days(Lake.from_settings(settings))
    if not days:
        console.print(
            f"no landing files under {redact(settings.resolved_lake_url)}/landing: run "
            "`socialpulse demo` or the stream first"
        )
        raise typer.Exit(1)
    try:
        summary = materialise_days(
            settings,
            days,
            baselines=baselines,
            say=lambda line: console.print(f"[dim]…[/dim] {line}"),
        )
    except BatchStepFailed as failure:
        # One line, not a traceback: Typer's pretty printer took minutes over Dagster's frames.
        console.print(
            f"[red]batch failed[/red] in {failure.what}: step {failure.step}: {failure.cause}. "
            "Fix or move aside the input it names, then rerun `socialpulse batch`; the "
            f"traceback is in run {failure.run_id} (`make dagster`).",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    console.print(
        f"built {len(summary.days)} day(s) into {redact(settings.resolved_warehouse_url)}; "
        f"kept days {summary.kept_days}; skipped "
        f"{summary.skipped_duplicates} repeated deliveries and "
        f"{summary.skipped_out_of_range} rows dated outside them"
        + (f" ({', '.join(summary.skipped)})" if summary.skipped else ""),
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)
