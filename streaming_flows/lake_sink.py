"""Bytewax sink that lands batches of enriched posts in the lake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bytewax.outputs import DynamicSink, StatelessSinkPartition

from socialpulse import metrics
from socialpulse.lake import Lake, write_landing_batch

Batch = tuple[str, list[dict[str, Any]]]  # ("topic:partition", records)


class _LakeBatchPartition(StatelessSinkPartition[Batch]):
    def __init__(self, lake_factory: Callable[[], Lake]) -> None:
        self._lake = lake_factory()

    def write_batch(self, items: list[Batch]) -> None:
        for partition_key, records in items:
            topic, _, partition = partition_key.rpartition(":")
            write_landing_batch(self._lake, records, topic, int(partition))
            metrics.POSTS_LANDED.inc(len(records))


class LakeBatchSink(DynamicSink[Batch]):
    """Each item is one Kafka partition's batch; it becomes one object per event hour.

    Takes a factory rather than a `Lake` so every worker opens its own filesystem client.
    """

    def __init__(self, lake_factory: Callable[[], Lake]) -> None:
        self._lake_factory = lake_factory

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _LakeBatchPartition:
        return _LakeBatchPartition(self._lake_factory)
