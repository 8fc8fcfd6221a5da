"""A poison pill on the real broker: the stream lands the posts around it and dead-letters it.

Before counts were checked against the lake's columns, a count of 2^63 or more passed the parser
and crashed the lake writer on every restart, so nothing after it landed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from socialpulse.kafka_producer import PostProducer
from socialpulse.lake import Lake, landing_files
from socialpulse.services.processes import wait_until
from socialpulse.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _post(index: int, **fields: object) -> bytes:
    post = {
        "id": f"post-{index:04d}",
        "platform": "tiktok",
        "created_at": "2026-06-01T12:00:00Z",
        "author_id": f"author-{index % 5}",
        "text": "an ordinary post #dance",
        "hashtags": ["dance"],
        "likes": 3,
    }
    return json.dumps({**post, **fields}).encode()


def _landed_ids(lake: Lake) -> set[str]:
    files = landing_files(lake)
    return set(lake.read(files)["id"]) if files else set()


def _dead_letters(bootstrap: str, topic: str, expected: int) -> list:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{topic}"})
    consumer.assign([TopicPartition(topic, 0, 0)])
    found: list = []
    deadline = time.monotonic() + 30
    while len(found) < expected and time.monotonic() < deadline:
        found.extend(m for m in consumer.consume(100, 1.0) if m.error() is None)
    consumer.close()
    return found


def test_stream_lands_the_posts_around_a_poison_pill_and_dead_letters_it(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    posts, dlq, alerts = f"posts-{suffix}", f"dlq-{suffix}", f"alerts-{suffix}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for future in admin.create_topics([NewTopic(t, 1, 1) for t in (posts, dlq, alerts)]).values():
        future.result(10)
    pills = {
        b"1e308": _post(100, likes=1e308),
        b"9.3e18": _post(101, plays=9.3e18),
        b"2^64-1 as a string": _post(102, shares=str(2**64 - 1)),
    }
    values = (
        [_post(i) for i in range(10)] + list(pills.values()) + [_post(i) for i in range(10, 20)]
    )
    with PostProducer(Settings(kafka_bootstrap=kafka_bootstrap)) as producer:
        for value in values:
            producer.send(posts, value)

    settings = {
        "STATE_DIR": str(tmp_path),
        "KAFKA_BOOTSTRAP": kafka_bootstrap,
        "POSTS_TOPIC": posts,
        "DLQ_TOPIC": dlq,
        "ALERTS_TOPIC": alerts,
        "LAKE_FLUSH_SECONDS": "1",
    }
    env = {**os.environ, **{f"SOCIALPULSE_{k}": v for k, v in settings.items()}}
    log = tmp_path / "stream.log"
    with open(log, "ab") as output:
        stream = subprocess.Popen(
            [sys.executable, "-m", "socialpulse.cli.main", "stream", "-w", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    lake = Lake.from_url(str(tmp_path / "lake"))
    ordinary = {f"post-{i:04d}" for i in range(20)}
    try:
        landed = wait_until(
            lambda: _landed_ids(lake) == ordinary,
            60,
        )
        assert landed, log.read_text()[-3000:]
        assert stream.poll() is None, "the stream died:\n" + log.read_text()[-3000:]
    finally:
        stream.terminate()
        try:
            stream.wait(30)
        except subprocess.TimeoutExpired:
            stream.kill()
            stream.wait(30)

    dead = _dead_letters(kafka_bootstrap, dlq, len(pills))
    reasons = {m.value(): dict(m.headers())["socialpulse.reason"] for m in dead}
    assert reasons == {
        pills[b"1e308"]: b"bad_value:likes",
        pills[b"9.3e18"]: b"bad_value:plays",
        pills[b"2^64-1 as a string"]: b"bad_value:shares",
    }
