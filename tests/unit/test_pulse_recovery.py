"""Crash and resume with recovery, and several workers: same lake, same alerts, no duplicates."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from bytewax.recovery import RecoveryConfig, init_db_dir
from bytewax.testing import TestingSink, TestingSource, cluster_main, run_main
from flow_samples import T0, kafka_message, keyword_sentiment, post_bytes

from socialpulse.enrichment import Enricher
from socialpulse.lake import Lake, landing_files
from socialpulse.monitoring import MonitorConfig
from streaming_flows.alert_sinks import LakeAlertSink
from streaming_flows.lake_sink import LakeBatchSink
from streaming_flows.pulse import FlowConfig, build_flow

CONFIG = FlowConfig(
    window=timedelta(minutes=1),
    allowed_lateness=timedelta(days=1),  # the input ends with EOF, which closes the windows
    lake_batch_size=40,
    lake_flush=timedelta(seconds=30),
    watchlist=("acme",),
    monitor=MonitorConfig(window=timedelta(minutes=1), min_support=3),
)


def _messages() -> list:
    values, index = [], 0
    for minute in range(60):
        posts = 30 if minute in (40, 41) else 4
        for second in range(posts):
            at = T0 + timedelta(minutes=minute, seconds=second * 60 / posts)
            values.append(post_bytes(index, at, ["dance", "fyp"] if second % 2 else ["dance"]))
            index += 1
    return [kafka_message(offset, value) for offset, value in enumerate(values)]


def _flow(items: list, lake_dir: Path):
    return build_flow(
        source=TestingSource(items, batch_size=25),
        dead_letter_sink=TestingSink([]),
        lake_sink=LakeBatchSink(lambda: Lake.from_url(str(lake_dir))),
        alert_sinks=[LakeAlertSink(lambda: Lake.from_url(str(lake_dir)))],
        config=CONFIG,
        enricher_factory=lambda: Enricher(["acme"], str.lower, keyword_sentiment),
    )


def _outcome(lake_dir: Path) -> tuple[list[str], set[tuple[str, datetime]]]:
    lake = Lake.from_url(str(lake_dir))
    landed = lake.read(landing_files(lake))
    alerts = lake.read(lake.list_files("alerts"))
    if alerts.is_empty():
        return sorted(landed["id"].to_list()), set()
    assert alerts["alert_id"].n_unique() == alerts.height
    return sorted(landed["id"].to_list()), set(
        zip(alerts["key"], alerts["window_start"], strict=True)
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], set]:
    lake_dir = tmp_path_factory.mktemp("uninterrupted")
    run_main(_flow(_messages(), lake_dir))
    return _outcome(lake_dir)


def test_uninterrupted_run_lands_every_post_once_and_alerts_the_burst(uninterrupted) -> None:
    ids, alerts = uninterrupted
    assert len(ids) == len(set(ids)) == len(_messages())
    assert ("dance", T0 + timedelta(minutes=40)) in alerts


def test_crash_and_resume_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, uninterrupted
) -> None:
    items = _messages()
    # Abort in the middle of the burst, after several epochs have been snapshotted.
    crash_at = next(i for i, m in enumerate(items) if m.offset >= 170)
    items.insert(crash_at, TestingSource.ABORT())
    recovery_dir = tmp_path / "recovery"
    recovery_dir.mkdir()
    init_db_dir(recovery_dir, 1)
    recovery = RecoveryConfig(recovery_dir)
    lake_dir = tmp_path / "lake"
    flow = _flow(items, lake_dir)
    # An abort stops the execution where it is, like a killed process (nothing is flushed).
    run_main(flow, epoch_interval=timedelta(0), recovery_config=recovery)
    partial_ids, _ = _outcome(lake_dir)
    assert 0 < len(partial_ids) < len(items) - 1
    run_main(flow, epoch_interval=timedelta(0), recovery_config=recovery)
    assert _outcome(lake_dir) == uninterrupted


def test_two_workers_give_the_same_lake_and_alerts(tmp_path: Path, uninterrupted) -> None:
    cluster_main(_flow(_messages(), tmp_path), [], 0, worker_count_per_proc=2)
    assert _outcome(tmp_path) == uninterrupted
