"""The batched dataflow gives what the per-post one gave: dead letters, lake rows, windows, alerts.

`streaming_flows.pulse.build_flow` parses, enriches and checks whatever the source hands over
at once in one call, and counts a batch's posts per (key, window) before the stateful steps.
`per_post_flow.build_per_post_flow` is the flow as it was (one item per message, per post and per
(key, post)). Both run here on the same generated stream, with malformed messages, posts the lake
cannot hold, two Kafka partitions, and the source's event-time stamps as `PostsKafkaSource`
gives them (one watermark per batch) or none.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from bytewax.connectors.kafka import KafkaSourceMessage
from bytewax.testing import TestingSink, TestingSource, run_main
from flow_samples import keyword_sentiment
from per_post_flow import build_per_post_flow

from socialpulse.adapters import parse_message
from socialpulse.enrichment import Enricher
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.monitoring import MonitorConfig
from socialpulse.text import clean_text
from socialpulse.windows import WindowStats, key_batches, observation_keys
from streaming_flows.kafka_io import ParsedMessage
from streaming_flows.pulse import WINDOW_ALIGN, FlowConfig, build_flow

BATCH = 400
EMITTED_AT = 1_800_000_000.0


def _messages(hours: float, seed: int) -> tuple[GeneratorConfig, list[KafkaSourceMessage]]:
    generator = GeneratorConfig(
        count=sys.maxsize, seed=seed, duration=timedelta(hours=hours), malformed_rate=0.01
    )
    messages = []
    for offset, generated in enumerate(generate_messages(generator)):
        value = generated.value
        if offset % 997 == 500:  # a post whose score the lake cannot hold (`_scorer`)
            post = orjson.loads(value)
            if isinstance(post, dict) and "itemInfos" in post:
                post["itemInfos"]["text"] = "an odd score"
                value = orjson.dumps(post)
        messages.append(
            KafkaSourceMessage(
                generated.key, value, topic="socialpulse.posts", partition=offset % 2, offset=offset
            )
        )
    return generator, messages


def _stamped(messages: list[KafkaSourceMessage]) -> list[ParsedMessage]:
    """As `PostsKafkaSource` emits them: parsed, each batch stamped with one watermark (a lower
    bound of the event time of every post emitted from then on) and one emission time."""
    parsed = [parse_message(m.value or b"") for m in messages]
    lowest: list[datetime | None] = []
    low: datetime | None = None
    for result in reversed(parsed):
        for post in result.posts:
            low = post.created_at if low is None else min(low, post.created_at)
        lowest.append(low)
    lowest.reverse()
    return [
        ParsedMessage(message, result, lowest[i - i % BATCH], EMITTED_AT + i // BATCH)
        for i, (message, result) in enumerate(zip(messages, parsed, strict=True))
    ]


def _run(builder: Any, items: list[Any], config: FlowConfig, keywords: tuple[str, ...]) -> dict:
    dead: list = []
    lake: list = []
    alerts: list = []
    windows: list = []
    flow = builder(
        source=TestingSource(items, batch_size=BATCH),
        dead_letter_sink=TestingSink(dead),
        lake_sink=TestingSink(lake),
        alert_sinks=[TestingSink(alerts)],
        config=config,
        enricher_factory=lambda: Enricher(keywords, clean_text, _scorer),
        window_sink=TestingSink(windows),
    )
    run_main(flow)
    return {
        "dead": sorted(
            (m.value, tuple(h for h in m.headers if h[0] != "socialpulse.failed_at")) for m in dead
        ),
        "lake": sorted(
            (key, record["kafka_offset"], record["id"], _landed(record))
            for key, batch in lake
            for record in batch
        ),
        "lake_batch_sizes": Counter(key for key, _ in lake),
        "windows": sorted((key, start, _stats(stats)) for key, start, _, stats in windows),
        "alert_ids": sorted(alert.alert_id for alert in alerts),
        # What an alert says, where it does not depend on when an early alert fired.
        "alerts": sorted(
            (a.alert_id, a.direction, a.observed, a.expected, a.score, a.sample_post_ids)
            for a in alerts
        ),
    }


def _scorer(text: str) -> tuple[str, float]:
    # A scorer bug on some posts: a score the lake's float column cannot hold.
    return ("positive", "high") if "odd score" in text else keyword_sentiment(text)  # type: ignore[return-value]


def _landed(record: dict[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in record.items() if k != "ingested_at"))


def _stats(stats: WindowStats) -> tuple:
    return (
        stats.posts,
        stats.engagement,
        round(stats.sentiment_sum, 9),
        stats.sentiment_n,
        tuple(stats.sample_post_ids),
    )


@pytest.mark.parametrize("stamped", [True, False], ids=["source-stamps", "no-stamps"])
@pytest.mark.parametrize("early", [False, True], ids=["at-close", "early-alerts"])
def test_batched_flow_gives_the_per_post_flow_s_outputs(stamped: bool, early: bool) -> None:
    generator, messages = _messages(hours=3, seed=5)
    items: list[Any] = _stamped(messages) if stamped else messages
    config = FlowConfig(
        watchlist=generator.keywords,
        lake_batch_size=700,
        lake_flush=timedelta(hours=1),
        monitor=MonitorConfig(early_alerts=early),
    )
    batched = _run(build_flow, items, config, generator.keywords)
    per_post = _run(build_per_post_flow, items, config, generator.keywords)

    assert batched["dead"], "the stream should have dead letters"
    reasons = {v for _, headers in batched["dead"] for k, v in headers if k == "socialpulse.reason"}
    assert b"bad_value:sentiment_score" in reasons and b"not_json" in reasons
    assert len(batched["lake"]) > 5000
    assert len(batched["windows"]) > 500
    assert batched["alert_ids"], "the generated stream's events should raise alerts"
    assert batched["dead"] == per_post["dead"]
    assert batched["lake"] == per_post["lake"]
    assert batched["windows"] == per_post["windows"]
    assert batched["alert_ids"] == per_post["alert_ids"]
    if not early:  # an early alert's count is the count when it fired
        assert batched["alerts"] == per_post["alerts"]


def test_key_batches_count_what_observation_keys_count() -> None:
    generator, messages = _messages(hours=1, seed=9)
    records = []
    for item in _stamped(messages):
        for post in item.result.posts:
            record = {**post.to_record(), "event_watermark": item.watermark}
            record["keywords"] = [k for k in generator.keywords if k in (post.text or "").lower()]
            record["sentiment_score"] = 0.25
            records.append(record)
    length = timedelta(minutes=1)
    expected: dict[tuple[str, int], WindowStats] = {}
    for record in records:
        for key, observation in observation_keys(record):
            window = (observation.created_at - WINDOW_ALIGN) // length
            expected.setdefault((key, window), WindowStats()).add(observation)
    counted: dict[tuple[str, int], WindowStats] = {}
    batches = key_batches(records, length, WINDOW_ALIGN)
    for key, batch in batches:
        window = (batch.created_at - WINDOW_ALIGN) // length
        counted.setdefault((key, window), WindowStats()).add(batch)
    assert {k: _stats(v) for k, v in counted.items()} == {k: _stats(v) for k, v in expected.items()}
    # Counted together: far fewer items than (key, post) pairs.
    assert len(batches) * 2 < sum(stats.posts for stats in expected.values())
