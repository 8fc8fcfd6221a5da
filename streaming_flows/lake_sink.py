"""Batches of enriched posts per Kafka partition, and the Bytewax sink that lands them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import bytewax.operators as op
from bytewax.dataflow import operator
from bytewax.operators import KeyedStream, StatefulLogic
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


@dataclass
class PendingBatch:
    records: list[dict[str, Any]] = field(default_factory=list)
    flush_at: datetime | None = None  # system time; set by the batch's first record


@dataclass
class _LakeBatchLogic(StatefulLogic[list[dict[str, Any]], list[dict[str, Any]], PendingBatch]):
    flush_after: timedelta
    max_size: int
    state: PendingBatch
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def on_item(self, value: list[dict[str, Any]]) -> tuple[Iterable[list[dict[str, Any]]], bool]:
        if not value:
            return (), StatefulLogic.RETAIN
        if not self.state.records:
            self.state.flush_at = self.now() + self.flush_after
        records = self.state.records
        records.extend(value)
        if len(records) < self.max_size:
            return (), StatefulLogic.RETAIN
        full = [records[i : i + self.max_size] for i in range(0, len(records), self.max_size)]
        if len(full[-1]) == self.max_size:
            return full, StatefulLogic.DISCARD
        # The rest starts a new batch, with its own flush time.
        self.state = PendingBatch(full.pop(), self.now() + self.flush_after)
        return full, StatefulLogic.RETAIN

    def on_notify(self) -> tuple[Iterable[list[dict[str, Any]]], bool]:
        return (self.state.records,), StatefulLogic.DISCARD

    def on_eof(self) -> tuple[Iterable[list[dict[str, Any]]], bool]:
        return (self.state.records,), StatefulLogic.DISCARD

    def notify_at(self) -> datetime | None:
        return self.state.flush_at

    def snapshot(self) -> PendingBatch:
        # Records are not changed once collected, so a copy of the list is a consistent snapshot
        # (Bytewax's `collect` deep-copied every pending record into every snapshot).
        return PendingBatch(list(self.state.records), self.state.flush_at)


def _resumed(resume_state: Any) -> PendingBatch:
    """The pending batch to resume, also from a snapshot of Bytewax's `collect`."""
    if resume_state is None:
        return PendingBatch()
    if isinstance(resume_state, PendingBatch):
        return PendingBatch(list(resume_state.records), resume_state.flush_at)
    return PendingBatch(list(resume_state.acc), resume_state.timeout_at)


@operator
def lake_batches(
    step_id: str, up: KeyedStream[list[dict[str, Any]]], flush_after: timedelta, max_size: int
) -> KeyedStream[list[dict[str, Any]]]:
    """Records per key (they come in lists, as read) in lists of `max_size`, or fewer once
    `flush_after` has passed since the first record of the list.

    Bytewax's `collect` restarts its timeout with every record, so a partition that receives a
    post more often than every `flush_after` landed nothing until `max_size` posts had come
    (5,000 posts: more than an hour at 60 a minute), and it deep-copied the pending records into
    every snapshot. Same inner step as `collect`, so its recovery snapshots resume here.
    """
    return op.stateful(
        "stateful", up, lambda resume: _LakeBatchLogic(flush_after, max_size, _resumed(resume))
    )
