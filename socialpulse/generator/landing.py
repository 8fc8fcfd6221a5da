"""Land generated posts straight into the lake, as the stream would, without a broker.

For batch demos, tests and benchmarks: every message goes through the same parser and enricher
as the dataflow, gets synthetic Kafka coordinates (one topic partition, consecutive offsets) and
is landed in batches with `write_landing_batch`. Malformed messages are counted, not landed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from socialpulse.adapters import parse_message
from socialpulse.enrichment import Enricher
from socialpulse.generator.synthetic import GeneratedMessage
from socialpulse.lake import Lake, write_landing_batch


@dataclass
class LandingSummary:
    landed: int = 0
    rejected: int = 0
    files: int = 0


def land_messages(
    lake: Lake,
    messages: Iterable[GeneratedMessage],
    enricher: Enricher,
    *,
    topic: str = "socialpulse.posts",
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LandingSummary:
    summary = LandingSummary()
    batch: list[dict] = []

    def flush() -> None:
        summary.files += len(write_landing_batch(lake, batch, topic, 0))
        summary.landed += len(batch)
        batch.clear()
        if progress is not None:
            progress(summary.landed)

    for offset, message in enumerate(messages):
        result = parse_message(message.value)
        if result.reason is not None:
            summary.rejected += 1
            continue
        for post in result.posts:
            batch.append(
                {
                    **enricher.enrich(post.to_record()),
                    "kafka_topic": topic,
                    "kafka_partition": 0,
                    "kafka_offset": offset,
                }
            )
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return summary
