"""Where the resident memory of `socialpulse stream` goes, step by step, in one process.

    SOCIALPULSE_STATE_DIR=/tmp/memprobe PYTHONPATH=. .venv/bin/python \
        benchmarks/stream/memory_probe.py --posts 100000

Records VmRSS (with its anonymous and file-backed parts) and VmHWM from /proc/self/status after
each step, in the order the stream takes them: the CLI's imports, the stream path's imports, each
component built on its own (sentiment scorer, keyword baselines read from a lake, detectors for
many keys, a lake batch written with pyarrow, librdkafka clients), then the whole dataflow run in
this process (Bytewax's `TestingSource` over generated posts, the real enricher, a local lake, the
real lake sink) with RSS sampled while it runs. No broker is needed: the librdkafka clients point
at a closed local port. Prints a markdown table (steps are cumulative: each delta is what that
step added to a process that had done every step above it).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Modules the stream does not need; reported if any step pulled them in.
HEAVY = (
    "dagster",
    "pyspark",
    "pandas",
    "matplotlib",
    "sklearn",
    "scipy",
    "great_expectations",
    "duckdb",
    "dbt",
    "torch",
    "onnxruntime",
    "numpy",
    "river",
    "polars",
    "pyarrow",
    "s3fs",
    "botocore",
    "aiobotocore",
    "rich",
)


def status() -> dict[str, int]:
    """KiB figures of this process from /proc/self/status."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                fields[name] = int(value.split()[0])
            elif name == "Threads":
                fields[name] = int(value)
    return fields


