"""The stream under faults, on the real local broker: SIGTERM, a broker outage while alerts are
due, offsets beyond a topic's end (the local broker forgets topics on restart) and an unreachable
broker at start.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from socialpulse.alerts import Alert
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.kafka_producer import PostProducer
from socialpulse.lake import Lake, landing_files
from socialpulse.services import local
from socialpulse.services.processes import port_open, wait_until
from socialpulse.settings import Settings
from streaming_flows.alert_sinks import _KafkaAlertPartition
from streaming_flows.kafka_io import PostsKafkaSource

pytestmark = [pytest.mark.integration]

REPO_ROOT = Path(__file__).resolve().parents[2]


def _create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(n, partitions, 1) for n in names]).values():
        future.result(10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stream_env(bootstrap: str, state_dir: Path, topics: tuple[str, str, str]) -> dict[str, str]:
    posts, dlq, alerts = topics
    chosen = {
        "STATE_DIR": str(state_dir),
        "KAFKA_BOOTSTRAP": bootstrap,
        "POSTS_TOPIC": posts,
        "DLQ_TOPIC": dlq,
        "ALERTS_TOPIC": alerts,
        "LAKE_FLUSH_SECONDS": "1",
        "LAKE_BATCH_SIZE": "150",
    }
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        **{f"SOCIALPULSE_{k}": v for k, v in chosen.items()},
    }


def _start_stream(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "socialpulse.cli.main", "stream", "-w", "2"],
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def _terminate(process: subprocess.Popen, log: Path) -> float:
    """SIGTERM; the seconds until the process exited (it must exit 0 within 10 s)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(30)
        raise AssertionError(f"no exit within 10 s of SIGTERM\n{log.read_text()[-3000:]}") from None
    assert process.returncode == 0, log.read_text()[-3000:]
    return time.monotonic() - started


def _landed(lake_dir: Path) -> pl.DataFrame:
    lake = Lake.from_url(str(lake_dir))
    frame = lake.read(landing_files(lake))
    empty = {"id": pl.String, "kafka_partition": pl.Int32, "kafka_offset": pl.Int64}
    return frame if not frame.is_empty() else pl.DataFrame(schema=empty)


@pytest.mark.slow
def test_sigterm_drains_snapshots_and_the_restart_resumes_after_what_was_landed(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    topics = (f"posts-{suffix}", f"dlq-{suffix}", f"alerts-{suffix}")
    _create_topics(kafka_bootstrap, list(topics), 2)
    messages = list(generate_messages(replace(GeneratorConfig(20_000, seed=5), malformed_rate=0)))
    with PostProducer(Settings(kafka_bootstrap=kafka_bootstrap)) as producer:
        for message in messages:
            producer.send(topics[0], message.value, key=message.key)
    all_ids = {m.post.id for m in messages}
    env = _stream_env(kafka_bootstrap, tmp_path, topics)
    log = tmp_path / "stream.log"
    lake_dir = tmp_path / "lake"

    first = _start_stream(env, log)
    try:
        started = wait_until(lambda: _landed(lake_dir).height > 0, 90, interval=0.2)
        assert started, log.read_text()[-3000:]
    finally:
        if first.poll() is None:
            _terminate(first, log)
    assert "stopped after committing a snapshot" in log.read_text()
    # librdkafka warns about settings a client does not use: none of ours is given one.
    assert "CONFWARN" not in log.read_text(), log.read_text()[:3000]
    before = _landed(lake_dir)
    assert 0 < before["id"].n_unique() < len(all_ids), "stopped part-way"
    last_landed = before.group_by("kafka_partition").agg(pl.col("kafka_offset").max())

    log.write_text("")
    second = _start_stream(env, log)
    try:
        assert wait_until(lambda: _landed(lake_dir)["id"].n_unique() == len(all_ids), 90), (
            log.read_text()[-3000:]
        )
        time.sleep(2)
    finally:
        _terminate(second, log)
    landed = _landed(lake_dir)
    assert set(landed["id"]) == all_ids
    assert landed.height == len(all_ids)
    # The snapshot covered everything the first run landed: no partition re-reads any of it.
    text = log.read_text()
    for partition, offset in last_landed.iter_rows():
        resumed = int(
            text.split(f"{topics[0]} partition {partition} resumes at offset ")[1].split()[0]
        )
        assert resumed > offset


def test_a_resumed_offset_beyond_the_topic_end_restarts_the_partition_from_earliest(
    kafka_bootstrap: str, unique_topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The local broker reports the start of the last batch + 1 as the high watermark: produce in
    # two batches so that a valid offset in the last batch lies beyond it.
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 50})
    for batch in (range(10), range(10, 15)):
        for i in batch:
            producer.produce(unique_topic, value=f"m{i}".encode())
        producer.flush(10)
    source = PostsKafkaSource({"bootstrap.servers": kafka_bootstrap}, unique_topic)
    part = f"0-{unique_topic}"

    with caplog.at_level(logging.WARNING, logger="streaming_flows.kafka_io"):
        at_end = source.build_part("posts", part, 15)
        assert at_end.snapshot() == 15
        assert caplog.records == []

        beyond = source.build_part("posts", part, 2500)
    [warning] = caplog.records
    assert warning.levelname == "WARNING"
    message = warning.getMessage()
    assert f"topic {unique_topic} partition 0" in message
    assert "offset 2500, beyond its end (offset 15)" in message
    assert "earliest offset 0" in message
    read: list = []
    deadline = time.monotonic() + 20
    while len(read) < 15 and time.monotonic() < deadline:
        read.extend(beyond.next_batch())
    assert [item.message.value for item in read] == [f"m{i}".encode() for i in range(15)]
    for partition in (at_end, beyond):
        partition.close()


