"""`socialpulse stream`: run the Bytewax dataflow from the posts topic."""

from __future__ import annotations

import signal
from pathlib import Path

import typer

from socialpulse.settings import get_settings


def stream(
    workers: int = typer.Option(1, "--workers", "-w", help="Worker threads in this process."),
    process_id: int | None = typer.Option(
        None, "--process-id", "-i", help="This process's index in a cluster (with --addresses)."
    ),
    addresses: str = typer.Option(
        "", "--addresses", "-a", help="host:port of every process in the cluster, ';'-separated."
    ),
    recovery_dir: Path | None = typer.Option(
        None, help="Recovery database directory (default: SOCIALPULSE_RECOVERY_DIR)."
    ),
    no_recovery: bool = typer.Option(
        False, "--no-recovery", help="Run without recovery snapshots."
    ),
    recovery_partitions: int = typer.Option(
        1, help="Partitions created in a new recovery directory."
    ),
) -> None:
    """Consume posts, land them in the lake, detect anomalies per key and send alerts.

    Killed and restarted with the same recovery directory, it resumes from the last snapshot:
    Kafka offsets, open windows and detector state, so nothing is lost and nothing the user sees
    is duplicated.
    """
    from streaming_flows.pulse import production_flow
    from streaming_flows.runner import RunOptions, run_flow

    settings = get_settings()
    options = RunOptions(
        workers_per_process=workers,
        process_id=process_id,
        addresses=tuple(a for a in addresses.split(";") if a),
        recovery_dir=None if no_recovery else (recovery_dir or settings.resolved_recovery_dir),
        recovery_partitions=recovery_partitions,
    )
    typer.echo(
        f"streaming {settings.posts_topic} from {settings.kafka_bootstrap} with {workers} "
        f"worker(s); lake {settings.resolved_lake_url}; recovery "
        f"{options.recovery_dir or 'off'}"
    )
    flow = production_flow(settings)
    # A SIGTERM ignored by whatever started us (an inherited SIG_IGN survives exec) would make the
    # flow unstoppable by a supervisor; stopping at any moment is safe, the recovery snapshot and
    # deterministic lake objects make the restart lose and duplicate nothing.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    run_flow(flow, options)


def register(app: typer.Typer) -> None:
    app.command("stream")(stream)
