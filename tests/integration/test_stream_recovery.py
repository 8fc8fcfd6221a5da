"""`socialpulse stream` against the real broker: killed and restarted, and run as two processes.

What the user sees must not change: every valid post lands exactly once in the lake and the
warehouse, every bad message is in the dead-letter topic with its reason, every alert reaches a
failing webhook receiver once it recovers, and a two-process cluster lands the same posts as one
process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.kafka_producer import PostProducer
from socialpulse.lake import Lake, landing_files
from socialpulse.services.processes import wait_until
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    for future in futures.values():
        future.result(10)


def _topics_with_posts(
    bootstrap: str, partitions: int, config: GeneratorConfig
) -> tuple[tuple[str, str, str], list]:
    """Fresh posts, dead-letter and alerts topics, with generated posts (3% malformed) in."""
    suffix = uuid.uuid4().hex[:8]
    topics = (f"posts-{suffix}", f"dlq-{suffix}", f"alerts-{suffix}")
    _create_topics(bootstrap, list(topics), partitions)
    messages = list(generate_messages(replace(config, malformed_rate=0.03)))
    with PostProducer(Settings(kafka_bootstrap=bootstrap)) as producer:
        for message in messages:
            producer.send(topics[0], message.value, key=message.key)
    return topics, messages


def _landed(lake_dir: Path) -> pl.DataFrame:
    lake = Lake.from_url(str(lake_dir))
    frame = lake.read(landing_files(lake))
    return frame if not frame.is_empty() else pl.DataFrame({"id": []}, schema={"id": pl.String})


def _stream_env(
    bootstrap: str, state_dir: Path, topics: tuple[str, str, str], **settings: str
) -> dict[str, str]:
    """The stream's environment: its own state dir and topics, landing every second."""
    posts, dlq, alerts = topics
    chosen = {
        "STATE_DIR": str(state_dir),
        "KAFKA_BOOTSTRAP": bootstrap,
        "POSTS_TOPIC": posts,
        "DLQ_TOPIC": dlq,
        "ALERTS_TOPIC": alerts,
        "LAKE_FLUSH_SECONDS": "1",
        **settings,
    }
    return {**os.environ, **{f"SOCIALPULSE_{k}": v for k, v in chosen.items()}}


