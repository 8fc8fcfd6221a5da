"""Kafka input and output for the dataflows: the Bytewax connector, bounded and time-aligned.

The posts source parses each message where it is read, so that it knows the message's event
time: posts stamped too far in the future are rejected there (`future_timestamp`), and an
`EventTimeAligner` shared by the source partitions of one process holds back a partition that
runs more than `max_lead` of event time ahead of the slowest active one, in this process or, in a
cluster, in any process (`streaming_flows.cluster_time`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bytewax.connectors.kafka import KafkaSinkMessage, KafkaSource, KafkaSourceMessage
from bytewax.inputs import StatefulSourcePartition
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from socialpulse import metrics
from socialpulse.adapters import DEFAULT_LIMITS, ParseLimits, ParseResult, parse_message
from streaming_flows.clock import StreamTime
from streaming_flows.cluster_time import CLUSTER_LEAD, ClusterTime, PeerTime
from streaming_flows.shutdown import DrainingPartition

log = logging.getLogger(__name__)

# A caught-up partition polls Kafka again after IDLE_POLL_FIRST, doubling up to 2**DOUBLINGS times.
IDLE_POLL_FIRST = timedelta(milliseconds=1)
IDLE_POLL_DOUBLINGS = 6
# A partition held back by the aligner (ahead of the slowest) looks again after PAUSED_POLL_FIRST,
# doubling up to 2**PAUSED_POLL_DOUBLINGS times while it stays held.
PAUSED_POLL_FIRST = timedelta(milliseconds=1)
PAUSED_POLL_DOUBLINGS = 4

# librdkafka settings of the source's consumers unless `kafka_config` sets them. Bytewax's
# KafkaSource builds one consumer per partition, and by default each prefetches its partition
# until its queue holds 64 MiB or 100,000 messages: on a backlog, the topic decompressed, outside
# the Python heap (4 bare consumers over 100,000 posts on 4 partitions, 38.5 MiB of JSON, queued
# all of it: +107 MiB RSS, about 1 KB a message). The queue limit is checked before each fetch and
# a fetch is bounded in compressed bytes (zstd batches grow about 7-fold), so with these a
# partition queues about one 1 MiB fetch, ~7 MB of posts, however long the backlog. Measured on
# 100,000 posts, where one fetch is still most of a partition: `socialpulse stream -w 1` peaks at
# 404-413 MiB RSS (3 runs) against 423-451 MiB (7 runs), posts/s unchanged; see
# benchmarks/stream/memory.md, "Kafka prefetch".
SOURCE_CONSUMER_DEFAULTS: dict[str, str] = {
    "queued.max.messages.kbytes": "1024",
    "fetch.max.bytes": str(1 << 20),  # librdkafka requires >= message.max.bytes (1,000,000)
    # A full queue is looked at again after 100 ms instead of 1 s, so a partition read faster
    # than one fetch a second (posts not compressed) does not wait on the back-off.
    "fetch.queue.backoff.ms": "100",
}


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


@dataclass(frozen=True)
class ParsedMessage:
    """A Kafka message with what the source's parse made of it (posts, or why it was rejected).

    `watermark` is the process's event-time watermark when the source emitted it (see
    `EventTimeAligner.watermark`; None while it is not known yet): the windows' clock
    (`streaming_flows.clock`) moves on with it. `emitted_at` is the wall-clock time of that
    moment (`time.time()`), from which the windows measure how long posts are in flight.
    """

    message: KafkaSourceMessage[bytes | None, bytes | None]
    result: ParseResult
    watermark: datetime | None = None
    emitted_at: float | None = None


@dataclass
class _PartitionTime:
    # Lower bound of the event time the partition emits next; None until it has read a post.
    bound: datetime | None = None
    idle: bool = False


@dataclass
class EventTimeAligner:
    """Keeps the source partitions of one process within `max_lead` event time of each other.

    A partition may emit a post stamped `t` only while `t <= slowest + max_lead`, where
    `slowest` is the lowest bound reported by the *other* active partitions. The partition holding
    the lowest bound can therefore always go on, so the partitions cannot block each other.
    A partition that has read nothing for `idle_after` (caught up, or empty) and one that has
    ended do not count, nor one that has read only messages without posts; one that has read
    nothing yet holds the others until it has read something or is idle. Thread-safe: the
    workers of a process share one aligner.

    In a cluster (`cluster` set) every other process counts as one more partition, with the
    bound it last published (`streaming_flows.cluster_time`) and `cluster_lead` instead of
    `max_lead`; one not heard from yet holds.
    """

    max_lead: timedelta
    max_future: timedelta
    idle_after: timedelta = timedelta(seconds=2)
    wall_clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Told when every partition is idle, and when one is active again (see `report`).
    stream_time: StreamTime | None = None
    cluster: ClusterTime | None = None
    cluster_lead: timedelta = CLUSTER_LEAD
    _parts: dict[str, _PartitionTime] = field(default_factory=dict, init=False)
    _latest: datetime | None = field(default=None, init=False)
    _joined: bool = field(default=False, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def join(self, part: str) -> None:
        with self._lock:
            self._parts[part] = _PartitionTime()
            self._joined = True

    def leave(self, part: str) -> None:
        with self._lock:
            self._parts.pop(part, None)

    def report(
        self, part: str, bound: datetime | None, idle: bool, emitted: datetime | None = None
    ) -> None:
        """Where `part` stands: its bound, whether it is idle, the latest time it emitted."""
        with self._lock:
            self._parts[part] = _PartitionTime(bound, idle)
            if emitted is not None and (self._latest is None or emitted > self._latest):
                self._latest = emitted
            all_idle = all(t.idle for t in self._parts.values())
            latest = self._latest
        if self.stream_time is not None:
            peers = self._peers()
            if all_idle and all(peer is not None and peer.idle for peer in peers):
                self.stream_time.source_idle(latest)
            else:
                self.stream_time.source_active()

    def _peers(self) -> list[PeerTime | None]:
        return self.cluster.peers() if self.cluster is not None else []

    def _others(
        self, part: str | None, pacing: bool = False
    ) -> list[tuple[datetime | None, timedelta]]:
        """(bound, lead) of the active partitions but `part`, and of the other processes.

        Another process may be `cluster_lead` behind: what it publishes is seconds old
        (`streaming_flows.cluster_time`), and on a backlog seconds are hours of event time, so a
        lead of `max_lead` would have the processes wait on each other's reports. For `pacing`
        (the lead) another process counts with its newest bound, for stamping with the lowest of
        its measured in-flight span (`streaming_flows.cluster_time`).
        """
        with self._lock:
            others = [
                (t.bound, self.max_lead) for p, t in self._parts.items() if p != part and not t.idle
            ]
        for peer in self._peers():
            if peer is None:  # not heard from yet: it holds, like a partition not read yet
                others.append((None, self.cluster_lead))
            elif not peer.idle:
                bound = peer.bound
                if pacing and bound is not None and peer.latest is not None:
                    bound = peer.latest
                others.append((bound, self.cluster_lead))
        return others

    def limit_for(self, part: str) -> datetime | None:
        """The latest event time `part` may emit now; None means no limit."""
        others = self._others(part, pacing=True)
        if not others:
            return None
        if any(bound is None for bound, _ in others):
            return datetime.min.replace(tzinfo=UTC)
        return min(bound + lead for bound, lead in others if bound is not None)

    def watermark(self) -> datetime | None:
        """The slowest active partition's bound: event time this process has reached.

        Every post a partition emits from now on is stamped at or after it (up to the disorder
        inside one partition). In a cluster it is the slowest of every process. None while an
        active partition has not read a post yet, or while every partition here is idle.
        """
        with self._lock:
            if all(t.idle for t in self._parts.values()):
                return None
        bounds = [bound for bound, _ in self._others(None)]
        if any(bound is None for bound in bounds):
            return None
        return min(b for b in bounds if b is not None)

    def local_time(self) -> PeerTime:
        """What this process tells the other processes of its cluster.

        Before it has partitions it holds them, until the cluster has had time to hand it some
        (`ClusterTime.startup_over`); without any, or once they have all ended, it is idle.
        """
        in_flight = self.stream_time.in_flight() if self.stream_time is not None else 0.0
        return replace(self._local_bound(), in_flight=in_flight)

    def _local_bound(self) -> PeerTime:
        with self._lock:
            parts, joined = list(self._parts.values()), self._joined
        if not parts:  # all ended (a bounded run), or none given (yet)
            started = joined or (self.cluster is not None and self.cluster.startup_over())
            return PeerTime(None, started)
        active = [t.bound for t in parts if not t.idle]
        if not active:
            return PeerTime(None, True)
        if any(bound is None for bound in active):
            return PeerTime(None, False)
        return PeerTime(min(b for b in active if b is not None), False)

    def future_limit(
        self, partition_latest: datetime | None, now: datetime | None = None
    ) -> datetime:
        """Posts stamped after this are rejected as `future_timestamp`.

        Measured from the latest of the wall clock (so replays of old data pass), the watermark,
        and the partition's own latest accepted post (so data ahead of the wall clock, read in
        order, passes too): a single stamp that jumps ahead is what gets caught. `now` is
        `future_reference()` taken once for a batch of messages.
        """
        references = [now or self.future_reference(), partition_latest]
        return max(r for r in references if r is not None) + self.max_future

    def future_reference(self) -> datetime:
        """The later of the wall clock and the watermark (see `future_limit`)."""
        watermark = self.watermark()
        now = self.wall_clock()
        return now if watermark is None else max(now, watermark)


class _AlignedPartition(StatefulSourcePartition[Any, Any]):
    """Parses what the inner partition reads and emits it as far as the aligner allows.

    It reads a new batch only once the previous one is all emitted, so at most one batch waits
    per partition. The snapshot is the offset of the first message not yet emitted.
    """

    def __init__(
        self,
        inner: StatefulSourcePartition[Any, Any],
        part: str,
        aligner: EventTimeAligner,
        limits: ParseLimits = DEFAULT_LIMITS,
    ) -> None:
        self._inner = inner
        self._limits = limits
        self._part = part
        self._aligner = aligner
        # (item, event time or None) of the batch being emitted; `_lower[i]` bounds the times
        # from `_items[i]` on (posts inside one partition may be slightly out of order).
        self._items: list[tuple[Any, datetime | None]] = []
        self._lower: list[datetime | None] = []
        self._next = 0
        self._emitted: datetime | None = None
        self._accepted: datetime | None = None
        self._empty_since: float | None = None
        self._empty_reads = 0  # reads in a row that found nothing: the partition is caught up
        self._has_read = False
        self._paused = False
        self._paused_calls = 0  # calls in a row that emitted nothing because it was held back
        aligner.join(part)

    def next_batch(self) -> list[Any]:
        idle = False
        if self._next == len(self._items):
            try:
                idle = self._read()
            except StopIteration:
                self._aligner.leave(self._part)
                raise
        limit = self._aligner.limit_for(self._part)
        # Stamped on what this call emits: a lower bound of every post emitted from now on.
        watermark = self._aligner.watermark()
        start = self._next
        while self._next < len(self._items):
            at = self._items[self._next][1]
            if at is not None and limit is not None and at > limit:
                break
            if at is not None:
                self._emitted = at if self._emitted is None else max(self._emitted, at)
            self._next += 1
        self._paused = self._next < len(self._items)
        self._paused_calls = self._paused_calls + 1 if self._paused and self._next == start else 0
        bound = self._bound()
        # Having read only messages without posts (all rejected), it has no time to hold to.
        self._aligner.report(
            self._part, bound, idle or (bound is None and self._has_read), self._emitted
        )
        emitted_at = time.time()
        if self._next > start:
            _note_source_lag(self._items[start][0], emitted_at)
        if self._aligner.stream_time is not None and any(
            isinstance(item, ParsedMessage) and item.result.posts
            for item, _ in self._items[start : self._next]
        ):
            self._aligner.stream_time.note_emitted(emitted_at)
        return [
            _stamped(item, watermark, emitted_at) for item, _ in self._items[start : self._next]
        ]

    def _read(self) -> bool:
        """Parse the inner partition's next batch; True once it has read nothing for a while."""
        batch = self._inner.next_batch()
        now = time.monotonic()
        if not batch:
            self._empty_since = self._empty_since or now
            self._empty_reads += 1
            self._items, self._lower, self._next = [], [], 0
            return now - self._empty_since >= self._aligner.idle_after.total_seconds()
        self._empty_since = None
        self._empty_reads = 0
        self._has_read = True
        now = self._aligner.future_reference()  # once per batch: it costs a lock and a scan
        self._items = [self._parse(message, now) for message in batch]
        self._lower, lowest = [], None
        for _, at in reversed(self._items):
            if at is not None:
                lowest = at if lowest is None else min(lowest, at)
            self._lower.append(lowest)
        self._lower.reverse()
        self._next = 0
        return False

    def _parse(self, message: Any, now: datetime) -> tuple[Any, datetime | None]:
        if hasattr(message, "err"):  # a consumer error: passed on for the flow to count
            return message, None
        result = parse_message(message.value or b"", limits=self._limits)
        if not result.posts:
            return ParsedMessage(message, result), None
        at = max(post.created_at for post in result.posts)
        limit = self._aligner.future_limit(self._accepted, now)
        if at > limit:
            reference = limit - self._aligner.max_future
            rejected = ParseResult(
                reason="future_timestamp",
                detail=f"created_at {at:%Y-%m-%dT%H:%M:%SZ} is more than "
                f"{self._aligner.max_future.total_seconds():.0f} s after "
                f"{reference:%Y-%m-%dT%H:%M:%SZ} (the later of the wall clock and the stream's "
                "event time); fix the producer's clock or raise SOCIALPULSE_MAX_FUTURE_SECONDS",
                format=result.format,
            )
            return ParsedMessage(message, rejected), None
        self._accepted = at if self._accepted is None else max(self._accepted, at)
        return ParsedMessage(message, result), at

    def _bound(self) -> datetime | None:
        if self._next < len(self._items) and self._lower[self._next] is not None:
            return self._lower[self._next]
        return self._emitted

    def next_awake(self) -> datetime | None:
        if self._paused:
            # Held back while a slower partition catches up: look again after 1 ms, then 2, 4,
            # ... up to 16 ms while still held, rather than every millisecond (about 900 calls a
            # second, each taking the aligner's lock). The slower partition's next batch takes
            # longer than that to process, so the wait costs no throughput.
            if not self._paused_calls:
                return None  # it emitted part of its batch: go on at once
            doublings = min(self._paused_calls - 1, PAUSED_POLL_DOUBLINGS)
            return datetime.now(UTC) + PAUSED_POLL_FIRST * 2**doublings
        if self._empty_reads and self._next == len(self._items):
            # Caught up: poll again after 1, 2, 4, ... up to 64 ms rather than about every 2 ms
            # (Bytewax's back-off plus the consumer's 1 ms wait), which kept 7% of a core busy
            # with 4 idle partitions. A new post waits at most 64 ms more.
            delay = IDLE_POLL_FIRST * 2 ** min(self._empty_reads - 1, IDLE_POLL_DOUBLINGS)
            backed_off = datetime.now(UTC) + delay
            inner = self._inner.next_awake()
            return backed_off if inner is None else max(inner, backed_off)
        return self._inner.next_awake()

    def snapshot(self) -> Any:
        if self._next < len(self._items):
            return _item_offset(self._items[self._next][0])
        return self._inner.snapshot()

    def close(self) -> None:
        self._aligner.leave(self._part)
        self._inner.close()


