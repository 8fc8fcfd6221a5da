"""`socialpulse stream`: run the Bytewax dataflow from the posts topic."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import typer

from socialpulse import metrics
from socialpulse.cli.checks import load_settings
from socialpulse.logging_setup import configure_logging
from socialpulse.redaction import redact
from socialpulse.settings import Settings, get_settings

log = logging.getLogger(__name__)

# A broker that does not answer a metadata request within this long at start is a wrong address
# or a stopped broker: say so once instead of retrying for ever.
BROKER_CHECK_SECONDS = 5.0
# SIGTERM: the flow ends itself after its next snapshot (one epoch, 5 s); past this deadline it is
# interrupted, which is still safe (the restart replays from the last snapshot into idempotent
# sinks) but repeats work.
STOP_DEADLINE_SECONDS = 8.0
# After the interrupt: a process of a cluster can wait for its peers for ever; end it like a kill
# (which recovery is built to survive) rather than overrun the supervisor's grace period.
EXIT_GRACE_SECONDS = 1.5


def stream(
    workers: int = typer.Option(
        1, "--workers", "-w", min=1, help="Worker threads in this process."
    ),
    process_id: int | None = typer.Option(
        None,
        "--process-id",
        "-i",
        min=0,
        help="This process's index in a cluster (with --addresses).",
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
        1, min=1, help="Partitions created in a new recovery directory."
    ),
) -> None:
    """Consume posts, land them in the lake, detect anomalies per key and send alerts.

    Killed and restarted with the same recovery directory, it resumes from the last snapshot:
    Kafka offsets, open windows and detector state, so nothing is lost and nothing the user sees
    is duplicated. SIGTERM (or Ctrl-C) stops reading, waits for the next snapshot and exits 0.
    """
    from streaming_flows.pulse import production_flow
    from streaming_flows.runner import RunOptions, run_flow

    cluster = cluster_addresses(process_id, addresses)
    settings = load_settings(get_settings)
    options = RunOptions(
        workers_per_process=workers,
        process_id=process_id,
        addresses=cluster,
        recovery_dir=None if no_recovery else (recovery_dir or settings.resolved_recovery_dir),
        recovery_partitions=recovery_partitions,
    )
    if options.recovery_dir is not None and options.recovery_dir.is_file():
        raise typer.BadParameter(
            f"{options.recovery_dir} is a file; give a folder (created when missing)",
            param_hint="--recovery-dir" if recovery_dir else "$SOCIALPULSE_RECOVERY_DIR",
        )
    configure_logging(settings.log_level, settings.log_format)
    problem = broker_problem(settings)
    if problem is not None:
        log.error(problem)
        raise typer.Exit(2)
    log.info(
        "streaming %s from %s with %d worker(s); lake %s; recovery %s",
        settings.posts_topic,
        settings.kafka_bootstrap,
        workers,
        redact(settings.resolved_lake_url),
        options.recovery_dir or "off",
    )
    flow = production_flow(settings, process_id=options.process_id, addresses=options.addresses)
    run_until_stopped(lambda: run_flow(flow, options), drain=options.recovery_dir is not None)


def cluster_addresses(process_id: int | None, addresses: str) -> tuple[str, ...]:
    """The `host:port` of every process of the cluster; () for one process. Usage errors for
    what Bytewax would otherwise hang on (a missing or out-of-range index) or fail on."""
    cluster = tuple(a.strip() for a in addresses.split(";") if a.strip())
    for address in cluster:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise typer.BadParameter(
                f"{address!r} is not host:port (port 1-65535); give every process as "
                "host:port, ';'-separated, e.g. 10.0.0.1:2101;10.0.0.2:2101",
                param_hint="--addresses",
            )
    if cluster and process_id is None:
        raise typer.BadParameter(
            f"a cluster of {len(cluster)} needs this process's index: add --process-id 0 to "
            f"{len(cluster) - 1}",
            param_hint="--addresses",
        )
    if process_id is not None and not cluster:
        raise typer.BadParameter(
            "a cluster process needs --addresses (host:port of every process, ';'-separated); "
            "leave out --process-id to run one process",
            param_hint="--process-id",
        )
    if process_id is not None and process_id >= len(cluster):
        raise typer.BadParameter(
            f"{process_id} is not an index of the {len(cluster)} --addresses; "
            f"use 0 to {len(cluster) - 1}",
            param_hint="--process-id",
        )
    return cluster


def broker_problem(settings: Settings, timeout: float = BROKER_CHECK_SECONDS) -> str | None:
    """None if the broker answers a metadata request in time, else one line saying what to do."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    if not settings.kafka_bootstrap.strip():
        return "SOCIALPULSE_KAFKA_BOOTSTRAP is empty; set it to the broker's host:port"
    try:
        # log_level 0: the client's own connection errors would repeat what the one line says.
        admin = AdminClient({**settings.kafka_config(), "log_level": 0})
    except KafkaException as error:
        reason = error.args[0].str() if error.args else str(error)
        return f"invalid Kafka client setting: {reason}; check the SOCIALPULSE_KAFKA_* variables"
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException as error:
        reason = error.args[0].str() if error.args else str(error)
        return (
            f"cannot reach the Kafka broker at {settings.kafka_bootstrap} "
            f"(SOCIALPULSE_KAFKA_BOOTSTRAP) within {timeout:.0f} s: {reason}. Start it "
            "(`socialpulse services up`) or point SOCIALPULSE_KAFKA_BOOTSTRAP at a running broker."
        )
    return None


