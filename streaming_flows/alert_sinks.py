"""Where alerts go: the alerts topic, `alerts/` in the lake, and webhooks through an outbox.

Every sink is keyed by the alert's deterministic id, so the alerts a recovered flow emits again
after a crash overwrite the same lake object, carry the same Kafka key for receivers to
deduplicate on, and are ignored by the outbox, which already holds them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
from bytewax.outputs import DynamicSink, StatelessSinkPartition
from confluent_kafka import KafkaError, Producer

from socialpulse import contracts
from socialpulse.alerts import (
    ALERT_ARROW_SCHEMA,
    RETRY_DELAYS,
    Alert,
    Outbox,
    OutboxWorker,
    WebhookTarget,
    outbox_path,
    parse_webhook_targets,
)
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from streaming_flows.shutdown import StreamStopped, stop_requested

log = logging.getLogger(__name__)

# How long a batch of alerts waits for the broker between two log lines saying so.
ALERT_WAIT_REPORT_SECONDS = 30.0


def alert_object_path(lake: Lake, alert: Alert) -> str:
    """One object per alert, named by its id: a replayed alert rewrites the same object."""
    return lake.path(contracts.alert_object_path(alert.window_start, alert.alert_id))


class _LakeAlertPartition(StatelessSinkPartition[Alert]):
    def __init__(self, lake: Lake) -> None:
        self._lake = lake

    def write_batch(self, items: list[Alert]) -> None:
        for alert in items:
            table = pa.Table.from_pylist([alert.to_record()], schema=ALERT_ARROW_SCHEMA)
            self._lake.write_table(alert_object_path(self._lake, alert), table)


class LakeAlertSink(DynamicSink[Alert]):
    def __init__(self, lake_factory: Callable[[], Lake]) -> None:
        self._lake_factory = lake_factory

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _LakeAlertPartition:
        return _LakeAlertPartition(self._lake_factory())


class _KafkaAlertPartition(StatelessSinkPartition[Alert]):
    """Publishes each batch and waits until Kafka has acknowledged every alert in it.

    The epoch does not move on before that, so a crash never loses an alert. A broker outage only
    delays the batch: the producer never expires a message, failed deliveries are sent again, and
    the wait is logged every `report_seconds` until the broker answers.
    """

    def __init__(
        self,
        config: dict[str, str],
        topic: str,
        report_seconds: float = ALERT_WAIT_REPORT_SECONDS,
    ) -> None:
        self._producer = Producer(
            {
                **config,
                "enable.idempotence": True,
                "linger.ms": 5,
                "message.timeout.ms": 0,  # never expire: an outage delays alerts, never drops them
                "logger": log,
            }
        )
        self._topic = topic
        self._bootstrap = config["bootstrap.servers"]
        self._report_seconds = report_seconds
        self._failed: list[tuple[Alert, KafkaError]] = []

    def write_batch(self, items: list[Alert]) -> None:
        for alert in items:
            self._produce(alert)
        started = time.monotonic()
        next_report = started + self._report_seconds
        while True:
            # Short slices, so a stop request is noticed within a second.
            remaining = self._producer.flush(1.0)
            retry = self._take_retriable_failures()
            if remaining == 0 and not retry:
                return
            if stop_requested():
                raise StreamStopped(
                    f"stopping with {remaining + len(retry)} alert(s) not yet acknowledged by "
                    f"Kafka topic {self._topic}; the restart sends them again"
                )
            if time.monotonic() >= next_report:
                log.warning(
                    "%d alert(s) wait for Kafka topic %s (%s) since %.0f s; retrying until the "
                    "broker answers",
                    remaining + len(retry),
                    self._topic,
                    self._bootstrap,
                    time.monotonic() - started,
                )
                next_report += self._report_seconds
            for alert in retry:
                self._produce(alert)

    def _produce(self, alert: Alert) -> None:
        def delivered(error: KafkaError | None, _message: object) -> None:
            if error is not None:
                self._failed.append((alert, error))

        while True:
            try:
                self._producer.produce(
                    self._topic,
                    key=alert.alert_id.encode(),
                    value=alert.to_json(),
                    on_delivery=delivered,
                )
                return
            except BufferError:  # local queue full while the broker is away: let it drain
                self._producer.poll(1)

    def _take_retriable_failures(self) -> list[Alert]:
        failed, self._failed = self._failed, []
        retry = []
        for alert, error in failed:
            if error.retriable() or error.code() == KafkaError._MSG_TIMED_OUT:
                retry.append(alert)
            else:
                # Sending it again cannot succeed; the alert is still in the lake's alerts/ zone.
                log.error(
                    "alert %s was refused by Kafka topic %s: %s", alert.alert_id, self._topic, error
                )
        return retry

    def close(self) -> None:
        remaining = self._producer.flush(30)
        if remaining:
            log.error(
                "%d alert(s) not acknowledged by Kafka topic %s when the stream closed",
                remaining,
                self._topic,
            )


class KafkaAlertSink(DynamicSink[Alert]):
    """Alerts as JSON on the alerts topic, keyed by alert id (compaction-friendly)."""

    def __init__(self, config: dict[str, str], topic: str) -> None:
        self._config = config
        self._topic = topic

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _KafkaAlertPartition:
        return _KafkaAlertPartition(self._config, self._topic)


class _OutboxPartition(StatelessSinkPartition[Alert]):
    def __init__(self, outbox: Outbox, worker: OutboxWorker) -> None:
        self._outbox = outbox
        self._worker = worker

    def write_batch(self, items: list[Alert]) -> None:
        for alert in items:
            self._outbox.enqueue(alert)

    def close(self) -> None:
        self._worker.stop()


class WebhookOutboxSink(DynamicSink[Alert]):
    """Alerts into a durable outbox per worker; a thread per receiver delivers them."""

    def __init__(
        self,
        outbox_dir: Path,
        targets: list[WebhookTarget],
        timeout: float = 30.0,
        max_attempts: int = 10,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self._outbox_dir = outbox_dir
        self._targets = targets
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._retry_delays = tuple(retry_delays)

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _OutboxPartition:
        outbox = Outbox(
            outbox_path(self._outbox_dir, worker_index),
            self._targets,
            timeout=self._timeout,
            max_attempts=self._max_attempts,
            retry_delays=self._retry_delays,
        )
        worker = OutboxWorker(outbox)
        worker.start()
        return _OutboxPartition(outbox, worker)


def production_alert_sinks(settings: Settings) -> list[DynamicSink[Alert]]:
    sinks: list[DynamicSink[Alert]] = [
        KafkaAlertSink(settings.kafka_config(), settings.alerts_topic),
        LakeAlertSink(lambda: Lake.from_settings(settings)),
    ]
    targets = parse_webhook_targets(settings.webhook_urls, settings.webhook_secret)
    if targets:
        sinks.append(
            WebhookOutboxSink(
                settings.outbox_dir,
                targets,
                timeout=settings.webhook_timeout_seconds,
                max_attempts=settings.webhook_max_attempts,
                retry_delays=settings.webhook_retry_delays,
            )
        )
    return sinks