class _Forwarder:
    """A TCP port that refuses connections until `open()`, then forwards to the broker."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self._target = (host, int(port))
        self.port = _free_port()
        self._server: socket.socket | None = None

    def open(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self._server.accept()
            upstream = socket.create_connection(self._target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            target.close()


@pytest.mark.slow
def test_alerts_due_during_a_broker_outage_wait_and_are_published_when_it_returns(
    kafka_bootstrap: str, unique_topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    broker = _Forwarder(kafka_bootstrap)  # down until opened
    sink = _KafkaAlertPartition(
        {"bootstrap.servers": f"127.0.0.1:{broker.port}"}, unique_topic, report_seconds=5
    )
    now = datetime(2026, 3, 7, 12, tzinfo=UTC)
    alert = Alert(
        f"alert-{uuid.uuid4().hex[:8]}", "hashtag", "dance", now, now, "posts",
        90.0, 10.0, 5.0, 15.0, 0.99, "spike", None, None, None, ("p1",), now,
    )  # fmt: skip
    outcome: list[BaseException | None] = []

    def publish() -> None:
        try:
            sink.write_batch([alert])
            outcome.append(None)
        except BaseException as error:  # the test reports it below
            outcome.append(error)

    with caplog.at_level(logging.WARNING, logger="streaming_flows.alert_sinks"):
        writer = threading.Thread(target=publish, daemon=True)
        writer.start()
        # Longer than the 30 s after which the old sink gave up and killed the flow.
        writer.join(35)
        assert outcome == [], f"the sink gave up during the outage: {outcome}"
        broker.open()
        writer.join(60)
    assert outcome == [None]
    assert any("wait for Kafka topic" in r.getMessage() for r in caplog.records)

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"c-{unique_topic}"})
    consumer.assign([TopicPartition(unique_topic, 0, 0)])
    keys = []
    deadline = time.monotonic() + 20
    while not keys and time.monotonic() < deadline:
        keys += [m.key() for m in consumer.consume(10, 1.0) if m.error() is None]
    consumer.close()
    sink.close()
    assert keys == [alert.alert_id.encode()]


def test_an_unreachable_broker_at_start_fails_fast_with_one_line(tmp_path: Path) -> None:
    address = f"127.0.0.1:{_free_port()}"  # nothing listens there
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "SOCIALPULSE_STATE_DIR": str(tmp_path),
        "SOCIALPULSE_KAFKA_BOOTSTRAP": address,
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "socialpulse.cli.main", "stream"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 2
    assert len(lines) == 1, lines
    assert f"cannot reach the Kafka broker at {address} (SOCIALPULSE_KAFKA_BOOTSTRAP)" in lines[0]
    assert elapsed < 15


class _PersistentBroker:
    """A Tansu broker of the test's own whose topics live in a bucket of the local S3 server.

    The shared local broker keeps its topics in memory and forgets them when stopped; this one
    can be stopped and started again with its topics and offsets intact, like a real cluster.
    """

    def __init__(self, services: Settings, log: Path) -> None:
        self.port = _free_port()
        self.bucket = f"tansu-{uuid.uuid4().hex[:8]}"
        endpoint = local.local_s3_endpoint(services)
        self._s3 = local.s3_client(services, endpoint)
        self._s3.create_bucket(Bucket=self.bucket)
        access_key, secret_key = local.s3_credentials(services)
        self._env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT": endpoint,
            "AWS_ALLOW_HTTP": "true",
        }
        self._log = log
        self._process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = f"tcp://{self.bootstrap}"
        self._process = subprocess.Popen(
            [local.tansu_binary(), "broker", "--listener-url", listener,
             "--advertised-listener-url", listener, "--storage-engine", f"s3://{self.bucket}/"],
            env=self._env,
            stdout=self._log.open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert wait_until(lambda: port_open("127.0.0.1", self.port), 20), self._log.read_text()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)

    def remove(self) -> None:
        """Stop it and delete its bucket: SeaweedFS gives each bucket volumes of its own, and
        the local server's 50 run out after about seven such buckets ("No writable volumes")."""
        self.stop()
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                self._s3.delete_object(Bucket=self.bucket, Key=item["Key"])
        self._s3.delete_bucket(Bucket=self.bucket)


