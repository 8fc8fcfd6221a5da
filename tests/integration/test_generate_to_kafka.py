"""Generated posts, a malformed share included, reach the real broker: exactly N, none lost."""

import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from socialpulse.adapters import parse_message
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.kafka_producer import BrokerUnreachable, PostProducer
from socialpulse.settings import Settings

pytestmark = pytest.mark.integration


def _read_exactly(bootstrap: str, topic: str, expected: int, timeout: float = 60) -> list[bytes]:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "test-reader", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, 0, 0)])
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(values) < expected and time.monotonic() < deadline:
        for message in consumer.consume(500, 1.0):
            assert message.error() is None, message.error()
            values.append(message.value())
    # Nothing beyond N either.
    values.extend(m.value() for m in consumer.consume(100, 2.0) if m.error() is None)
    consumer.close()
    return values


def test_n_generated_messages_with_malformed_share_read_back_exactly(
    kafka_bootstrap: str, unique_topic: str
) -> None:
    count = 2000
    messages = list(generate_messages(GeneratorConfig(count=count, malformed_rate=0.05, seed=11)))
    with PostProducer(Settings(kafka_bootstrap=kafka_bootstrap)) as producer:
        for message in messages:
            producer.send(unique_topic, message.value, key=message.key)
    assert producer.delivered == count
    assert producer.delivered_offsets() == {0: (0, count - 1)}
    values = _read_exactly(kafka_bootstrap, unique_topic, count)
    assert len(values) == count
    assert values == [m.value for m in messages]
    rejected = sum(parse_message(v).reason is not None for v in values)
    assert rejected == sum(m.malformed for m in messages) > 50


def test_unreachable_broker_fails_fast_with_what_to_do() -> None:
    with pytest.raises(BrokerUnreachable, match="SOCIALPULSE_KAFKA_BOOTSTRAP"):
        PostProducer(Settings(kafka_bootstrap="127.0.0.1:1"))
