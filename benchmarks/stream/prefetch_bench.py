"""Peak RSS and throughput of `socialpulse stream` under different librdkafka fetch settings.

One topic of `--posts` generated posts is produced once; then `socialpulse stream -w 1` reads it
once per configuration and round (a, b, c, a, b, c, ...), each run as `bench_stream.py` runs it
(the CLI in a subprocess, fresh state, until every post is landed). The consumer settings of each
configuration are put in `SOCIALPULSE_KAFKA_SOURCE_CONFIG` (JSON) for the stream; the stream does
not read that variable: for the experiment, `PostsKafkaSource.__init__` got two lines, not kept,
after `config = ...`:

    import json as _json, os as _os  # EXPERIMENT ONLY
    config.update(_json.loads(_os.environ.get("SOCIALPULSE_KAFKA_SOURCE_CONFIG", "{}")))

The measurements in memory.md ("Kafka prefetch") were taken before the source had its own
defaults (`SOURCE_CONSUMER_DEFAULTS`), with configuration "a" empty: librdkafka's defaults, which
"a" now spells out.

While a run goes on, /proc/PID/status of the stream process is sampled every 0.25 s (VmRSS,
RssAnon, RssFile, Threads); at each new high (10 MiB above the last one read) /proc/PID/smaps is
read and its resident memory split into: the main heap ([heap]), anonymous mappings of 60 MiB or
more reserved (glibc's per-thread malloc arenas reserve 64 MiB each), other anonymous mappings,
and file-backed mappings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_stream

from socialpulse.generator import GeneratorConfig
from socialpulse.settings import Settings

CONFIGS = {
    "a": {  # librdkafka's defaults
        "queued.max.messages.kbytes": "65536",
        "fetch.max.bytes": "52428800",
        "fetch.queue.backoff.ms": "1000",
    },
    "b": {"queued.max.messages.kbytes": "8192"},
    "c": {
        "queued.max.messages.kbytes": "1024",
        "fetch.max.bytes": str(1 << 20),
        "max.partition.fetch.bytes": str(1 << 20),
    },
    # The broker honours the request's fetch.max.bytes on compressed bytes (zstd: ~7x), and
    # librdkafka requires fetch.max.bytes >= message.max.bytes.
    "d": {
        "queued.max.messages.kbytes": "2048",
        "fetch.max.bytes": str(128 << 10),
        "message.max.bytes": str(128 << 10),
        "max.partition.fetch.bytes": str(128 << 10),
        "fetch.queue.backoff.ms": "100",
    },
    # c with a shorter wait before checking a full queue again (librdkafka's default is 1 s):
    # the source's defaults since this experiment.
    "e": {
        "queued.max.messages.kbytes": "1024",
        "fetch.max.bytes": str(1 << 20),
        "fetch.queue.backoff.ms": "100",
    },
}
# The same consumer settings with glibc's malloc limited to 2 arenas (it makes up to 8 per core
# for a multi-threaded process: librdkafka's threads each allocate in their own).
CONFIGS["f"] = CONFIGS["e"]
CONFIGS["g"] = CONFIGS["a"]
ENVS = {"f": {"MALLOC_ARENA_MAX": "2"}, "g": {"MALLOC_ARENA_MAX": "2"}}
ENV = "SOCIALPULSE_KAFKA_SOURCE_CONFIG"
SMAPS_DIR: Path | None = None


def status(pid: int) -> dict[str, int]:
    text = Path(f"/proc/{pid}/status").read_text()
    out = {}
    for key in ("VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads"):
        match = re.search(rf"^{key}:\s+(\d+)", text, re.M)
        out[key] = int(match.group(1)) if match else 0
    return out


def smaps_split(pid: int) -> dict[str, float]:
    """Resident MiB of the heap, 60+ MiB anonymous mappings (arenas), other anon, file."""
    split = {"heap": 0, "arenas": 0, "arena_count": 0, "anon_other": 0, "file": 0}
    size = 0
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            lo, hi = (int(x, 16) for x in head[0].split("-"))
            size = hi - lo
            name = head[5] if len(head) > 5 else ""
        elif head[0] == "Rss:":
            rss = int(head[1])
            if name == "[heap]":
                split["heap"] += rss
            elif name.startswith("/"):
                split["file"] += rss
            elif size >= 60 << 20:
                split["arenas"] += rss
                split["arena_count"] += 1
            else:
                split["anon_other"] += rss
    return {k: (v / 1024 if k != "arena_count" else v) for k, v in split.items()}


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.label = os.environ.get("PREFETCH_LABEL", str(pid))
        self.began = time.monotonic()
        self.peak: dict[str, int] = {}
        self.peak_at = 0.0
        self.split: dict[str, float] = {}
        self.split_rss = 0
        self.series: list[tuple[float, int]] = []
        self.max_threads = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.25):
            try:
                now = status(self.pid)
                self.max_threads = max(self.max_threads, now["Threads"])
                self.series.append((time.monotonic() - self.began, now["VmRSS"]))
                if now["VmRSS"] > self.peak.get("VmRSS", 0):
                    self.peak, self.peak_at = now, time.monotonic() - self.began
                    if now["VmRSS"] > self.split_rss + 10 * 1024:
                        self.split, self.split_rss = smaps_split(self.pid), now["VmRSS"]
                        if SMAPS_DIR is not None:
                            smaps = Path(f"/proc/{self.pid}/smaps").read_text()
                            (SMAPS_DIR / f"{self.label}.smaps").write_text(smaps)
            except (OSError, ValueError):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


SAMPLERS: list[Sampler] = []


class SampledRun(bench_stream.StreamRun):
    def start(self) -> None:
        super().start()
        sampler = Sampler(self.popen[0].pid)
        sampler.start()
        SAMPLERS.append(sampler)

    def stop(self):
        SAMPLERS[-1].stop()
        return super().stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--configs", default="abc")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bootstrap", default=Settings().kafka_bootstrap)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--smaps-dir", type=Path, help="keep /proc/PID/smaps at each run's peak")
    args = parser.parse_args()
    global SMAPS_DIR
    SMAPS_DIR = args.smaps_dir
    if SMAPS_DIR is not None:
        SMAPS_DIR.mkdir(parents=True, exist_ok=True)
    bench_stream.StreamRun = SampledRun

    print(bench_stream.machine())
    topic = f"bench-posts-{uuid.uuid4().hex[:8]}"
    bench_stream.create_topics(args.bootstrap, {topic: args.partitions})
    produced, seconds = bench_stream.produce(
        args.bootstrap, topic, GeneratorConfig(count=args.posts, seed=args.seed)
    )
    print(f"- topic {topic}: {produced:,} posts, {args.partitions} partitions, in {seconds:.1f} s")
    header = (
        "| run | config | load avg before | wall s | posts/s | steady posts/s | CPU µs/post "
        "| VmHWM MiB | peak VmRSS MiB (at s) | anon | file | heap | 64 MiB arenas (n) "
        "| other anon | threads |"
    )
    rows = [header, "| " + " | ".join(["---"] * 15) + " |"]
    series = {}
    with tempfile.TemporaryDirectory(prefix="prefetch-") as scratch:
        for round_ in range(args.rounds):
            for name in args.configs:
                os.environ[ENV] = json.dumps(CONFIGS[name])
                os.environ["PREFETCH_LABEL"] = f"{name}{round_ + 1}"
                for key in ("MALLOC_ARENA_MAX",):
                    os.environ.pop(key, None)
                os.environ.update(ENVS.get(name, {}))
                load = os.getloadavg()[0]
                print(f"round {round_ + 1} config {name}", file=sys.stderr)
                result = bench_stream.run_throughput(
                    args.bootstrap,
                    topic,
                    produced,
                    Path(scratch) / f"{name}{round_}",
                    1,
                    1,
                    0,
                    args.timeout,
                )
                s = SAMPLERS[-1]
                if not result.ok:
                    rows.append(f"| {round_ + 1} | {name} | failed: {result.problem[:300]!r} |")
                    continue
                p, sp = s.peak, s.split
                rows.append(
                    f"| {round_ + 1} | {name} | {load:.2f} | {result.landed_s:.1f} | "
                    f"{result.e2e_rate:,.0f} | {result.steady_rate:,.0f} | "
                    f"{result.cpu_total / produced * 1e6:.0f} | {result.peak_rss[0]:.0f} | "
                    f"{p['VmRSS'] / 1024:.0f} ({s.peak_at:.1f}) | {p['RssAnon'] / 1024:.0f} | "
                    f"{p['RssFile'] / 1024:.0f} | {sp.get('heap', 0):.0f} | "
                    f"{sp.get('arenas', 0):.0f} ({sp.get('arena_count', 0):.0f}) | "
                    f"{sp.get('anon_other', 0):.0f} | {s.max_threads} |"
                )
                series[f"{name}{round_ + 1}"] = s.series
                print("\n".join(rows), file=sys.stderr)
                if args.output:
                    args.output.write_text("\n".join(rows) + "\n")
    print(f"- load average at the end {os.getloadavg()}")
    print("\n".join(rows))
    if args.output:
        args.output.with_suffix(".series.json").write_text(json.dumps(series))


if __name__ == "__main__":
    main()
