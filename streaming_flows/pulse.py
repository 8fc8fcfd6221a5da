"""The SocialPulse dataflow: Kafka posts in; dead letters, lake batches and alerts out.

    messages ─► parse, enrich, check ─► dead-letter topic (reason + original bytes)
      ├─► lake (landing/, batched per Kafka partition)
      └─► counts per (key, window) ─► heavy-hitter gate ─┬─► event-time windows ─┬─► detector
                                                         └─► open windows' counts ┘   per key
                                                                                        └─► alerts

It works on batches, not posts: whatever the source hands over at once (a Kafka partition's
read, up to 1,000 messages) is parsed, enriched (sentiment in one call per batch) and checked in
one step, goes to the lake as one list per Kafka partition, and reaches the stateful steps as one
count per (key, window) of the batch (`socialpulse.windows.key_batches`), not one item per post
and key. The windows, dead letters, lake rows and alert ids are those of the per-post flow it
replaced (`tests/unit/test_batched_flow.py` runs both).

With `SOCIALPULSE_EARLY_ALERTS`, the detector per key also sees the counts of each window still
open, so a spike alerts before its window closes (`socialpulse.monitoring`: the same alert ids
whatever the timing).

`build_flow` takes its sources and sinks as arguments, so tests run the same flow with
`TestingSource`/`TestingSink` and production runs it with Kafka. Run it with
`socialpulse stream`, or `python -m bytewax.run streaming_flows.pulse:flow` (which builds the
production wiring from the `SOCIALPULSE_*` settings).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import bytewax.operators as op
from bytewax.connectors.kafka import KafkaSink, KafkaSinkMessage, KafkaSourceMessage
from bytewax.dataflow import Dataflow, Stream
from bytewax.inputs import Source
from bytewax.operators import KeyedStream
from bytewax.operators import windowing as win
from bytewax.outputs import Sink

from socialpulse import metrics
from socialpulse.adapters import DEFAULT_LIMITS, ParseLimits, parse_message
from socialpulse.alerts import Alert
from socialpulse.baselines import RefreshingBaselines
from socialpulse.enrichment import Enricher
from socialpulse.heavy_hitters import Counted, HeavyHitterGate, Keyed, shard_of
from socialpulse.lake import Lake, added_column_problem, landing_problem
from socialpulse.monitoring import KeyMonitor, MonitorConfig, OpenWindowPost, WindowItem
from socialpulse.settings import Settings, get_settings
from socialpulse.windows import (
    EMITTED_AT,
    EVENT_WATERMARK,
    NO_WATERMARK,
    WindowStats,
    key_batches,
    window_bounds,
    window_of,
)
from streaming_flows.clock import SourceWatermarkClock, StreamTime
from streaming_flows.cluster_time import cluster_time_for
from streaming_flows.kafka_io import ParsedMessage, PostsKafkaSource, dead_letter_message
from streaming_flows.lake_sink import LakeBatchSink, lake_batches

# Windows are numbered from this instant; changing it invalidates recovery snapshots.
WINDOW_ALIGN = datetime(2020, 1, 1, tzinfo=UTC)
# Shards of the heavy-hitter gate: enough to spread over workers, few enough to stay cheap.
GATE_SHARDS = 64


@dataclass(frozen=True)
class FlowConfig:
    window: timedelta = timedelta(minutes=1)
    allowed_lateness: timedelta = timedelta(seconds=30)
    lake_batch_size: int = 5000
    lake_flush: timedelta = timedelta(seconds=10)
    watchlist: tuple[str, ...] = ()
    parse_limits: ParseLimits = DEFAULT_LIMITS
    monitor: MonitorConfig = field(default_factory=MonitorConfig)

    @classmethod
    def from_settings(cls, settings: Settings) -> FlowConfig:
        return cls(
            window=timedelta(seconds=settings.window_seconds),
            allowed_lateness=timedelta(seconds=settings.allowed_lateness_seconds),
            lake_batch_size=settings.lake_batch_size,
            lake_flush=timedelta(seconds=settings.lake_flush_seconds),
            watchlist=settings.watchlist_terms,
            parse_limits=ParseLimits.from_settings(settings),
            monitor=replace(
                MonitorConfig.from_settings(settings),
                baselines=RefreshingBaselines(lambda: Lake.from_settings(settings)),
            ),
        )


@dataclass(frozen=True)
class Rejected:
    message: KafkaSourceMessage[bytes | None, bytes | None]
    reason: str
    detail: str


def parse_kafka_message(
    item: Any, limits: ParseLimits = DEFAULT_LIMITS
) -> list[dict[str, Any]] | Rejected:
    """Canonical posts with their Kafka coordinates, or why the message was rejected.

    `PostsKafkaSource` has parsed its messages already (it needs their event time), with the
    same limits; messages from other sources (tests) are parsed here.
    """
    metrics.MESSAGES.inc()
    if hasattr(item, "err"):  # a consumer error delivered into the flow
        metrics.REJECTED.labels("kafka_error").inc()
        return Rejected(item.msg, "kafka_error", str(item.err))
    stamp: dict[str, Any] = {}
    if isinstance(item, ParsedMessage):
        message, result = item.message, item.result
        # The source's event-time watermark (NO_WATERMARK while unknown) drives the windows' clock.
        stamp = {EVENT_WATERMARK: item.watermark or NO_WATERMARK, EMITTED_AT: item.emitted_at}
    else:
        message, result = item, parse_message(item.value or b"", limits=limits)
    if result.reason is not None:
        metrics.REJECTED.labels(result.reason.split(":", 1)[0]).inc()
        return Rejected(message, result.reason, result.detail)
    return [
        {
            **post.to_record(),
            "kafka_topic": message.topic,
            "kafka_partition": message.partition,
            "kafka_offset": message.offset,
            **stamp,
        }
        for post in result.posts
    ]


def check_landing_record(
    record: dict[str, Any], problem_of: Callable[[dict[str, Any]], Any] = landing_problem
) -> dict[str, Any] | Rejected:
    """The record, or (if a lake column cannot hold it) its own payload as a dead letter.

    `problem_of` is `added_column_problem` for records of posts `parse_message` has checked.
    """
    problem = problem_of(record)
    if problem is None:
        return record
    column, why = problem
    metrics.REJECTED.labels("bad_value").inc()
    own = KafkaSourceMessage(
        key=None,
        value=str(record.get("raw", "")).encode(),
        topic=record["kafka_topic"],
        partition=record["kafka_partition"],
        offset=record["kafka_offset"],
    )
    return Rejected(own, f"bad_value:{column}", f"{column} {why} (post {record.get('id')!r:.60})")


@dataclass
class PostBatch:
    """What one batch of Kafka messages became: enriched records the lake can hold (in the
    order read) and the messages rejected on the way (with the reason)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class _BatchProcessor:
    """Parses, enriches and checks a batch of messages in one call (`op.flat_map_batch`).

    Builds the enricher (sentiment model, watch list) once per worker, on first use.
    """

    def __init__(
        self,
        limits: ParseLimits,
        enricher_factory: Callable[[], Enricher],
        stream_time: StreamTime,
    ) -> None:
        self._limits = limits
        self._enricher = _LazyEnricher(enricher_factory)
        self._stream_time = stream_time

    def __call__(self, items: list[Any]) -> list[PostBatch]:
        batch = PostBatch()
        parsed_records: list[dict[str, Any]] = []
        for item in items:
            parsed = parse_kafka_message(item, self._limits)
            if isinstance(parsed, Rejected):
                batch.rejected.append(parsed)
            else:
                parsed_records.extend(parsed)
        # A record the lake cannot hold would stop the lake sink on every restart: dead-letter it.
        for record in self._enricher.enrich_all(parsed_records) if parsed_records else ():
            # The post's own columns were checked when it was parsed.
            checked = check_landing_record(record, added_column_problem)
            if isinstance(checked, Rejected):
                batch.rejected.append(checked)
            else:
                batch.records.append(checked)
        for emitted_at in {r.get(EMITTED_AT) for r in batch.records} - {None}:
            self._stream_time.note_arrived(emitted_at)
        return [batch] if batch.records or batch.rejected else []


