"""A value the lake cannot hold never stops the flow: it becomes a dead letter with its reason."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bytewax.testing import TestingSink, TestingSource, run_main
from flow_samples import T0, kafka_message, keyword_sentiment, post_bytes

from socialpulse.enrichment import Enricher
from socialpulse.lake import Lake, landing_files
from socialpulse.monitoring import MonitorConfig
from streaming_flows.lake_sink import LakeBatchSink
from streaming_flows.pulse import FlowConfig, build_flow

CONFIG = FlowConfig(
    window=timedelta(minutes=1),
    allowed_lateness=timedelta(days=1),
    lake_batch_size=50,
    lake_flush=timedelta(seconds=30),
    monitor=MonitorConfig(window=timedelta(minutes=1), min_support=3),
)


def _with(index: int, **fields: object) -> bytes:
    return json.dumps({**json.loads(post_bytes(index, T0, ["dance"])), **fields}).encode()


def _sentiment_arrow_refuses(text: str) -> tuple[str, float]:
    # A scorer bug: a score the lake's float column cannot hold.
    return ("positive", "high") if "odd score" in text else keyword_sentiment(text)  # type: ignore[return-value]


def test_poison_pills_become_dead_letters_and_the_other_posts_land(tmp_path: Path) -> None:
    values = [
        post_bytes(0, T0, ["dance"]),
        _with(1, likes=9.3e18),
        _with(2, shares="18446744073709551615"),
        post_bytes(3, T0, ["dance"], text="an odd score"),
        post_bytes(4, T0, ["dance"]),
    ]
    dead: list = []
    flow = build_flow(
        source=TestingSource([kafka_message(i, v) for i, v in enumerate(values)]),
        dead_letter_sink=TestingSink(dead),
        lake_sink=LakeBatchSink(lambda: Lake.from_url(str(tmp_path))),
        alert_sinks=[],
        config=CONFIG,
        enricher_factory=lambda: Enricher([], str.lower, _sentiment_arrow_refuses),
    )
    run_main(flow)

    lake = Lake.from_url(str(tmp_path))
    assert sorted(lake.read(landing_files(lake))["id"]) == ["post-00000", "post-00004"]
    reasons = {
        dict(m.headers)["socialpulse.source"]: dict(m.headers)["socialpulse.reason"] for m in dead
    }
    assert reasons == {
        b"socialpulse.posts/0/1": b"bad_value:likes",
        b"socialpulse.posts/0/2": b"bad_value:shares",
        b"socialpulse.posts/0/3": b"bad_value:sentiment_score",
    }
    # A dead letter carries the post's own bytes, so it can be inspected and replayed.
    assert [m.value for m in dead if m.value == values[3]] == [values[3]]
