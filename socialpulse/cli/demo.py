"""`socialpulse demo`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from socialpulse.cli.checks import load_settings, share
from socialpulse.redaction import redact
from socialpulse.settings import get_settings

console = Console()


def demo(
    posts: int = typer.Option(3000, min=1, help="How many synthetic posts to generate."),
    malformed_rate: float = typer.Option(
        0.02, help="Share of deliberately malformed records (they go to the dead-letter topic)."
    ),
    seed: int = typer.Option(7, help="Seed of the synthetic generator."),
) -> None:
    """Generate posts, push them through Kafka and the dataflow, land and load them, summarise."""
    share(malformed_rate, "--malformed-rate")
    settings = load_settings(get_settings)  # first: a malformed setting is one usage error
    from socialpulse.demo import run_demo
    from socialpulse_assets.run import DailyRunFailed

    try:
        summary = run_demo(
            settings,
            posts=posts,
            malformed_rate=malformed_rate,
            seed=seed,
            say=lambda line: console.print(f"[dim]…[/dim] {line}"),
        )
    except DailyRunFailed as failure:
        console.print(f"[red]error:[/red] {redact(str(failure))}", soft_wrap=True)
        raise typer.Exit(1) from None
    table = Table(title="socialpulse demo", show_header=False)
    table.add_column("what")
    table.add_column("result")
    rejected = sum(summary.rejected.values())
    reasons = ", ".join(f"{r}: {int(n)}" for r, n in sorted(summary.rejected.items())) or "none"
    rows = [
        ("messages produced", f"{summary.produced} ({summary.malformed_produced} malformed)"),
        ("messages read by the flow", str(summary.messages_read)),
        ("dead-lettered", f"{int(rejected)} ({reasons})"),
        ("posts landed", f"{summary.posts_landed} in {summary.landing_files} Parquet file(s)"),
        ("late (landed, not windowed)", str(summary.late_observations)),
        ("lake", redact(summary.lake_url)),
        ("warehouse rows (posts)", f"{summary.warehouse_rows} in {redact(summary.warehouse_url)}"),
        ("alerts", "\n".join([str(summary.alerts), *summary.alert_lines])),
        ("top hashtags", ", ".join(f"#{tag} ({n})" for tag, n in summary.top_hashtags)),
        ("sentiment", ", ".join(f"{k}: {v}" for k, v in summary.sentiment_split.items())),
        ("batch (daily_batch job)", ", ".join(summary.batch_days) or "no day materialised"),
        (
            "trending challenges",
            ", ".join(f"#{k} ({p} posts, {a} authors)" for k, p, a in summary.trending) or "none",
        ),
        ("time", f"{summary.seconds:.1f} s"),
    ]
    for what, result in rows:
        table.add_row(what, result)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
