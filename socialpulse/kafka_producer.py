"""A Kafka producer that loses nothing: delivery reports, batching, compression, back-pressure."""

from __future__ import annotations

import time
from types import TracebackType

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient

from socialpulse.settings import Settings


class BrokerUnreachable(RuntimeError):
    """The configured Kafka bootstrap servers did not answer."""


def check_broker(config: dict[str, str], timeout: float = 5.0) -> None:
    try:
        # log_level 0: an unreachable broker is reported once below, not logged per retry.
        AdminClient({**config, "log_level": 0}).list_topics(timeout=timeout)
    except KafkaException as error:
        raise BrokerUnreachable(
            f"cannot reach Kafka at {config['bootstrap.servers']} ({error.args[0]}); run "
            "`socialpulse services up` for the local broker, or set SOCIALPULSE_KAFKA_BOOTSTRAP"
        ) from error


class PostProducer:
    """Use as a context manager; leaving it flushes and fails loudly if anything was not delivered.

    `delivered_offsets()` gives, per partition, the first and last offset acknowledged, which is
    how the demo and the tests bound what the stream should read.
    """

    def __init__(self, settings: Settings, flush_timeout: float = 60.0) -> None:
        config = settings.kafka_config()
        check_broker(config)
        self._producer = Producer(
            {
                **config,
                "enable.idempotence": True,  # retries never duplicate or reorder
                "linger.ms": 20,
                "batch.num.messages": 10000,
                "compression.type": "zstd",
                "message.timeout.ms": 120000,
                # Above the parser's 1 MiB limit, so oversize posts reach the stream and are
                # dead-lettered with their reason instead of vanishing at the producer.
                "message.max.bytes": 4 << 20,
            }
        )
        self._flush_timeout = flush_timeout
        self.delivered = 0
        self.failed: list[str] = []
        self._offsets: dict[int, tuple[int, int]] = {}

    def _on_delivery(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self.failed.append(str(error))
            return
        self.delivered += 1
        partition, offset = message.partition(), message.offset()
        first, last = self._offsets.get(partition, (offset, offset))
        self._offsets[partition] = (min(first, offset), max(last, offset))

    def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        while True:
            try:
                self._producer.produce(topic, value=value, key=key, on_delivery=self._on_delivery)
                break
            except BufferError:
                # The local queue is full: the broker is slower than us. Wait for deliveries.
                self._producer.poll(0.5)
            except KafkaException as error:
                if error.args[0].code() != KafkaError.MSG_SIZE_TOO_LARGE:
                    raise
                self.failed.append(
                    f"message of {len(value)} bytes is larger than the broker allows"
                )
                break
        self._producer.poll(0)

    def flush(self) -> None:
        deadline = time.monotonic() + self._flush_timeout
        while (remaining := self._producer.flush(1.0)) and time.monotonic() < deadline:
            pass
        if remaining:
            raise RuntimeError(
                f"{remaining} message(s) still undelivered after {self._flush_timeout:.0f} s; "
                "the broker is unreachable or too slow"
            )

    def delivered_offsets(self) -> dict[int, tuple[int, int]]:
        return dict(self._offsets)

    def __enter__(self) -> PostProducer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.flush()
        if exc_type is None and self.failed:
            raise RuntimeError(
                f"{len(self.failed)} message(s) were not delivered; first error: {self.failed[0]}"
            )
