"""Event time on the real broker: a backlog on 4 partitions closes the same windows as on 1.

Each run consumes a bounded offset range with `production_flow` (the wiring `socialpulse stream`
uses) and the normal allowed lateness, in this process, so the windows each key's monitor
receives and the late-observation counter can be read directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bytewax.testing import run_main
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from socialpulse import metrics
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.generator.synthetic import encode
from socialpulse.kafka_producer import PostProducer
from socialpulse.monitoring import KeyMonitor
from socialpulse.settings import Settings
from socialpulse.windows import WindowStats
from streaming_flows import pulse

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STREAM = GeneratorConfig(16000, seed=5)


@dataclass
class Outcome:
    windows: set[tuple[str, datetime, int]] = field(default_factory=set)
    alert_ids: set[str] = field(default_factory=set)
    late: float = 0.0
    dead_letters: dict[bytes, bytes] = field(default_factory=dict)


def _produce(bootstrap: str, partitions: int, values: list[tuple[bytes, bytes]]) -> tuple:
    suffix = uuid.uuid4().hex[:8]
    topics = (f"posts-{suffix}", f"dlq-{suffix}", f"alerts-{suffix}")
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(t, partitions, 1) for t in topics]).values():
        future.result(10)
    with PostProducer(Settings(kafka_bootstrap=bootstrap)) as producer:
        for value, key in values:
            producer.send(topics[0], value, key=key)
    return topics, producer.delivered_offsets()


def _consume(
    bootstrap: str, tmp_path: Path, values: list[tuple[bytes, bytes]], partitions: int
) -> Outcome:
    topics, offsets = _produce(bootstrap, partitions, values)
    settings = Settings(
        kafka_bootstrap=bootstrap,
        posts_topic=topics[0],
        dlq_topic=topics[1],
        alerts_topic=topics[2],
        state_dir=tmp_path / topics[0],
        watchlist=",".join(STREAM.keywords),
    )
    assert settings.allowed_lateness_seconds == 30  # the normal lateness, not a test setting
    outcome = Outcome()

    class RecordingMonitor(KeyMonitor):
        def on_item(self, item):
            key, start, _, stats = item
            if isinstance(stats, WindowStats):  # a closed window (not posts of an open one)
                outcome.windows.add((key, start, stats.posts))
            alerts, discard = super().on_item(item)
            outcome.alert_ids.update(a.alert_id for a in alerts)
            return alerts, discard

    late_before = metrics.snapshot()["late_observations"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pulse, "KeyMonitor", RecordingMonitor)
        run_main(
            pulse.production_flow(
                settings,
                start_offsets={p: first for p, (first, _) in offsets.items()},
                stop_offsets={p: last for p, (_, last) in offsets.items()},
            )
        )
    outcome.late = metrics.snapshot()["late_observations"] - late_before
    outcome.dead_letters = _dead_letters(bootstrap, topics[1], partitions)
    return outcome


def _dead_letters(bootstrap: str, topic: str, partitions: int) -> dict[bytes, bytes]:
    """Dead-lettered message value -> reason header (all there once the flow has ended)."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"check-{topic}", "session.timeout.ms": 6000}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    found: dict[bytes, bytes] = {}
    for _ in range(3):
        for message in consumer.consume(1000, 1.0):
            if message.error() is None:
                found[message.value()] = dict(message.headers())["socialpulse.reason"]
    consumer.close()
    return found


def _generated() -> list[tuple[bytes, bytes]]:
    return [(m.value, m.key) for m in generate_messages(STREAM)]


@pytest.fixture(scope="module")
def one_partition(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return _consume(kafka_bootstrap, tmp_path_factory.mktemp("one"), _generated(), 1)


def test_a_backlog_on_four_partitions_closes_the_windows_of_one_partition(
    kafka_bootstrap: str, tmp_path: Path, one_partition: Outcome
) -> None:
    four = _consume(kafka_bootstrap, tmp_path, _generated(), 4)
    assert one_partition.late == 0
    assert four.late == 0
    assert one_partition.alert_ids, "the generated stream should raise alerts"
    assert four.windows == one_partition.windows
    assert four.alert_ids == one_partition.alert_ids


def test_a_post_stamped_far_in_the_future_is_dead_lettered_and_changes_no_alert(
    kafka_bootstrap: str, tmp_path: Path, one_partition: Outcome
) -> None:
    messages = list(generate_messages(STREAM))
    middle = messages[len(messages) // 2].post
    # The keys of the injected burst, so that a clock jump on them would cost its windows.
    stray = replace(
        middle,
        id="from-2099",
        created_at=datetime(2099, 1, 1, tzinfo=UTC),
        hashtags=["dance", "fyp"],
    )
    values = [(m.value, m.key) for m in messages]
    values.insert(len(values) // 2, (encode(stray, STREAM.shape), b"from-2099"))
    outcome = _consume(kafka_bootstrap, tmp_path, values, 1)
    assert outcome.dead_letters == {encode(stray, STREAM.shape): b"future_timestamp"}
    assert outcome.alert_ids == one_partition.alert_ids
    assert outcome.windows == one_partition.windows