def per_partition(records: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The records of each Kafka partition, keyed for the lake batches, in the order read."""
    parts: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        parts.setdefault(f"{record['kafka_topic']}:{record['kafka_partition']}", []).append(record)
    return list(parts.items())


def build_flow(
    source: Source[Any],
    dead_letter_sink: Sink[KafkaSinkMessage[bytes | None, bytes | None]],
    lake_sink: Sink[tuple[str, list[dict[str, Any]]]],
    alert_sinks: Iterable[Sink[Alert]],
    config: FlowConfig,
    enricher_factory: Callable[[], Enricher],
    flow_id: str = "socialpulse",
    stream_time: StreamTime | None = None,
    window_sink: Sink[WindowItem] | None = None,
) -> Dataflow:
    """The dataflow (see module). `stream_time` is the one the source reports to, if it does;
    `window_sink`, if given, receives every closed window (for tests and investigations)."""
    stream_time = stream_time or StreamTime()
    flow = Dataflow(flow_id)
    messages = op.input("posts", flow, source)
    # Whatever the source hands over at once is parsed, enriched and checked in one call, and
    # from there on travels as one item per batch, partition or (key, window), not per post.
    batches = op.flat_map_batch(
        "parse_enrich_check",
        messages,
        _BatchProcessor(config.parse_limits, enricher_factory, stream_time),
    )

    rejected = op.flat_map("rejected", batches, lambda b: b.rejected)
    dead_letters = op.map(
        "dead_letter", rejected, lambda r: dead_letter_message(r.message, r.reason, r.detail)
    )
    op.output("dead_letters", dead_letters, dead_letter_sink)

    by_partition = op.flat_map("by_kafka_partition", batches, lambda b: per_partition(b.records))
    lake = lake_batches(
        "lake_batches", by_partition, flush_after=config.lake_flush, max_size=config.lake_batch_size
    )
    op.output("lake", lake, lake_sink)

    # Posts of one key and window read together are counted together (`key_batches`).
    keyed = op.flat_map(
        "keys", batches, lambda b: key_batches(b.records, config.window, WINDOW_ALIGN)
    )
    by_shard = op.map("shard", keyed, lambda kv: (shard_of(kv[0], GATE_SHARDS), kv))
    admitted = op.map(
        "unshard",
        op.stateful_flat_map("heavy_hitters", by_shard, _gate_builder(config)),
        _second,
    )
    windows = win.fold_window(
        "windows",
        admitted,
        # Windows close on the source's event-time watermark, never on system time, so the same
        # input gives the same windows however the run went (see streaming_flows.clock).
        clock=SourceWatermarkClock(
            stream_time,
            ts_getter=lambda o: o.created_at,
            stamp_getter=_observation_stamp,
            lateness=config.allowed_lateness,
            # Keys without posts of their own close their windows on the stream's time only
            # this far behind it (posts read earlier may still be on their way): two windows.
            in_flight_margin=2 * config.window,
            # A cluster's processes hold event time back by how long posts are in flight.
            emitted_getter=_observation_emitted_at,
        ),
        windower=win.TumblingWindower(length=config.window, align_to=WINDOW_ALIGN),
        builder=WindowStats,
        folder=WindowStats.add,
        merger=WindowStats.merge,
    )
    # Late posts are already in the lake (landing happens before windowing); count them here.
    op.inspect(
        "count_late",
        windows.late,
        lambda _step, item: metrics.LATE_OBSERVATIONS.inc(item[1][1].posts),
    )
    alerts = detect_alerts(admitted, windows.down, config, window_sink)
    alert_values = op.map("alert_values", alerts, lambda kv: kv[1])
    for index, sink in enumerate(alert_sinks):
        op.output(f"alerts_{index}", alert_values, sink)
    return flow


def _gate_builder(
    config: FlowConfig,
) -> Callable[[HeavyHitterGate | None, tuple[str, Counted]], tuple[HeavyHitterGate, list[Keyed]]]:
    def gate(
        state: HeavyHitterGate | None, keyed: tuple[str, Counted]
    ) -> tuple[HeavyHitterGate, list[Keyed]]:
        if state is None:
            state = HeavyHitterGate(
                window=config.window,
                align_to=WINDOW_ALIGN,
                min_support=config.monitor.min_support,
                idle_windows=int(config.monitor.idle / config.window),
                # A window still open in the windowing step may still reach support.
                slack_windows=1 + math.ceil(config.allowed_lateness / config.window),
            )
        return state, state.offer(*keyed)

    return gate


def detect_alerts(
    admitted: Stream[Keyed],
    closed_windows: KeyedStream[tuple[int, WindowStats]],
    config: FlowConfig,
    window_sink: Sink[WindowItem] | None = None,
) -> KeyedStream[Alert]:
    """Each key's closed windows (and with early alerts the posts of its open ones) through
    its `KeyMonitor`."""

    def monitor_builder(resume_state: dict[str, Any] | None) -> TimedKeyMonitor:
        return TimedKeyMonitor(KeyMonitor(config.monitor, resume_state))

    def with_bounds(
        keyed: tuple[str, tuple[int, WindowStats]],
    ) -> tuple[str, tuple[str, datetime, datetime, WindowStats]]:
        # The monitor sees only values, and an alert needs its key: carry it along.
        key, (window_id, stats) = keyed
        start, end = window_bounds(window_id, config.window, WINDOW_ALIGN)
        return key, (key, start, end, stats)

    def open_window_post(keyed: Keyed) -> tuple[str, OpenWindowPost]:
        # Each admitted post also goes straight to its key's monitor, for early alerts.
        key, observation = keyed
        window_id = window_of(observation.created_at, config.window, WINDOW_ALIGN)
        start, end = window_bounds(window_id, config.window, WINDOW_ALIGN)
        return key, (key, start, end, observation)

    closed = op.map("window_bounds", closed_windows, with_bounds)
    if window_sink is not None:
        op.output("closed_windows", op.map("window_items", closed, _second), window_sink)
    if config.monitor.early_alerts:
        open_posts = op.map("open_window_posts", admitted, open_window_post)
        closed = op.merge("closed_and_open", closed, open_posts)
    return op.stateful("detect", closed, monitor_builder)


class TimedKeyMonitor:
    """A key's `KeyMonitor` as the flow runs it: its alerts timed for
    `socialpulse_alert_decision_seconds`, everything else passed through."""

    def __init__(self, monitor: KeyMonitor) -> None:
        self.monitor = monitor

    def on_item(self, value: Any) -> tuple[list[Alert], bool]:
        alerts, retain = self.monitor.on_item(value)
        if alerts:
            note_decision_delays(alerts, value[3])
        return alerts, retain

    def on_notify(self) -> tuple[list[Alert], bool]:
        return self.monitor.on_notify()

    def on_eof(self) -> tuple[list[Alert], bool]:
        return self.monitor.on_eof()

    def notify_at(self) -> datetime | None:
        return self.monitor.notify_at()

    def snapshot(self) -> dict[str, Any]:
        return self.monitor.snapshot()


def note_decision_delays(alerts: list[Alert], trigger: Any) -> None:
    """Observe, for each alert a post raised, the seconds from the source emitting that post
    (an `Observation` or `KeyBatch` stamped with `emitted_at`) to the alert's decision."""
    emitted_at = getattr(trigger, "emitted_at", None)  # None: a closed window's stats
    if emitted_at is None:
        return
    for alert in alerts:
        delay = alert.detected_at.timestamp() - emitted_at
        metrics.ALERT_DECISION.observe(delay if delay > 0.0 else 0.0)


def _second(pair: tuple[str, Any]) -> Any:
    return pair[1]


def _observation_emitted_at(observation: Counted) -> float | None:
    return getattr(observation, "emitted_at", None)  # absent from snapshots of earlier versions


def _observation_stamp(observation: Counted) -> datetime | None:
    # Observations from snapshots taken before the field existed have none: the clock then
    # takes their own time.
    return getattr(observation, "watermark", None)


class _LazyEnricher:
    """Builds the enricher (sentiment model, watch list) once per worker, on first use."""

    def __init__(self, factory: Callable[[], Enricher]) -> None:
        self._factory = factory
        self._enricher: Enricher | None = None

    def enrich_all(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self._enricher is None:
            self._enricher = self._factory()
        return self._enricher.enrich_batch(records)


def production_flow(
    settings: Settings | None = None,
    start_offsets: dict[int, int] | None = None,
    stop_offsets: dict[int, int] | None = None,
    process_id: int | None = None,
    addresses: tuple[str, ...] = (),
) -> Dataflow:
    """The flow wired to Kafka, the configured lake and the configured alert sinks.

    With offsets it reads only that range of each partition and then ends (demo, tests). As
    process `process_id` of a cluster at `addresses`, its event time is the cluster's
    (`streaming_flows.cluster_time`).
    """
    settings = settings or get_settings()
    config = FlowConfig.from_settings(settings)
    stream_time = StreamTime()
    kafka_config = settings.kafka_config()
    brokers = kafka_config["bootstrap.servers"].split(",")
    extra = {k: v for k, v in kafka_config.items() if k != "bootstrap.servers"}
    from streaming_flows.alert_sinks import production_alert_sinks

    return build_flow(
        source=PostsKafkaSource(
            kafka_config,
            settings.posts_topic,
            start_offsets=start_offsets,
            stop_offsets=stop_offsets,
            # Partitions stay within half the allowed lateness of each other in event time: it
            # bounds the windows held open, and how far a batch of one partition can run ahead
            # of another's posts still in flight between workers. (A 10-minute lead, tried for
            # bigger batches on a backlog, made the heavy-hitter gate admit other windows on 4
            # partitions than on 1: tests/integration/test_stream_event_time.py.)
            max_lead=config.allowed_lateness / 2,
            max_future=timedelta(seconds=settings.max_future_seconds),
            limits=config.parse_limits,
            stream_time=stream_time,
            cluster=cluster_time_for(
                kafka_config,
                settings.cluster_time_topic,
                settings.posts_topic,
                process_id,
                addresses,
            ),
        ),
        dead_letter_sink=KafkaSink(
            brokers,
            settings.dlq_topic,
            # Whatever the posts topic accepted must fit in the dead-letter topic, oversize
            # records included: the client-side limit must not be what loses them.
            add_config={**extra, "message.max.bytes": str(16 << 20), "compression.type": "zstd"},
        ),
        lake_sink=LakeBatchSink(lambda: Lake.from_settings(settings)),
        alert_sinks=production_alert_sinks(settings),
        config=config,
        enricher_factory=lambda: Enricher.from_settings(settings),
        stream_time=stream_time,
    )


def __getattr__(name: str) -> Dataflow:
    # `python -m bytewax.run streaming_flows.pulse:flow` looks up `flow`; build it only then,
    # so importing this module for tests does not read settings or reach Kafka.
    if name == "flow":
        return production_flow()
    raise AttributeError(name)