def _start_stream(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "socialpulse.cli.main", "stream", *(args or ("-w", "2"))],
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if it has not stopped within 30 s (so no stream outlives the test)."""
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(30)
        raise AssertionError("the stream did not stop on SIGTERM within 30 s") from None


class _Receiver:
    """A webhook receiver that is down, then answers 500, then answers after 10 s, then 204.

    It records every request it answers, with the answer, keyed by `webhook-id`.
    """

    def __init__(self) -> None:
        self.port = _free_port()
        self.mode = "down"
        self.answers: list[tuple[str, int, str]] = []  # (webhook-id, status, mode)
        self._server: ThreadingHTTPServer | None = None

    def switch(self, mode: str) -> None:
        if self._server is None and mode != "down":
            receiver = self

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self) -> None:
                    self.rfile.read(int(self.headers["Content-Length"]))
                    mode = receiver.mode
                    if mode == "slow":
                        time.sleep(10)
                    status = 500 if mode == "failing" else 204
                    self.send_response(status)
                    self.end_headers()
                    receiver.answers.append((self.headers["webhook-id"], status, mode))

                def log_message(self, *args: object) -> None:
                    pass

            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.mode = mode

    def acknowledged(self) -> list[str]:
        return [alert_id for alert_id, status, _ in list(self.answers) if status < 300]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _lake_alert_ids(lake_dir: Path) -> set[str]:
    lake = Lake.from_url(str(lake_dir))
    files = lake.list_files("alerts")
    return set(lake.read(files)["alert_id"]) if files else set()


def test_killed_twice_while_50k_posts_flow_and_the_receiver_fails_nothing_is_lost_or_doubled(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """SIGKILL twice mid-stream, the webhook receiver down, failing and slow: counted end to end.

    Every accepted post lands once, loads into the warehouse once through `socialpulse batch`;
    every malformed one is dead-lettered with its reason; every alert in the lake reaches the
    receiver once (acknowledged), after the receiver recovers, while the stream kept going.
    """
    # 50,000 posts over about 10 hours of one day's event time, on two partitions.
    config = GeneratorConfig(50_000, seed=21, posts_per_minute=120)
    topics, messages = _topics_with_posts(kafka_bootstrap, 2, config)
    valid_ids = {m.post.id for m in messages if not m.malformed}
    receiver = _Receiver()
    env = _stream_env(
        kafka_bootstrap,
        tmp_path,
        topics,
        LAKE_BATCH_SIZE="2000",
        WEBHOOK_URLS=f"http://127.0.0.1:{receiver.port}/hook",
        WEBHOOK_TIMEOUT_SECONDS="12",  # the slow receiver answers within it
        WEBHOOK_RETRY_SECONDS="1",  # then every 12 to 14.4 s (never sooner than the timeout)
    )
    log = tmp_path / "stream.log"
    lake_dir = tmp_path / "lake"

    def landed_count() -> int:
        return _landed(lake_dir)["id"].n_unique()

    try:
        # Two kills while posts flow and the receiver is down: alerts wait in the outbox.
        for at_least in (8_000, 25_000):
            stream = _start_stream(env, log)
            try:
                assert wait_until(lambda n=at_least: landed_count() >= n, 90, 0.1), log.read_text()[
                    -3000:
                ]
            finally:
                stream.send_signal(signal.SIGKILL)
                stream.wait()
            assert landed_count() < len(valid_ids), "killed too late to test anything"
        killed_with_alerts = _lake_alert_ids(lake_dir)

        # The third run: the receiver fails with 500 until half the rest has landed, then takes
        # 10 s per answer; the stream must land everything meanwhile (it does not wait on it).
        receiver.switch("failing")
        stream = _start_stream(env, log)
        try:
            halfway = (landed_count() + len(valid_ids)) // 2
            assert wait_until(lambda: landed_count() >= halfway, 90, 0.1), log.read_text()[-3000:]
            receiver.switch("slow")
            assert wait_until(lambda: landed_count() == len(valid_ids), 90), log.read_text()[-3000:]
            assert receiver.mode == "slow", "the stream waited on the receiver"
            # A retry of what failed comes 12 to 14.4 s later: let it meet the slow receiver.
            assert wait_until(lambda: any(m == "slow" for _, _, m in receiver.answers), 40)
            in_lake = _lake_alert_ids(lake_dir)
            assert len(in_lake) >= 3, "too few alerts to test their delivery"
            receiver.switch("ok")
            assert wait_until(lambda: set(receiver.acknowledged()) >= in_lake, 90), (
                sorted(in_lake - set(receiver.acknowledged())),
                log.read_text()[-3000:],
            )
            time.sleep(3)  # a re-sent delivery would show up as a second acknowledgement
        finally:
            _stop(stream)
    finally:
        receiver.close()

    landed = _landed(lake_dir)
    assert set(landed["id"]) == valid_ids
    assert landed.height == len(valid_ids), "a replayed batch was added instead of rewritten"

    acknowledged = receiver.acknowledged()
    assert sorted(acknowledged) == sorted(_lake_alert_ids(lake_dir)), "not exactly once"
    modes = {mode for _, _, mode in receiver.answers}
    assert {"failing", "slow"} <= modes, modes  # the receiver's faults were met, not skipped
    assert killed_with_alerts, "no alert was raised before the kills: the outbox went untested"

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"check-{topics[1]}"})
    consumer.assign([TopicPartition(topics[1], p, 0) for p in range(2)])
    dead: list = []
    deadline = time.monotonic() + 30
    expected_dead = {m.value for m in messages if m.malformed}
    while {m.value() for m in dead} != expected_dead and time.monotonic() < deadline:
        dead.extend(m for m in consumer.consume(500, 1.0) if m.error() is None)
    consumer.close()
    # At least once: a kill may re-send a dead letter, never lose one.
    assert {m.value() for m in dead} == expected_dead
    assert all(dict(m.headers())["socialpulse.reason"] for m in dead)

    # The batch side, as a user runs it: every accepted post in the warehouse exactly once.
    days = sorted({m.post.created_at.date().isoformat() for m in messages if not m.malformed})
    batch = subprocess.run(
        [sys.executable, "-m", "socialpulse.cli.main", "batch", *(f"--day={d}" for d in days)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert batch.returncode == 0, batch.stdout[-3000:] + batch.stderr[-3000:]
    with Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}") as warehouse:
        rows = warehouse.query("SELECT id FROM posts").rows()
    assert len(rows) == len(valid_ids)
    assert {row[0] for row in rows} == valid_ids


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alert_windows(lake_dir: Path, before: datetime) -> set[tuple[str, datetime]]:
    """(alert id, window start) of the alerts on windows that start before `before`."""
    lake = Lake.from_url(str(lake_dir))
    files = lake.list_files("alerts")
    if not files:
        return set()
    alerts = lake.read(files).filter(pl.col("window_start") < before)
    return set(zip(alerts["alert_id"], alerts["window_start"], strict=True))


def _wait_for_settled_alerts(
    lake_dir: Path, before: datetime, expected: set | None, quiet: float = 10, limit: float = 120
) -> None:
    """Until the alerts on windows before `before` equal `expected` or, without it (or when
    `limit` runs out), have not changed for `quiet` seconds."""
    deadline = time.monotonic() + limit
    seen, since = _alert_windows(lake_dir, before), time.monotonic()
    while time.monotonic() < deadline:
        if seen == expected or (expected is None and time.monotonic() - since >= quiet):
            return
        time.sleep(1)
        now = _alert_windows(lake_dir, before)
        if now != seen:
            seen, since = now, time.monotonic()


def _late_observations(log: Path) -> int:
    """From the line each process logs when it stops (see `socialpulse.cli.stream`)."""
    counts = re.findall(r"(\d+) late observations", log.read_text())
    assert counts, log.read_text()[-3000:]
    return int(counts[-1])


# Under load this test found two flaws of the cluster's event time: a fixed in-flight span (1 s,
# then 5 s) counted 77 to 551 observations late with the machine's 2 cores busy, and is now
# measured (streaming_flows/cluster_time.py); and windows close a little after the posts land,
# so the alerts are compared once settled. On 2026-12-07, 4 runs here with the measured span
# under a 5-fold load (load average 4 to 12): 0 late in each; the 2 runs that waited for the
# alerts to settle passed, of the 2 that did not, one missed alerts of the last 2 hours.
def test_two_processes_catching_up_give_the_posts_and_alerts_of_one(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """A backlog on 4 partitions read by a cluster of two processes, then by one process.

    Each process reads its partitions as fast as it can; without a shared event time the one
    ahead closed windows the other's posts still belonged to (late observations, other alerts).
    """
    config = GeneratorConfig(16_000, seed=5)
    topics, messages = _topics_with_posts(kafka_bootstrap, 4, config)
    valid_ids = {m.post.id for m in messages if not m.malformed}
    # Windows ending well before the last post: their alerts do not depend on when the run stops.
    settled = max(m.post.created_at for m in messages if not m.malformed) - timedelta(minutes=5)
    addresses = f"127.0.0.1:{_free_port()};127.0.0.1:{_free_port()}"
    outcomes = {}
    for name, runs in {
        "one": [("-w", "1", "--no-recovery")],
        "two": [("-i", str(i), "-a", addresses, "--no-recovery") for i in (0, 1)],
    }.items():
        env = _stream_env(kafka_bootstrap, tmp_path / name, topics, WATCHLIST="acme,zestcola")
        lake_dir = tmp_path / name / "lake"
        logs = [tmp_path / f"{name}-{i}.log" for i in range(len(runs))]
        processes = [_start_stream(env, log, *args) for log, args in zip(logs, runs, strict=True)]
        try:
            done = wait_until(
                lambda lake_dir=lake_dir: _landed(lake_dir)["id"].n_unique() == len(valid_ids), 300
            )
            assert done, "\n".join(log.read_text()[-3000:] for log in logs)
            # Windows close a little after the posts land (in a cluster, by the time posts are
            # in flight: streaming_flows/cluster_time.py): let the alerts settle first.
            expected = outcomes["one"][2] if "one" in outcomes else None
            _wait_for_settled_alerts(lake_dir, settled, expected)
        finally:
            for process in processes:
                _stop(process)
        landed = _landed(lake_dir)
        outcomes[name] = (
            sorted(landed["id"]),
            landed.height,
            _alert_windows(lake_dir, settled),
            sum(_late_observations(log) for log in logs),
        )
    ids, height, alerts, late = outcomes["one"]
    assert height == len(valid_ids)
    assert alerts, "the generated stream should raise alerts"
    assert late == 0
    assert outcomes["two"][3] == 0, "posts counted late in the two-process cluster"
    assert outcomes["two"][:2] == (ids, height)
    assert outcomes["two"][2] == alerts
