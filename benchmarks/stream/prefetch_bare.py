"""RSS of librdkafka's prefetch alone: 4 consumers configured as Bytewax's KafkaSource builds them.

    PYTHONPATH=. .venv/bin/python \
        benchmarks/stream/prefetch_bare.py TOPIC '{"fetch.max.bytes": "..."}'

One consumer per partition of TOPIC (4 partitions), each assigned its partition from the start
and not read from (polled only to serve the statistics callback, each poll taking at most one
message off the queue); after 12 s prints the process's RSS before and after, and each partition's
fetch queue (messages, bytes) from librdkafka's statistics. The second argument (JSON) is added
to the consumers' configuration.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

PARTITIONS = 4


def rss() -> dict[str, float]:
    text = Path("/proc/self/status").read_text()
    return {
        key: int(re.search(rf"^{key}:\s+(\d+)", text, re.M).group(1)) / 1024
        for key in ("VmRSS", "RssAnon", "VmHWM")
    }


def main() -> None:
    topic, extra = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    bootstrap = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1:9092"
    before = rss()
    stats: dict[int, tuple[int, int]] = {}
    consumers = []
    for partition in range(PARTITIONS):

        def on_stats(payload: str, partition: int = partition) -> None:
            part = json.loads(payload)["topics"].get(topic, {}).get("partitions", {})
            part = part.get(str(partition), {})
            stats[partition] = (part.get("fetchq_cnt"), part.get("fetchq_size"))

        consumer = Consumer(
            {  # what bytewax.connectors.kafka.KafkaSource.build_part sets
                "group.id": "BYTEWAX_IGNORED",
                "enable.auto.commit": "false",
                "bootstrap.servers": bootstrap,
                "enable.partition.eof": "False",
                "statistics.interval.ms": 1000,
                "stats_cb": on_stats,
                **extra,
            }
        )
        consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
        consumers.append(consumer)
    for _ in range(12):
        time.sleep(1)
        for consumer in consumers:
            consumer.poll(0)
    after = rss()
    print(
        json.dumps(
            {
                "extra": extra,
                "rss_before_mib": round(before["VmRSS"], 1),
                "rss_after_mib": round(after["VmRSS"], 1),
                "delta_mib": round(after["VmRSS"] - before["VmRSS"], 1),
                "fetchq (messages, bytes) per partition": stats,
            }
        )
    )
    for consumer in consumers:
        consumer.close()


if __name__ == "__main__":
    main()
