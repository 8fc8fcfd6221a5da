"""`socialpulse batch`: the daily_batch job for landed days, without a Dagster deployment."""

from __future__ import annotations

import typer
from rich.console import Console

from socialpulse.cli.checks import load_settings, parse_days
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
    baselines: bool = typer.Option(
        True,
        help="Recompute keyword_baselines in each day's run; --no-baselines keeps the last ones "
        "(and, before there are any, leaves out the marts and report that read them).",
    ),
) -> None:
    """Run the daily_batch job for each day: warehouse tables, checks, analytics, marts, report.

    It is the job the schedule runs; the runs are recorded in the Dagster instance under
    <state_dir>/dagster (or DAGSTER_HOME), so `make dagster` shows them. A failed blocking check
    stops the day's downstream assets and the command. Re-running a day replaces it.
    """
    settings = load_settings(get_settings)  # first: a malformed setting is one usage error
    from socialpulse.lake import Lake, landed_days
    from socialpulse_assets.run import DailyRunFailed, materialise_days

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
    except DailyRunFailed as failure:
        # One line, not a traceback (the run's log in the Dagster instance has it).
        console.print(
            f"[red]batch failed:[/red] {redact(str(failure))}; fix what it names, then rerun "
            "`socialpulse batch`",
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
