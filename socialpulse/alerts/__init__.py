"""Alerts: the model every sink shares, the cooldown, and signed webhook delivery via an outbox.

The stream enqueues each alert in an `Outbox` (durable, idempotent by alert id and endpoint); an
`OutboxWorker` thread drains it, retrying with backoff until the receiver answers.
"""

from socialpulse.alerts.cooldown import Cooldown
from socialpulse.alerts.model import ALERT_ARROW_SCHEMA, Alert, alert_id_for
from socialpulse.alerts.outbox import DrainReport, Outbox, OutboxWorker
from socialpulse.alerts.webhook import WebhookTarget, parse_webhook_targets, sign, verify

__all__ = [
    "ALERT_ARROW_SCHEMA",
    "Alert",
    "Cooldown",
    "DrainReport",
    "Outbox",
    "OutboxWorker",
    "WebhookTarget",
    "alert_id_for",
    "parse_webhook_targets",
    "sign",
    "verify",
]