class Probe:
    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, int], str]] = []
        self._last = status()
        self.rows.append(("bare interpreter (after stdlib imports of this script)", self._last, ""))

    def step(
        self, name: str, action: Callable[[], object] | None = None, note: bool = False
    ) -> object:
        """Run `action`, then record; with `note`, also which heavy modules are loaded by then."""
        result = action() if action is not None else None
        gc.collect()
        now = status()
        self.rows.append((name, now, f"loaded: {loaded()}" if note else ""))
        self._last = now
        return result

    def table(self) -> str:
        lines = [
            "| step | RSS MiB | delta MiB | anon MiB | file MiB | HWM MiB | threads | note |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        previous = None
        for name, s, note in self.rows:
            delta = "" if previous is None else f"{(s['VmRSS'] - previous['VmRSS']) / 1024:+.1f}"
            lines.append(
                f"| {name} | {s['VmRSS'] / 1024:.1f} | {delta} | {s['RssAnon'] / 1024:.1f} | "
                f"{s['RssFile'] / 1024:.1f} | {s['VmHWM'] / 1024:.1f} | {s['Threads']} | {note} |"
            )
            previous = s
        return "\n".join(lines)


def loaded(prefixes: tuple[str, ...] = HEAVY) -> str:
    names = {m.split(".")[0] for m in sys.modules}
    return ", ".join(p for p in prefixes if p in names) or "-"


def synthetic_baselines(lake, keys: int) -> None:
    """A `keyword_baselines` object of `keys` keys x 168 hours, as the batch side writes it."""
    import pyarrow as pa

    from socialpulse.contracts import KEYWORD_BASELINES_PATH

    rows = keys * 168
    table = pa.table(
        {
            "key": [f"hashtag:tag{i // 168}" for i in range(rows)],
            "hour_of_week": [i % 168 for i in range(rows)],
            "posts_centre": [1.0 + (i % 7) for i in range(rows)],
            "posts_spread": [0.5] * rows,
        }
    )
    lake.write_table(lake.path(*KEYWORD_BASELINES_PATH), table)


def detectors(keys: int, windows: int) -> list:
    """A `KeyMonitor` per key fed `windows` closed one-minute windows each."""
    from socialpulse.monitoring import KeyMonitor, MonitorConfig
    from socialpulse.windows import WindowStats

    config = MonitorConfig()
    start = datetime(2026, 1, 5, tzinfo=UTC)
    monitors = []
    for k in range(keys):
        monitor = KeyMonitor(config, None)
        key = f"hashtag:tag{k}"
        for w in range(windows):
            at = start + timedelta(minutes=w)
            stats = WindowStats()
            stats.posts = 5 + (w + k) % 3
            monitor.on_item((key, at, at + timedelta(minutes=1), stats))
        monitors.append(monitor)
    return monitors


def landing_records(count: int) -> list[dict]:
    from bytewax.connectors.kafka import KafkaSourceMessage

    from socialpulse.enrichment import Enricher
    from socialpulse.generator import GeneratorConfig, generate_messages
    from streaming_flows.pulse import parse_kafka_message

    enricher = Enricher.from_settings(_settings())
    records = []
    for offset, message in enumerate(generate_messages(GeneratorConfig(count=count, seed=3))):
        parsed = parse_kafka_message(
            KafkaSourceMessage(None, message.value, topic="probe", partition=0, offset=offset)
        )
        records.extend(enricher.enrich(r) for r in parsed)
    return records


def _settings():
    from socialpulse.settings import get_settings

    return get_settings()


def kafka_clients() -> list:
    """The librdkafka clients the production flow makes, against a closed port (no broker)."""
    from confluent_kafka import Consumer, Producer

    config = {"bootstrap.servers": "127.0.0.1:9", "log_level": 0}
    return [
        Consumer({**config, "group.id": "probe", "enable.auto.commit": False}),  # source
        Producer(config),  # dead letters
        Producer(config),  # alerts
        Producer({**config, "linger.ms": "0"}),  # cluster time
        Consumer({**config, "group.id": "probe-time"}),  # cluster time
    ]


def run_flow(
    posts: int, lake_url: str, samples: list[tuple[float, int, int]], recovery: Path | None
) -> float:
    """The dataflow as `production_flow` wires it, Kafka replaced by testing sources/sinks."""
    from bytewax.connectors.kafka import KafkaSourceMessage
    from bytewax.outputs import DynamicSink, StatelessSinkPartition
    from bytewax.testing import TestingSink, TestingSource

    from socialpulse.enrichment import Enricher
    from socialpulse.generator import GeneratorConfig, generate_messages
    from socialpulse.lake import Lake
    from streaming_flows.lake_sink import LakeBatchSink
    from streaming_flows.pulse import FlowConfig, build_flow
    from streaming_flows.runner import RunOptions
    from streaming_flows.runner import run_flow as run_flow_with

    settings = _settings()

    def messages():
        config = GeneratorConfig(count=posts, seed=7, posts_per_minute=60.0)
        for offset, message in enumerate(generate_messages(config)):
            yield KafkaSourceMessage(
                message.key, message.value, topic="probe", partition=offset % 4, offset=offset
            )

    class Discard(DynamicSink):
        def build(self, step_id, worker_index, worker_count):
            class Partition(StatelessSinkPartition):
                def write_batch(self, items):
                    pass

            return Partition()

    config = FlowConfig.from_settings(settings)
    alerts: list = []
    flow = build_flow(
        source=TestingSource(messages(), batch_size=500),
        dead_letter_sink=Discard(),
        lake_sink=LakeBatchSink(lambda: Lake.from_url(lake_url)),
        alert_sinks=[TestingSink(alerts)],
        config=config,
        enricher_factory=lambda: Enricher.from_settings(settings),
    )
    stop = threading.Event()

    def sample() -> None:
        began = time.monotonic()
        while not stop.wait(0.5):
            s = status()
            samples.append((time.monotonic() - began, s["VmRSS"], s["RssAnon"]))

    sampler = threading.Thread(target=sample, daemon=True)
    began = time.monotonic()
    sampler.start()
    run_flow_with(flow, RunOptions(recovery_dir=recovery))
    stop.set()
    sampler.join()
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts through the flow")
    parser.add_argument("--baseline-keys", type=int, default=2000, help="0: none")
    parser.add_argument("--detector-keys", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=5000, help="records in the lake batch")
    parser.add_argument("--skip-components", action="store_true", help="imports, then the flow")
    parser.add_argument("--recovery", action="store_true", help="flow with recovery snapshots")
    parser.add_argument("--write-baselines", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_baselines:
        from socialpulse.lake import Lake

        synthetic_baselines(Lake.from_url(args.write_baselines[0]), int(args.write_baselines[1]))
        return

    state = Path(os.environ.setdefault("SOCIALPULSE_STATE_DIR", tempfile.mkdtemp("memprobe")))
    lake_url = str(state / "probe-lake")
    probe = Probe()

    probe.step("import typer", lambda: __import__("typer"))
    probe.step(
        "import socialpulse.cli.main (every command module registered)",
        lambda: __import__("socialpulse.cli.main"),
        note=True,
    )
    probe.step("import confluent_kafka", lambda: __import__("confluent_kafka"))
    probe.step("import bytewax (operators, kafka connector, run)", _import_bytewax)
    probe.step("import pyarrow, pyarrow.parquet", lambda: __import__("pyarrow.parquet"))
    probe.step("import fsspec", lambda: __import__("fsspec"))
    probe.step("import river.stats", lambda: __import__("river.stats"))
    probe.step(
        "import streaming_flows.pulse, runner, alert_sinks",
        _import_stream,
        note=True,
    )

    # pyarrow imports pandas (when installed) the first time it builds an array: the stream's
    # first landed batch does. Done here so the steps below do not hide it.
    probe.step("import pandas (what pyarrow's first pa.array imports)", _import_pandas)

    if not args.skip_components:
        from socialpulse.baselines import read_keyword_baselines
        from socialpulse.enrichment import Enricher
        from socialpulse.lake import Lake, write_landing_batch

        settings = _settings()
        keep: list[object] = []
        keep.append(
            probe.step(
                "Enricher.from_settings (fast sentiment scorer, watch-list)",
                lambda: Enricher.from_settings(settings),
            )
        )
        lake = Lake.from_url(lake_url)
        probe.step("read_keyword_baselines, no object yet", lambda: read_keyword_baselines(lake))
        if args.baseline_keys:
            # Written by a child process, so building the object costs this one nothing.
            subprocess.run(
                [sys.executable, __file__, "--write-baselines", lake_url, str(args.baseline_keys)],
                check=True,
            )
            keep.append(
                probe.step(
                    f"read_keyword_baselines, {args.baseline_keys:,} keys x 168 hours",
                    lambda: read_keyword_baselines(lake),
                    note=True,
                )
            )
        keep.append(
            probe.step(
                f"KeyMonitor x {args.detector_keys:,} keys, 60 windows each (River detectors)",
                lambda: detectors(args.detector_keys, 60),
            )
        )
        records = probe.step(
            f"generate + enrich {args.batch:,} records (generator imported)",
            lambda: landing_records(args.batch),
        )
        probe.step(
            f"write_landing_batch of {args.batch:,} records (pyarrow, zstd Parquet)",
            lambda: write_landing_batch(lake, records, "probe", 0),
        )
        probe.step(
            "write_landing_batch again (read + merge + rewrite)",
            lambda: write_landing_batch(lake, records, "probe", 0),
        )
        del records
        probe.step("drop the records")
        keep.append(probe.step("5 librdkafka clients (closed port)", kafka_clients))

    samples: list[tuple[float, int, int]] = []
    recovery = state / "recovery" if args.recovery else None
    seconds = probe.step(
        f"run the dataflow over {args.posts:,} generated posts (TestingSource, local lake)",
        lambda: run_flow(args.posts, str(state / "flow-lake"), samples, recovery),
        note=True,
    )
    import socialpulse

    print(f"code: {Path(socialpulse.__file__).parent.parent} at {_commit(socialpulse.__file__)}")
    print()
    print(probe.table())
    print()
    print(f"flow: {args.posts:,} posts in {seconds:.1f} s; loaded modules: {loaded()}")
    if samples:
        print()
        print("| seconds into the flow | RSS MiB | anon MiB |")
        print("| ---: | ---: | ---: |")
        every = max(1, len(samples) // 20)
        for at, rss, anon in [*samples[::every], samples[-1]]:
            print(f"| {at:.1f} | {rss / 1024:.0f} | {anon / 1024:.0f} |")


def _import_bytewax() -> None:
    import bytewax.connectors.kafka
    import bytewax.operators
    import bytewax.run  # noqa: F401


def _commit(path: str) -> str:
    tree = Path(path).parent
    return subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()


def _import_pandas() -> None:
    import pandas  # noqa: F401


def _import_stream() -> None:
    import streaming_flows.alert_sinks
    import streaming_flows.pulse
    import streaming_flows.runner  # noqa: F401


if __name__ == "__main__":
    main()
