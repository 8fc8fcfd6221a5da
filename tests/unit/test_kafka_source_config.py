"""The librdkafka settings the posts source gives its per-partition consumers."""

from __future__ import annotations

from confluent_kafka import Consumer

from streaming_flows.kafka_io import SOURCE_CONSUMER_DEFAULTS, PostsKafkaSource

BROKER = {"bootstrap.servers": "127.0.0.1:1", "security.protocol": "PLAINTEXT"}


def test_the_source_bounds_the_consumers_prefetch_unless_the_config_says_otherwise() -> None:
    source = PostsKafkaSource(BROKER, "posts")
    assert source._add_config == {"security.protocol": "PLAINTEXT", **SOURCE_CONSUMER_DEFAULTS}
    assert source._add_config["queued.max.messages.kbytes"] == "1024"

    custom = PostsKafkaSource({**BROKER, "queued.max.messages.kbytes": "65536"}, "posts")
    assert custom._add_config["queued.max.messages.kbytes"] == "65536"
    assert custom._add_config["fetch.max.bytes"] == SOURCE_CONSUMER_DEFAULTS["fetch.max.bytes"]


def test_librdkafka_accepts_the_defaults() -> None:
    consumer = Consumer({**BROKER, **SOURCE_CONSUMER_DEFAULTS, "group.id": "check"})
    consumer.close()
