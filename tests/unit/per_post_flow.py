"""The stream's dataflow as it was before it worked on batches (commit 0ed9b82): one item per
message, per post and per (key, post) from the source to the monitor.

Kept as the reference the batched flow (`streaming_flows.pulse.build_flow`) must agree with: the
same dead letters, lake rows, windows and alert ids on the same input
(`tests/unit/test_batched_flow.py`). It uses the product's own steps (parse, enrich, check, the
heavy-hitter gate, the windows' clock, the monitor); only the wiring is the old one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import bytewax.operators as op
from bytewax.connectors.kafka import KafkaSinkMessage
from bytewax.dataflow import Dataflow
from bytewax.inputs import Source
from bytewax.operators import windowing as win
from bytewax.outputs import Sink

from socialpulse.alerts import Alert
from socialpulse.enrichment import Enricher
from socialpulse.heavy_hitters import HeavyHitterGate, shard_of
from socialpulse.monitoring import KeyMonitor, OpenWindowPost, WindowItem
from socialpulse.windows import (
    EMITTED_AT,
    Observation,
    WindowStats,
    observation_keys,
    window_bounds,
    window_of,
)
from streaming_flows.clock import SourceWatermarkClock, StreamTime
from streaming_flows.kafka_io import dead_letter_message
from streaming_flows.lake_sink import lake_batches
from streaming_flows.pulse import (
    GATE_SHARDS,
    WINDOW_ALIGN,
    FlowConfig,
    Rejected,
    _LazyEnricher,
    _observation_emitted_at,
    _observation_stamp,
    check_landing_record,
    parse_kafka_message,
)


def build_per_post_flow(
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
    """The dataflow (see module). `stream_time` is the one the source reports to, if it does."""
    stream_time = stream_time or StreamTime()
    flow = Dataflow(flow_id)
    messages = op.input("posts", flow, source)
    parsed = op.map("parse", messages, lambda m: parse_kafka_message(m, config.parse_limits))
    valid = op.branch("valid", parsed, lambda item: not isinstance(item, Rejected))

    enricher = _LazyEnricher(enricher_factory)
    enriched = op.flat_map("enrich", valid.trues, enricher.enrich_all)
    # A record the lake cannot hold would stop the lake sink on every restart: dead-letter it here.
    checked = op.map("check_landing", enriched, check_landing_record)
    landable = op.branch("landable", checked, lambda item: not isinstance(item, Rejected))
    records = landable.trues

    dead_letters = op.map(
        "dead_letter",
        op.merge("rejected", valid.falses, landable.falses),
        lambda r: dead_letter_message(r.message, r.reason, r.detail),
    )
    op.output("dead_letters", dead_letters, dead_letter_sink)

    by_partition = op.key_on(
        "by_kafka_partition",
        op.map("one_record_lists", records, lambda r: [r]),
        lambda rs: f"{rs[0]['kafka_topic']}:{rs[0]['kafka_partition']}",
    )
    batches = lake_batches(
        "lake_batches", by_partition, flush_after=config.lake_flush, max_size=config.lake_batch_size
    )
    op.output("lake", batches, lake_sink)

    def keys(record: dict[str, Any]) -> Iterable[tuple[str, Observation]]:
        emitted_at = record.get(EMITTED_AT)
        if emitted_at is not None:
            stream_time.note_arrived(emitted_at)
        return observation_keys(record)

    observations = op.flat_map("keys", records, keys)
    by_shard = op.map("shard", observations, lambda kv: (shard_of(kv[0], GATE_SHARDS), kv))

    def gate(
        state: HeavyHitterGate | None, keyed: tuple[str, Observation]
    ) -> tuple[HeavyHitterGate, list[tuple[str, Observation]]]:
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

    admitted = op.map("unshard", op.stateful_flat_map("heavy_hitters", by_shard, gate), _second)
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

    def monitor_builder(resume_state: dict[str, Any] | None) -> KeyMonitor:
        return KeyMonitor(config.monitor, resume_state)

    def with_bounds(
        keyed: tuple[str, tuple[int, WindowStats]],
    ) -> tuple[str, tuple[str, datetime, datetime, WindowStats]]:
        # The monitor sees only values, and an alert needs its key: carry it along.
        key, (window_id, stats) = keyed
        start, end = window_bounds(window_id, config.window, WINDOW_ALIGN)
        return key, (key, start, end, stats)

    def open_window_post(keyed: tuple[str, Observation]) -> tuple[str, OpenWindowPost]:
        # Each admitted post also goes straight to its key's monitor, for early alerts.
        key, observation = keyed
        window_id = window_of(observation.created_at, config.window, WINDOW_ALIGN)
        start, end = window_bounds(window_id, config.window, WINDOW_ALIGN)
        return key, (key, start, end, observation)

    closed = op.map("window_bounds", windows.down, with_bounds)
    if window_sink is not None:
        op.output("closed_windows", op.map("window_items", closed, lambda kv: kv[1]), window_sink)
    if config.monitor.early_alerts:
        open_posts = op.map("open_window_posts", admitted, open_window_post)
        closed = op.merge("closed_and_open", closed, open_posts)
    alerts = op.stateful("detect", closed, monitor_builder)
    alert_values = op.map("alert_values", alerts, lambda kv: kv[1])
    for index, sink in enumerate(alert_sinks):
        op.output(f"alerts_{index}", alert_values, sink)
    return flow


def _second(pair: tuple[str, tuple[str, Observation]]) -> tuple[str, Observation]:
    return pair[1]
