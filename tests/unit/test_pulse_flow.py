"""The dataflow end to end with TestingSource/TestingSink: parse, dead letters, lake, alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from bytewax.testing import TestingSink, TestingSource, run_main
from flow_samples import T0, dance_burst_at_minute_80, kafka_message, keyword_sentiment, post_bytes

from socialpulse.enrichment import Enricher
from socialpulse.monitoring import MonitorConfig
from streaming_flows.pulse import FlowConfig, build_flow


def _run(values: list[bytes], config: FlowConfig) -> tuple[list, list, list]:
    dead, lake, alerts = [], [], []
    flow = build_flow(
        source=TestingSource([kafka_message(i, v) for i, v in enumerate(values)]),
        dead_letter_sink=TestingSink(dead),
        lake_sink=TestingSink(lake),
        alert_sinks=[TestingSink(alerts)],
        config=config,
        enricher_factory=lambda: Enricher(["acme"], str.lower, keyword_sentiment),
    )
    run_main(flow)
    return dead, lake, alerts


@pytest.fixture
def config() -> FlowConfig:
    return FlowConfig(
        window=timedelta(minutes=1),
        allowed_lateness=timedelta(seconds=0),
        lake_batch_size=50,
        lake_flush=timedelta(seconds=5),
        watchlist=("acme",),
        # Decisions at the windows' close: early alerts have tests of their own
        # (test_early_alerts.py).
        monitor=MonitorConfig(window=timedelta(minutes=1), min_support=3, early_alerts=False),
    )


def test_bad_input_goes_to_the_dead_letter_sink_with_reason_and_original_bytes(
    config: FlowConfig,
) -> None:
    values = [post_bytes(0, T0, ["a1"]), b"{not json", b'{"id": "x"}', post_bytes(1, T0, ["a1"])]
    dead, lake, _ = _run(values, config)
    assert [m.value for m in dead] == [b"{not json", b'{"id": "x"}']
    for message in dead:
        headers = dict(message.headers)
        assert headers["socialpulse.reason"]
        assert headers["socialpulse.source"].startswith(b"socialpulse.posts/0/")
    landed = [r for _, batch in lake for r in batch]
    assert sorted(r["id"] for r in landed) == ["post-00000", "post-00001"]
    assert {r["kafka_offset"] for r in landed} == {0, 3}


def test_lake_batches_are_per_kafka_partition_and_bounded_in_size(config: FlowConfig) -> None:
    values = [post_bytes(i, T0 + timedelta(seconds=i), ["dance"]) for i in range(120)]
    _, lake, _ = _run(values, config)
    assert {key for key, _ in lake} == {"socialpulse.posts:0"}
    assert [len(batch) for _, batch in lake] == [50, 50, 20]
    assert [r["kafka_offset"] for _, batch in lake for r in batch] == list(range(120))


def test_a_burst_after_a_steady_baseline_raises_one_spike_alert(config: FlowConfig) -> None:
    values = dance_burst_at_minute_80()
    _, _, alerts = _run(values, config)
    spikes = [a for a in alerts if a.key == "dance"]
    assert len(spikes) == 1
    alert = spikes[0]
    assert alert.direction == "spike"
    assert alert.window_start == T0 + timedelta(minutes=80)
    # Decided when minute 80 closed.
    assert alert.observed == 40
    assert alert.expected < 10
    assert len(alert.sample_post_ids) == 5


def test_a_sentiment_crisis_on_a_watched_keyword_is_alerted(config: FlowConfig) -> None:
    values, index = [], 0
    for minute in range(60):
        text = "acme is awful" if minute >= 50 else "acme is fine"
        for second in range(8):
            at = T0 + timedelta(minutes=minute, seconds=second * 7)
            values.append(post_bytes(index, at, [], text))
            index += 1
    _, _, alerts = _run(values, config)
    crisis = [a for a in alerts if a.key_kind == "keyword" and a.key == "acme"]
    assert crisis, "no alert for the sentiment crisis"
    assert crisis[0].window_start == T0 + timedelta(minutes=50)
    assert crisis[0].sentiment_shift < -0.5


def test_batch_baselines_set_the_expectation_when_present(config: FlowConfig) -> None:
    values = dance_burst_at_minute_80()
    # History says this hour of the week is busy for #dance: 40 posts a minute is normal.
    busy = replace(config.monitor, baselines=lambda key, start: (30.0, 8.0))
    _, _, alerts = _run(values, replace(config, monitor=busy))
    assert [a for a in alerts if a.key == "dance" and a.direction == "spike"] == []