def _note_source_lag(item: Any, emitted_at: float) -> None:
    """The stream's lag behind its input: from the Kafka timestamp of the first message a
    partition emits in a batch (the producer's CreateTime, or the broker's LogAppendTime) to now."""
    message = item.message if isinstance(item, ParsedMessage) else item
    stamp = getattr(message, "timestamp", None)  # (type, ms); type 0: none
    if stamp and stamp[0] and stamp[1] > 0:
        lag = emitted_at - stamp[1] / 1000.0
        metrics.SOURCE_LAG.observe(lag if lag > 0.0 else 0.0)


def _stamped(item: Any, watermark: datetime | None, emitted_at: float) -> Any:
    if isinstance(item, ParsedMessage):
        return ParsedMessage(item.message, item.result, watermark, emitted_at)
    return item


def _item_offset(item: Any) -> int:
    return item.message.offset if isinstance(item, ParsedMessage) else _offset(item)


class PostsKafkaSource(KafkaSource):
    """The Bytewax Kafka source for posts: parsed at the source, time-aligned, optionally bounded.

    Unbounded (the default) it tails the topic from the beginning, or from the offsets in the
    recovery snapshot. Bounded, it reads each partition from `start_offsets[partition]` up to and
    including `stop_offsets[partition]` and then ends, which is how the demo and tests consume
    exactly what they produced (the local broker's high watermark is not reliable enough for
    `tail=False`). A recovery snapshot's offsets win over `start_offsets`.

    It emits `ParsedMessage`s (and consumer errors as they come). The partitions this process
    reads share one `EventTimeAligner` (see there): none runs more than `max_lead` of event time
    ahead of the slowest, and posts stamped more than `max_future` ahead are rejected. With
    `cluster` the slowest is that of every process of the cluster.

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
        max_lead: timedelta = timedelta(seconds=15),
        max_future: timedelta = timedelta(seconds=60),
        limits: ParseLimits = DEFAULT_LIMITS,
        stream_time: StreamTime | None = None,
        cluster: ClusterTime | None = None,
    ) -> None:
        config = {**SOURCE_CONSUMER_DEFAULTS, **kafka_config}
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
        self._aligner = EventTimeAligner(
            max_lead=max_lead, max_future=max_future, stream_time=stream_time, cluster=cluster
        )
        self._cluster = cluster
        self._limits = limits
        self._kafka_config = dict(kafka_config)
        # The worker thread that reads every partition of this process (see `list_parts`).
        self._reader: int | None = None
        self._reader_lock = threading.Lock()

    def list_parts(self) -> list[str]:
        """The topic's partitions on the first worker of this process to ask; none on the others.

        Bytewax would give each worker its share, and each partition then starts its epochs on its
        own worker's clock. A partition may emit in epoch `e` only once every partition has left
        epoch `e - 1`, so once one worker is held up (an alert waiting out a broker outage, a slow
        lake write) the workers' epochs stay out of step for good, and a partition may then emit
        only in the moments of each epoch in which the others have moved on too. Paced within
        `max_lead` of each other, the partitions then crawled at about `max_lead` of event time
        per epoch (15 s per 5 s, `tests/integration/test_stream_faults.py`). On one worker the
        partitions start and end their epochs together. The workers still share the rest of the
        flow by key.
        """
        # Every worker of every process lists its partitions before any is built: from here on
        # this process tells the others of its cluster where it stands (even with none).
        if self._cluster is not None:
            self._cluster.start(self._aligner.local_time)
        with self._reader_lock:
            if self._reader is None:
                self._reader = threading.get_ident()
            if self._reader != threading.get_ident():
                return []
        return list_topic_parts(self._kafka_config, self._topics)

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
        # Draining stays outermost: once a stop is requested it ends the partition.
        aligned = _AlignedPartition(partition, for_part, self._aligner, self._limits)
        return DrainingPartition(aligned, for_part)


def list_topic_parts(
    kafka_config: Mapping[str, str], topics: list[str], timeout: float = 30
) -> list[str]:
    """Bytewax's names (`"<partition>-<topic>"`) of the partitions of `topics`.

    Bytewax's own listing builds its admin client from the consumers' settings, and librdkafka
    warns at start about each consumer-only property it is given (the prefetch bounds above);
    this one gets the connection settings only, and a timeout instead of waiting for ever.
    """
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(dict(kafka_config))
    parts = []
    for topic in topics:
        metadata = admin.list_topics(topic, timeout=timeout).topics[topic]
        if metadata.error is not None:
            raise RuntimeError(
                f"cannot list the partitions of Kafka topic {topic!r}: {metadata.error.str()}"
            )
        parts += [f"{index}-{topic}" for index in sorted(metadata.partitions)]
    return parts


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
