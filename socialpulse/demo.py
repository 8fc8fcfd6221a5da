"""`socialpulse demo`: the whole path on embedded defaults, in one command.

Generate synthetic posts (with a share of malformed records) → produce them to Kafka → run the
streaming dataflow over exactly what was produced → lake → warehouse → summary.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import polars as pl

from socialpulse import metrics
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.kafka_producer import PostProducer
from socialpulse.lake import Lake, landed_days, landing_files
from socialpulse.services import local
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse


@dataclass
class DemoSummary:
    produced: int = 0
    malformed_produced: int = 0
    messages_read: int = 0
    rejected: dict[str, float] = field(default_factory=dict)
    posts_landed: int = 0
    landing_files: int = 0
    warehouse_rows: int = 0
    late_observations: int = 0
    alerts: int = 0
    alert_lines: list[str] = field(default_factory=list)
    top_hashtags: list[tuple[str, int]] = field(default_factory=list)
    sentiment_split: dict[str, int] = field(default_factory=dict)
    batch_days: list[str] = field(default_factory=list)
    trending: list[tuple[str, int, int]] = field(default_factory=list)
    seconds: float = 0.0
    lake_url: str = ""
    warehouse_url: str = ""


def _local_broker(settings: Settings) -> bool:
    return settings.kafka_bootstrap == f"{local.HOST}:{settings.kafka_port}"


def generation_start(now: datetime, config: GeneratorConfig) -> datetime:
    """The latest whole hour from which `config`'s posts all fall before `now`.

    The generator's rate follows the hour of day, so 3,000 posts span two hours at the evening
    peak and more than three in the morning lull: a fixed "two hours ago" start stamped posts in
    the future, and the batch's quality gate (no post after now) rightly stopped the daily job.
    """
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    while start + replace(config, start=start).expected_duration > now:
        start -= timedelta(hours=1)
    return start


def run_demo(
    settings: Settings,
    posts: int = 3000,
    malformed_rate: float = 0.02,
    seed: int = 7,
    say: Callable[[str], None] = print,
) -> DemoSummary:
    started = time.monotonic()
    run_started = datetime.now(UTC)
    if not settings.watchlist_terms:
        # The generator mentions these brands; watching them shows keyword alerts out of the box.
        settings = settings.model_copy(update={"watchlist": ",".join(GeneratorConfig().keywords)})
    summary = DemoSummary(
        lake_url=settings.resolved_lake_url, warehouse_url=settings.resolved_warehouse_url
    )
    started_broker = False
    if _local_broker(settings) and not local.kafka_healthy(settings.kafka_bootstrap, 1.0):
        say(f"starting the local Kafka-protocol broker on {settings.kafka_bootstrap}")
        started_broker = local.start_kafka(settings) == "started"
    try:
        local.ensure_topics(settings, settings.kafka_bootstrap)
        config = GeneratorConfig(
            count=posts,
            seed=seed,
            malformed_rate=malformed_rate,
            keywords=settings.watchlist_terms,
        )
        config = replace(config, start=generation_start(datetime.now(UTC), config))
        say(f"producing {posts} synthetic posts to {settings.posts_topic}")
        with PostProducer(settings) as producer:
            for message in generate_messages(config):
                producer.send(settings.posts_topic, message.value, key=message.key)
                summary.produced += 1
                summary.malformed_produced += message.malformed
        offsets = producer.delivered_offsets()
        del producer  # its librdkafka handle must not outlive the broker the demo may stop
        say(f"streaming {summary.produced} messages through the dataflow")
        before = metrics.snapshot()
        _run_bounded_flow(settings, offsets)
        after = metrics.snapshot()
        summary.messages_read = int(after["messages"] - before["messages"])
        summary.rejected = {
            reason: count - before["rejected"].get(reason, 0.0)
            for reason, count in after["rejected"].items()
            if count - before["rejected"].get(reason, 0.0)
        }
        summary.posts_landed = int(after["posts_landed"] - before["posts_landed"])
        summary.late_observations = int(after["late_observations"] - before["late_observations"])
        summary.alerts = int(sum(after["alerts"].values()) - sum(before["alerts"].values()))
    finally:
        if started_broker:
            local.stop_service(settings, "kafka")
    lake = Lake.from_settings(settings)
    summary.landing_files = len(landing_files(lake))
    alerts = lake.read(lake.list_files("alerts"))
    if not alerts.is_empty():
        summary.alert_lines = [
            f"{row['direction']} {row['key_kind']}:{row['key']} at {row['window_start']:%H:%M} "
            f"({row['observed']:.0f} posts, expected {row['expected']:.1f})"
            for row in alerts.filter(pl.col("detected_at") >= run_started)
            .sort("window_start")
            .iter_rows(named=True)
        ]
    # The batch half: the daily_batch job (checks, marts and report included) per landed day.
    from socialpulse_assets.run import materialise_days

    batch = materialise_days(settings, landed_days(lake), say=say)
    summary.batch_days = batch.days
    with Warehouse(settings.resolved_warehouse_url) as warehouse:
        summary.warehouse_rows = warehouse.count("posts")
        if batch.days:
            summary.trending = warehouse.query(
                "SELECT key, posts, authors FROM trending_challenges WHERE day = ? "
                "ORDER BY rank LIMIT 5",
                (date.fromisoformat(batch.days[-1]),),
            ).rows()
        summary.top_hashtags = warehouse.query(
            "SELECT tag, count(*) AS posts "
            "FROM (SELECT unnest(hashtags) AS tag FROM posts) AS tags "
            "GROUP BY tag ORDER BY posts DESC, tag LIMIT 5"
        ).rows()
        summary.sentiment_split = dict(
            warehouse.query(
                "SELECT sentiment_label, count(*) AS n FROM posts GROUP BY sentiment_label "
                "ORDER BY sentiment_label"
            ).rows()
        )
    summary.seconds = time.monotonic() - started
    return summary


def _run_bounded_flow(settings: Settings, offsets: dict[int, tuple[int, int]]) -> None:
    from bytewax.testing import run_main

    from streaming_flows.pulse import production_flow

    flow = production_flow(
        settings,
        start_offsets={partition: first for partition, (first, _) in offsets.items()},
        stop_offsets={partition: last for partition, (_, last) in offsets.items()},
    )
    run_main(flow)
    # Drop the flow's Kafka clients now, before the demo stops the broker under them.
    del flow
    gc.collect()