def run_until_stopped(run: Callable[[], None], drain: bool) -> None:
    """Run the flow; on SIGTERM or SIGINT stop it cleanly and return (exit code 0).

    With `drain` (recovery on) the source partitions stop reading and end the run after the next
    snapshot has been committed (see `streaming_flows.shutdown`); a watchdog interrupts the run
    if that has not happened within `STOP_DEADLINE_SECONDS`. Without recovery there is nothing
    to commit, so the run is interrupted at once. A second signal interrupts at once too.
    """
    from bytewax.errors import BytewaxRuntimeError

    from streaming_flows.shutdown import (
        StreamStopped,
        all_committed,
        request_stop,
        stop_requested,
    )

    finished = threading.Event()
    interrupted = threading.Event()

    def interrupt() -> None:
        # Only once: a later signal must not break the orderly exit that follows.
        if not interrupted.is_set():
            interrupted.set()
            raise KeyboardInterrupt

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop_requested():
            interrupt()
            return
        name = signal.Signals(signum).name
        request_stop()
        if drain:
            log.info(
                "%s: stopping after the next snapshot (at most %.0f s)", name, STOP_DEADLINE_SECONDS
            )
        else:
            log.info("%s: stopping (no recovery: nothing to snapshot)", name)
        deadline = time.monotonic() + (STOP_DEADLINE_SECONDS if drain else 0)
        threading.Thread(
            target=_interrupt_when_stuck, args=(finished, deadline), daemon=True
        ).start()

    # Replaces whatever SIGTERM disposition we inherited (an ignored SIGTERM survives exec and
    # would make the flow unstoppable by a supervisor).
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        run()
    except BaseException as error:
        if not stop_requested() or not (
            _is_shutdown_panic(error)
            or (
                isinstance(error, (KeyboardInterrupt, BytewaxRuntimeError))
                and _caused_by(error, (KeyboardInterrupt, StreamStopped))
            )
        ):
            raise
        # An interrupt once every partition has committed (a worker without partitions does not
        # end by itself) is a clean stop; any other lost the last epoch.
        if not all_committed():
            log.warning(
                "stopped before the last epoch was committed; the restart replays from the "
                "previous snapshot (the lake objects and alert ids are the same, so nothing is "
                "duplicated)"
            )
            return
    finally:
        finished.set()
        _log_counts()
    if stop_requested():
        log.info("stopped after committing a snapshot; a restart resumes exactly there")


def _log_counts() -> None:
    """What this process did, in one line (also Prometheus counters while it runs)."""
    counts = metrics.snapshot()
    log.info(
        "this run: %d messages read, %d posts landed, %d rejected, %d late observations, "
        "%d alerts; posts took up to %.1f s from the source to the windows",
        counts["messages"],
        counts["posts_landed"],
        sum(counts["rejected"].values()),
        counts["late_observations"],
        sum(counts["alerts"].values()),
        counts["longest_in_flight"],
    )


def _interrupt_when_stuck(finished: threading.Event, deadline: float) -> None:
    """Interrupt the run at `deadline`, or once this process has no partition left.

    Workers without a source partition (more workers than partitions) never end by themselves.
    The interrupt is a SIGINT to the main thread (which wakes it from a blocking call), turned
    into `KeyboardInterrupt` by the handler.
    """
    from streaming_flows.shutdown import partitions_running

    idle_since: float | None = None
    while not finished.wait(0.1):
        now = time.monotonic()
        if partitions_running() == 0:
            idle_since = idle_since or now
        if idle_since is not None and now - idle_since >= 1.0:
            break
        if now >= deadline:
            log.info("interrupting the flow; %d partition(s) still running", partitions_running())
            break
    else:
        return
    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    if not finished.wait(EXIT_GRACE_SECONDS):
        log.warning(
            "the flow did not stop within %.1f s of the interrupt; exiting now (the restart "
            "replays from the last committed snapshot)",
            EXIT_GRACE_SECONDS,
        )
        _log_counts()
        os._exit(0)


def _is_shutdown_panic(error: BaseException) -> bool:
    """Bytewax's Rust runtime panicking while a stop was under way. In a cluster (`-a`) the
    processes stop on their own signals: one that has committed and exited leaves its peers'
    communication threads without a partner, and a peer interrupted at its deadline then ends
    in `PanicException: Send thread panic` (pyo3's, a `BaseException` that cannot be imported)
    instead of `KeyboardInterrupt`. Seen in `benchmarks/stream` runs with two processes."""
    return type(error).__name__ == "PanicException"


def _caused_by(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kinds):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def register(app: typer.Typer) -> None:
    app.command("stream")(stream)
