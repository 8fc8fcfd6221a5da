"""Event time across the processes of a cluster, exchanged over a small Kafka topic.

Each process aligns its own source partitions (`streaming_flows.kafka_io.EventTimeAligner`), but
a key's window receives posts from every process. Without a shared event time, a process whose
partitions run ahead (on a backlog each process reads as fast as it can) closes windows that
the other process's posts still belong to: the benchmark's two-process run counted 274,725 late
key observations on 300,000 posts and raised 63 alerts instead of 123.

So every process publishes where its partitions stand, five times a second, to
`SOCIALPULSE_CLUSTER_TIME_TOPIC` (one partition, keyed by cluster and process), and reads what
the others publish. The aligner then treats each other process like one more partition: the
watermark stamped on posts is the slowest process's, so no window closes before every process
has passed it, and no process runs more than `CLUSTER_LEAD` of event time ahead of the slowest
(which bounds the windows each key holds open). A process not heard from yet holds the others
(as a partition that has read nothing does), so nobody runs ahead while the cluster starts; one
with no partition of its own says so once it has had time to be given some (`startup_grace`).

What a process publishes is the lowest bound its partitions had over a recent span: posts it
emitted before its latest report may still be on their way through its workers, and the others
must not stamp past them. The span is measured, not guessed: each process notes how long posts
take from its source to its windows (`StreamTime.in_flight`) and publishes it, and the span is
twice the longest any process saw over the last minute, at least `IN_FLIGHT` seconds (a loaded
machine slows everything; a fixed 5 s was too short there). A report that arrives late is only
lower still: a stale view holds windows open a little longer, never counts a post late. For the
lead, the others go by a process's newest bound (`PeerTime.latest`), so waiting on reports does
not slow a catch-up. A single process (no `--addresses`) uses none of this.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import orjson
from confluent_kafka import OFFSET_END, Consumer, Producer, TopicPartition

log = logging.getLogger(__name__)

# How far in event time a process may run ahead of the slowest. Reports are seconds old by the
# time they are used, and on a backlog a second is an hour of event time or more (the generator's
# 60 posts a minute read at thousands a second), so this is wide; it bounds the windows a key holds
# open while the processes catch up, not correctness (the stamps do that).
CLUSTER_LEAD = timedelta(hours=2)
# Posts a process emitted this long ago have gone through its workers and across to the other
# processes' workers: its published bound is the lowest it had over this span. 1 s was too short
# on a busy machine: in the two-process catch-up test (16,000 posts, 4 partitions,
# tests/integration/test_stream_recovery.py) at load average 2 to 7 on 2 cores, 77 to 200 key
# observations were counted late in each of 4 runs (the code of 2026-11-30 included); with 5 s,
# none in 2 runs. The price: in a cluster, windows close up to this much later in wall time. The
# lead (`CLUSTER_LEAD`) goes by each process's newest bound instead (`PeerTime.latest`): by the
# lowest of 5 s, a process catching up at thousands of posts a second read hours of event time
# behind the others' reports and waited for them (300,000 posts: 2 processes about 700 posts/s
# against 2,000 for one).
IN_FLIGHT = 5.0
# Under load posts take longer than that: the span is at least this many times the longest any
# process of the cluster measured a post take from its source to its windows over the last minute
# (`streaming_flows.clock.StreamTime.in_flight`), up to MAX_IN_FLIGHT seconds. With 5 s alone,
# the two-process catch-up test counted 334 observations late with the machine's 2 cores loaded
# 5-fold (load average 10).
IN_FLIGHT_FACTOR = 2.0
MAX_IN_FLIGHT = 120.0


@dataclass(frozen=True)
class PeerTime:
    """Where one process's partitions stand.

    `bound` is the lowest event time its active partitions can still emit (None: it has an
    active partition that has read nothing yet, so it holds everyone). `idle` means every one of
    its partitions is idle or it has none: it holds nobody.
    """

    bound: datetime | None
    idle: bool
    # Its partitions' bound now (the newest of the reports `bound` is the lowest of): how far it
    # has read, for the lead; `bound` is what the others may stamp up to. None: as `bound`.
    latest: datetime | None = field(default=None, compare=False)
    # The longest a post took from its source to its windows lately, in seconds (`IN_FLIGHT`).
    in_flight: float = field(default=0.0, compare=False)

    def to_json(self, cluster: str, process: int) -> bytes:
        return orjson.dumps(
            {
                "cluster": cluster,
                "process": process,
                "bound": None if self.bound is None else self.bound.isoformat(),
                "idle": self.idle,
                "latest": None if self.latest is None else self.latest.isoformat(),
                "in_flight": self.in_flight,
            }
        )

    @staticmethod
    def from_json(payload: bytes) -> tuple[str, int, PeerTime]:
        record = orjson.loads(payload)
        bound = None if record["bound"] is None else datetime.fromisoformat(record["bound"])
        latest = record.get("latest")  # absent from the reports of earlier versions
        latest = None if latest is None else datetime.fromisoformat(latest)
        in_flight = float(record.get("in_flight") or 0.0)
        peer = PeerTime(bound, bool(record["idle"]), latest, in_flight)
        return record["cluster"], int(record["process"]), peer


def lowest(reports: Iterable[PeerTime]) -> PeerTime:
    """One report that holds the others as far back as the lowest of `reports` (oldest first).

    Idle reports say nothing of posts in flight; if the latest is idle, the process is idle. A
    report holding everyone (an active partition without a post yet) holds.
    """
    reports = list(reports)
    if reports[-1].idle:
        return reports[-1]
    active = [r for r in reports if not r.idle]
    if any(r.bound is None for r in active):
        return PeerTime(None, False)
    return PeerTime(min(r.bound for r in active if r.bound is not None), False)


def cluster_name(topic: str, addresses: tuple[str, ...]) -> str:
    """Processes of one cluster share it; another cluster on the same broker has another."""
    return hashlib.sha256(f"{topic}|{';'.join(addresses)}".encode()).hexdigest()[:16]


class ClusterTime:
    """Publishes this process's `PeerTime` and collects the other processes' (see module)."""

    def __init__(
        self,
        kafka_config: Mapping[str, str],
        topic: str,
        cluster: str,
        process_id: int,
        process_count: int,
        interval: float = 0.2,
        startup_grace: float = 10.0,
    ) -> None:
        self._config = dict(kafka_config)
        self._topic = topic
        self._cluster = cluster
        self._process_id = process_id
        self._others = [p for p in range(process_count) if p != process_id]
        self._interval = interval
        self._startup_grace = startup_grace
        self._peers: dict[int, PeerTime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._all_heard_at: float | None = None

    def start(self, local: Callable[[], PeerTime]) -> None:
        """Publish `local()` every `interval` from a thread, and read the others'."""
        with self._lock:  # every worker of the process asks
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, args=(local,), name="cluster-time", daemon=True
                )
                self._thread.start()

    def peers(self) -> list[PeerTime | None]:
        """The other processes' latest reports; None for one not heard from yet."""
        with self._lock:
            return [self._peers.get(p) for p in self._others]

    def in_flight_span(self, local_in_flight: float) -> float:
        """Seconds over which this process reports its lowest bound (see `IN_FLIGHT`)."""
        longest = max([local_in_flight] + [p.in_flight for p in self.peers() if p is not None])
        return min(max(IN_FLIGHT, IN_FLIGHT_FACTOR * longest), MAX_IN_FLIGHT)

    def startup_over(self) -> bool:
        """Every other process has been heard from for `startup_grace` seconds.

        By then a process that has been given partitions has built them; one that has none may
        say it is idle.
        """
        with self._lock:
            heard = self._all_heard_at
        return heard is not None and time.monotonic() - heard >= self._startup_grace

    def _run(self, local: Callable[[], PeerTime]) -> None:
        producer = Producer({**self._config, "linger.ms": "0", "log_level": "3"})
        consumer = Consumer(
            {
                **self._config,
                "group.id": f"socialpulse-cluster-time-{uuid.uuid4().hex}",
                "enable.auto.commit": "false",
                "log_level": "3",
            }
        )
        # Only what is said from now on: the others repeat themselves every `interval`.
        consumer.assign([TopicPartition(self._topic, 0, OFFSET_END)])
        recent: deque[tuple[float, PeerTime]] = deque()
        try:
            while not self._stop.is_set():
                now, here = time.monotonic(), local()
                recent.append((now, here))
                while now - recent[0][0] > MAX_IN_FLIGHT:
                    recent.popleft()
                span = self.in_flight_span(here.in_flight)
                # The lowest bound of the span to stamp by; the newest one to pace the lead by.
                report = replace(
                    lowest(t for at, t in recent if now - at <= span),
                    latest=here.bound,
                    in_flight=here.in_flight,
                )
                producer.produce(
                    self._topic,
                    report.to_json(self._cluster, self._process_id),
                    key=f"{self._cluster}/{self._process_id}".encode(),
                )
                producer.poll(0)
                self._read(consumer)
        except Exception:  # the aligner keeps the last view: the others wait, nothing is late
            log.exception("cluster time exchange on %s stopped", self._topic)
        finally:
            consumer.close()
            producer.flush(1.0)

    def _read(self, consumer: Consumer) -> None:
        deadline = time.monotonic() + self._interval
        while (left := deadline - time.monotonic()) > 0:
            for message in consumer.consume(100, left):
                if message.error() is not None or message.value() is None:
                    continue
                try:
                    cluster, process, peer = PeerTime.from_json(message.value())
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    continue
                if cluster != self._cluster or process not in self._others:
                    continue
                with self._lock:
                    self._peers[process] = peer
                    if self._all_heard_at is None and len(self._peers) == len(self._others):
                        self._all_heard_at = time.monotonic()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def ensure_cluster_topic(kafka_config: Mapping[str, str], topic: str) -> None:
    """Create the one-partition topic if it is missing; its messages matter for seconds."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(dict(kafka_config))
    if topic in admin.list_topics(timeout=10).topics:
        return
    new = NewTopic(topic, 1, 1, config={"retention.ms": "3600000"})
    try:
        admin.create_topics([new], operation_timeout=10)[topic].result()
    except Exception as error:  # another process of the cluster may have created it first
        if "TOPIC_ALREADY_EXISTS" not in str(error):
            raise


def cluster_time_for(
    kafka_config: Mapping[str, str],
    topic: str,
    posts_topic: str,
    process_id: int | None,
    addresses: tuple[str, ...],
) -> ClusterTime | None:
    """The exchange for process `process_id` of the cluster at `addresses`; None for one process."""
    if len(addresses) < 2 or process_id is None:
        return None
    ensure_cluster_topic(kafka_config, topic)
    return ClusterTime(
        kafka_config, topic, cluster_name(posts_topic, addresses), process_id, len(addresses)
    )
