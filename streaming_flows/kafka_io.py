"""Kafka input and output for the dataflows: the Bytewax connector, optionally bounded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bytewax.connectors.kafka import KafkaSinkMessage, KafkaSource, KafkaSourceMessage
from bytewax.inputs import StatefulSourcePartition
from confluent_kafka import OFFSET_BEGINNING


class _BoundedPartition(StatefulSourcePartition[Any, Any]):
    """Stops a Kafka partition once it has emitted the message at `last_offset`."""

    def __init__(self, inner: StatefulSourcePartition[Any, Any], last_offset: int) -> None:
        self._inner = inner
        self._last_offset = last_offset
        self._done = last_offset < 0 or self._next_offset() > last_offset

    def _next_offset(self) -> int:
        offset = self._inner.snapshot()
        return -1 if offset is None else offset

    def next_batch(self) -> list[Any]:
        if self._done:
            raise StopIteration
        batch = [m for m in self._inner.next_batch() if _offset(m) <= self._last_offset]
        if batch and _offset(batch[-1]) >= self._last_offset:
            self._done = True
        return batch

    def next_awake(self):
        return self._inner.next_awake()

    def snapshot(self) -> Any:
        return self._inner.snapshot()

    def close(self) -> None:
        self._inner.close()


def _offset(message: Any) -> int:
    return message.msg.offset if hasattr(message, "err") else message.offset


class PostsKafkaSource(KafkaSource):
    """The Bytewax Kafka source, optionally bounded to known offset ranges per partition.

    Unbounded (the default) it tails the topic from the beginning, or from the offsets in the
    recovery snapshot. Bounded, it reads each partition from `start_offsets[partition]` up to and
    including `stop_offsets[partition]` and then ends, which is how the demo and tests consume
    exactly what they produced (the local broker's high watermark is not reliable enough for
    `tail=False`). A recovery snapshot's offsets win over `start_offsets`.
    """

    def __init__(
        self,
        kafka_config: Mapping[str, str],
        topic: str,
        stop_offsets: Mapping[int, int] | None = None,
        start_offsets: Mapping[int, int] | None = None,
        batch_size: int = 1000,
    ) -> None:
        config = dict(kafka_config)
        brokers = config.pop("bootstrap.servers").split(",")
        super().__init__(
            brokers,
            [topic],
            tail=True,
            starting_offset=OFFSET_BEGINNING,
            add_config=config,
            batch_size=batch_size,
            # Broker errors go into the flow, which counts them; they never stop the stream.
            raise_on_errors=False,
        )
        self._stop_offsets = dict(stop_offsets) if stop_offsets is not None else None
        self._start_offsets = dict(start_offsets or {})

    def build_part(self, step_id: str, for_part: str, resume_state: Any):
        index = int(for_part.split("-", 1)[0])
        if resume_state is None:
            resume_state = self._start_offsets.get(index)
        partition = super().build_part(step_id, for_part, resume_state)
        if self._stop_offsets is None:
            return partition
        return _BoundedPartition(partition, self._stop_offsets.get(index, -1))


def dead_letter_message(
    message: KafkaSourceMessage[bytes | None, bytes | None], reason: str, detail: str
) -> KafkaSinkMessage[bytes | None, bytes | None]:
    """The original bytes, with why they were rejected and where they came from in headers."""
    headers = [
        ("socialpulse.reason", reason.encode()),
        ("socialpulse.detail", detail.encode()[:1000]),
        ("socialpulse.source", f"{message.topic}/{message.partition}/{message.offset}".encode()),
    ]
    return KafkaSinkMessage(key=message.key, value=message.value, headers=headers)
