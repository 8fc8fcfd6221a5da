"""Sample Kafka messages, a stand-in sentiment scorer and a metrics reader shared by the dataflow
tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bytewax.connectors.kafka import KafkaSourceMessage

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def post_bytes(index: int, at: datetime, hashtags: list[str], text: str = "nice day") -> bytes:
    return json.dumps(
        {
            "id": f"post-{index:05d}",
            "platform": "tiktok",
            "created_at": at.isoformat().replace("+00:00", "Z"),
            "author_id": f"author-{index % 7}",
            "author_name": None,
            "text": text,
            "hashtags": hashtags,
            "plays": 10,
            "likes": 1,
            "shares": 0,
            "comments": 0,
        }
    ).encode()


def kafka_message(offset: int, value: bytes) -> KafkaSourceMessage[bytes | None, bytes | None]:
    return KafkaSourceMessage(
        key=None, value=value, topic="socialpulse.posts", partition=0, offset=offset
    )


def keyword_sentiment(text: str) -> tuple[str, float]:
    return ("negative", -0.8) if "awful" in text else ("positive", 0.4)


def dance_burst_at_minute_80() -> list[bytes]:
    """Ninety minutes of four or five #dance posts a minute, and forty in minute 80."""
    values, index = [], 0
    for minute in range(90):
        posts = 40 if minute == 80 else 4 + minute % 2
        for second in range(posts):
            at = T0 + timedelta(minutes=minute, seconds=second * 60 / posts)
            values.append(post_bytes(index, at, ["dance"]))
            index += 1
    return values


def histogram_count_and_sum(histogram: Any) -> tuple[float, float]:
    """(observations, their sum) of one of the stream's Prometheus histograms in this process."""
    samples = [sample for metric in histogram.collect() for sample in metric.samples]
    count = next(s.value for s in samples if s.name.endswith("_count"))
    total = next(s.value for s in samples if s.name.endswith("_sum"))
    return count, total
