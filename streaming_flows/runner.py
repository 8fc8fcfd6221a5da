"""Run the dataflow in this process: one or more workers, optional cluster, with recovery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bytewax.dataflow import Dataflow
from bytewax.recovery import RecoveryConfig, init_db_dir
from bytewax.run import cli_main


@dataclass(frozen=True)
class RunOptions:
    workers_per_process: int = 1
    process_id: int | None = None
    addresses: tuple[str, ...] = ()
    recovery_dir: Path | None = None
    recovery_partitions: int = 1
    epoch_interval: timedelta = timedelta(seconds=5)


def ensure_recovery_dir(directory: Path, partitions: int) -> Path:
    """Create the recovery partitions once; later runs resume from them."""
    directory.mkdir(parents=True, exist_ok=True)
    if not any(directory.glob("part-*.sqlite3")):
        init_db_dir(directory, partitions)
    return directory


def run_flow(flow: Dataflow, options: RunOptions) -> None:
    recovery = None
    if options.recovery_dir is not None:
        recovery = RecoveryConfig(
            ensure_recovery_dir(options.recovery_dir, options.recovery_partitions)
        )
    cli_main(
        flow,
        workers_per_process=options.workers_per_process,
        process_id=options.process_id,
        addresses=list(options.addresses) or None,
        epoch_interval=options.epoch_interval,
        recovery_config=recovery,
    )
