"""Alerts: the model every sink shares, the cooldown, and signed webhook delivery via an outbox.

The stream enqueues each alert in an `Outbox` (durable, idempotent by alert id and endpoint); an
`OutboxWorker` drains it with one thread per receiver, retrying with backoff until the receiver
answers or the attempts run out. Requests are signed per the Standard Webhooks specification.
"""

from socialpulse.alerts.cooldown import Cooldown
from socialpulse.alerts.model import ALERT_ARROW_SCHEMA, Alert, alert_id_for
from socialpulse.alerts.outbox import (
    RETRY_DELAYS,
    DrainReport,
    FailedDelivery,
    Outbox,
    OutboxWorker,
    outbox_files,
    outbox_path,
)
from socialpulse.alerts.webhook import WebhookTarget, decode_secret, parse_webhook_targets, sign

__all__ = [
    "ALERT_ARROW_SCHEMA",
    "RETRY_DELAYS",
    "Alert",
    "Cooldown",
    "DrainReport",
    "FailedDelivery",
    "Outbox",
    "OutboxWorker",
    "WebhookTarget",
    "alert_id_for",
    "decode_secret",
    "outbox_files",
    "outbox_path",
    "parse_webhook_targets",
    "sign",
]
