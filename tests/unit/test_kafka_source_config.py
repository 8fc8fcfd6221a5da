"""The librdkafka settings the posts source gives its per-partition consumers."""

from __future__ import annotations

import threading

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


def test_one_worker_of_a_process_reads_every_partition(monkeypatch) -> None:
    """Bytewax builds a partition on a worker that lists it: the first worker to ask gets them
    all, so the partitions start and end their epochs together (`PostsKafkaSource.list_parts`)."""
    monkeypatch.setattr(
        "streaming_flows.kafka_io.list_topic_parts",
        lambda config, topics: [f"{i}-{topics[0]}" for i in range(4)],
    )
    source = PostsKafkaSource(BROKER, "posts")
    listed: dict[str, list[str]] = {}
    first_listed, second_listed = threading.Event(), threading.Event()

    def worker(name: str, wait: threading.Event | None, done: threading.Event) -> None:
        if wait is not None:
            assert wait.wait(10)
        listed[name] = source.list_parts()
        listed[name + " again"] = source.list_parts()
        done.set()
        # Worker threads live as long as the flow (a thread id is reused once its thread ends).
        assert second_listed.wait(10)

    threads = [
        threading.Thread(target=worker, args=("first", None, first_listed)),
        threading.Thread(target=worker, args=("second", first_listed, second_listed)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    parts = ["0-posts", "1-posts", "2-posts", "3-posts"]
    assert listed == {"first": parts, "first again": parts, "second": [], "second again": []}