# When an alert comes due while the broker is away, the alert sink holds the epoch (by design: no
# alert is lost) and the worker it runs on waits out the outage. This test failed about half the
# time (2026-12-07) when that happened: with the partitions on different workers, their epochs
# were out of step from then on, one partition could emit only in the moments of each 5-s epoch
# in which the other had moved on too (py-spy and per-partition counts: called once per epoch),
# and the other, paced within `max_lead` of it, crawled with it. Since then each process reads
# its partitions on one worker (`PostsKafkaSource.list_parts`); reproduced with the machine
# loaded so that posts were in flight during the outage, it then passed 3 of 3 runs.
@pytest.mark.slow
def test_the_stream_rides_out_a_broker_stopped_for_20_seconds(
    local_services: Settings, tmp_path: Path
) -> None:
    """The broker goes away mid-backlog and comes back 20 s later: the stream keeps running (it
    does not exit), reads on where it stopped, including posts produced after the broker's
    return, lands every post exactly once and stops cleanly on SIGTERM."""
    broker = _PersistentBroker(local_services, tmp_path / "broker.log")
    broker.start()
    log = tmp_path / "stream.log"
    try:
        suffix = uuid.uuid4().hex[:8]
        topics = (f"posts-{suffix}", f"dlq-{suffix}", f"alerts-{suffix}")
        _create_topics(broker.bootstrap, list(topics), 2)
        messages = list(generate_messages(GeneratorConfig(20_000, seed=13)))
        before, after = messages[:10_000], messages[10_000:]  # after: only once it is back
        with PostProducer(Settings(kafka_bootstrap=broker.bootstrap)) as producer:
            for message in before:
                producer.send(topics[0], message.value, key=message.key)
        valid_ids = {m.post.id for m in messages if not m.malformed}
        env = {
            **_stream_env(broker.bootstrap, tmp_path, topics),
            "SOCIALPULSE_LAKE_BATCH_SIZE": "1000",
        }
        lake_dir = tmp_path / "lake"
        stream = _start_stream(env, log)
        try:
            assert wait_until(lambda: _landed(lake_dir)["id"].n_unique() >= 2000, 90, 0.1), (
                log.read_text()[-3000:]
            )
            broker.stop()
            down_at = len(log.read_text())
            time.sleep(20)
            during = log.read_text()[down_at:]
            assert stream.poll() is None, (
                f"the stream exited during the outage\n{log.read_text()[-3000:]}"
            )
            broker.start()
            with PostProducer(Settings(kafka_bootstrap=broker.bootstrap)) as producer:
                for message in after:
                    producer.send(topics[0], message.value, key=message.key)
            assert wait_until(lambda: _landed(lake_dir)["id"].n_unique() == len(valid_ids), 120), (
                log.read_text()[-3000:]
            )
            time.sleep(3)  # a replayed batch would show up as a duplicate
            assert stream.poll() is None
        finally:
            _terminate(stream, log)
    finally:
        broker.remove()
    landed = _landed(lake_dir)
    assert set(landed["id"]) == valid_ids
    assert landed.height == len(valid_ids)
    # Not silent while the broker was away: the consumers' connection failures name it
    # (librdkafka's own lines, one per consumer and second).
    assert f"{broker.bootstrap}/bootstrap: Connect to" in during, during[-3000:]
