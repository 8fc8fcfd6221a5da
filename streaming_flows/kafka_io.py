"""Kafka input and output for the dataflows: the Bytewax connector, optionally bounded."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from bytewax.connectors.kafka import KafkaSinkMessage, KafkaSource, KafkaSourceMessage
from bytewax.inputs import StatefulSourcePartition
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from streaming_flows.shutdown import DrainingPartition

log = logging.getLogger(__name__)


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

    A resumed offset the partition no longer holds (beyond its end: the topic was recreated or the
    broker lost it; before its start: retention deleted it) is logged as a WARNING and the
    partition restarts from its earliest offset, like Kafka's `auto.offset.reset=earliest`.
    Every partition stops reading on `streaming_flows.shutdown.request_stop`.
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
        self._kafka_config = dict(kafka_config)

    def build_part(self, step_id: str, for_part: str, resume_state: Any):
        index_text, topic = for_part.split("-", 1)
        index = int(index_text)
        if resume_state is None:
            resume_state = self._start_offsets.get(index)
        if resume_state is not None and resume_state >= 0:
            resume_state = offset_held_by_partition(self._kafka_config, topic, index, resume_state)
            log.info("topic %s partition %d resumes at offset %d", topic, index, resume_state)
        partition = super().build_part(step_id, for_part, resume_state)
        if self._stop_offsets is not None:
            partition = _BoundedPartition(partition, self._stop_offsets.get(index, -1))
        return DrainingPartition(partition, for_part)


def offset_held_by_partition(
    kafka_config: Mapping[str, str], topic: str, partition: int, offset: int, timeout: float = 10
) -> int:
    """`offset` if the partition can resume there, else its earliest offset (with a WARNING).

    Resuming beyond a partition's end would wait silently for offsets the topic may never reach
    again (a recreated topic starts at 0); resuming before its start would make the client jump to
    the end. Either way the earliest offset still held loses nothing that can still be read.
    """
    consumer = Consumer(
        {
            **kafka_config,
            "group.id": "socialpulse-offset-check",
            "enable.auto.commit": "false",
            "enable.partition.eof": "true",
        }
    )
    try:
        low, high = consumer.get_watermark_offsets(
            TopicPartition(topic, partition), timeout=timeout
        )
        if low <= offset <= high:
            return offset
        if offset > high:
            end = _partition_end(consumer, topic, partition, low, high, timeout)
            if offset <= end:
                return offset
            problem = f"beyond its end (offset {end})"
        else:
            problem = f"before its earliest offset {low} (deleted by retention)"
    except KafkaException as error:
        log.warning(
            "could not check offset %d of topic %s partition %d against the broker (%s); "
            "resuming there unchecked",
            offset,
            topic,
            partition,
            error,
        )
        return offset
    finally:
        consumer.close()
    log.warning(
        "topic %s partition %d: the recovery snapshot resumes at offset %d, %s; the topic was "
        "recreated, emptied or truncated. Restarting this partition from its earliest offset %d",
        topic,
        partition,
        offset,
        problem,
        low,
    )
    return low


def _partition_end(
    consumer: Consumer, topic: str, partition: int, low: int, high: int, timeout: float
) -> int:
    """The offset after the partition's last message.

    Some brokers (the local Tansu) report the start of the last record batch + 1 as the high
    watermark, so the true end is found by reading that last batch up to end of partition.
    """
    if high <= low:
        return high
    consumer.assign([TopicPartition(topic, partition, high - 1)])
    end = high
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in consumer.consume(500, 0.5):
            error = message.error()
            if error is not None and error.code() == KafkaError._PARTITION_EOF:
                return max(end, message.offset())
            if error is None:
                end = max(end, message.offset() + 1)
    return end


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
