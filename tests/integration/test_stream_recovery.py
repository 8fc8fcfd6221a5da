"""`socialpulse stream` against the real broker: killed and restarted, and run as two processes.

What the user sees must not change: every valid post lands exactly once in the lake, every bad
message is in the dead-letter topic with its reason, and a two-process cluster lands the same
posts as one process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace
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


def test_killed_stream_resumes_without_loss_or_duplicates(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics, messages = _topics_with_posts(kafka_bootstrap, 2, GeneratorConfig(4000, seed=21))
    valid_ids = {m.post.id for m in messages if not m.malformed}
    env = _stream_env(kafka_bootstrap, tmp_path, topics, LAKE_BATCH_SIZE="150")
    log = tmp_path / "stream.log"
    lake_dir = tmp_path / "lake"

    first = _start_stream(env, log)
    try:
        assert wait_until(lambda: len(landing_files(Lake.from_url(str(lake_dir)))) >= 3, 60), (
            log.read_text()
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    partial = _landed(lake_dir)
    # Killed part-way: some batches landed, not all.
    assert 0 < partial["id"].n_unique() < len(valid_ids)

    second = _start_stream(env, log)
    try:
        assert wait_until(lambda: _landed(lake_dir)["id"].n_unique() == len(valid_ids), 90), (
            log.read_text()[-3000:]
        )
        time.sleep(3)  # anything still in flight would show up as a duplicate
    finally:
        _stop(second)
    landed = _landed(lake_dir)
    assert set(landed["id"]) == valid_ids
    assert landed.height == len(valid_ids), "a replayed batch was added instead of rewritten"

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"check-{topics[1]}"})
    consumer.assign([TopicPartition(topics[1], p, 0) for p in range(2)])
    dead: list = []
    deadline = time.monotonic() + 30
    expected_dead = sum(m.malformed for m in messages)
    while len(dead) < expected_dead and time.monotonic() < deadline:
        dead.extend(m for m in consumer.consume(500, 1.0) if m.error() is None)
    consumer.close()
    # At least once: a kill may re-send a dead letter, never lose one.
    assert {m.value() for m in dead} == {m.value for m in messages if m.malformed}
    assert all(dict(m.headers())["socialpulse.reason"] for m in dead)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_processes_land_the_same_posts_as_one(kafka_bootstrap: str, tmp_path: Path) -> None:
    topics, messages = _topics_with_posts(kafka_bootstrap, 4, GeneratorConfig(3000, seed=8))
    valid_ids = {m.post.id for m in messages if not m.malformed}
    addresses = f"127.0.0.1:{_free_port()};127.0.0.1:{_free_port()}"
    outcomes = {}
    for name, runs in {
        "one": [("-w", "1", "--no-recovery")],
        "two": [("-i", str(i), "-a", addresses, "--no-recovery") for i in (0, 1)],
    }.items():
        env = _stream_env(kafka_bootstrap, tmp_path / name, topics)
        lake_dir = tmp_path / name / "lake"
        processes = [_start_stream(env, tmp_path / f"{name}.log", *args) for args in runs]
        try:
            done = wait_until(
                lambda lake_dir=lake_dir: _landed(lake_dir)["id"].n_unique() == len(valid_ids), 90
            )
            assert done, (tmp_path / f"{name}.log").read_text()[-3000:]
            time.sleep(2)
        finally:
            for process in processes:
                _stop(process)
        landed = _landed(lake_dir)
        outcomes[name] = (sorted(landed["id"]), landed.height)
    assert outcomes["two"] == outcomes["one"]
    assert outcomes["one"][1] == len(valid_ids)
