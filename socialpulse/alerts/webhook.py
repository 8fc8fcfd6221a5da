"""Webhook delivery of alerts, signed per the Standard Webhooks specification.

Each request carries (https://www.standardwebhooks.com):

    webhook-id:        the alert's deterministic id, the same on every retry (deduplicate on it)
    webhook-timestamp: Unix seconds of this attempt
    webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"> (with a secret)

The secret is `whsec_` followed by base64 of 24 to 64 random bytes; receivers verify with any
Standard Webhooks library, e.g. `standardwebhooks.Webhook(secret).verify(body, headers)`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass

import httpx

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
GENERATE_SECRET = (
    "python -c 'import base64, os; print(\"whsec_\" + base64.b64encode(os.urandom(32)).decode())'"
)


def decode_secret(secret: str) -> bytes:
    """The key bytes of a `whsec_<base64>` secret; a clear error for anything else."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(
            f"SOCIALPULSE_WEBHOOK_SECRET must start with {SECRET_PREFIX!r} (Standard Webhooks "
            f"format); generate one with: {GENERATE_SECRET}"
        )
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError(
            f"SOCIALPULSE_WEBHOOK_SECRET is not valid base64 after {SECRET_PREFIX!r}; "
            f"generate one with: {GENERATE_SECRET}"
        ) from None
    if not 24 <= len(key) <= 64:
        raise ValueError(
            f"SOCIALPULSE_WEBHOOK_SECRET holds {len(key)} bytes, the specification asks for 24 "
            f"to 64; generate one with: {GENERATE_SECRET}"
        )
    return key


def sign(msg_id: str, timestamp: int, body: bytes, key: bytes) -> str:
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1,{base64.b64encode(mac.digest()).decode()}"


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    key: bytes | None  # decoded signing key; None sends unsigned requests


def parse_webhook_targets(spec: str, secret: str | None) -> list[WebhookTarget]:
    """`SOCIALPULSE_WEBHOOK_URLS` (comma-separated) with the shared `SOCIALPULSE_WEBHOOK_SECRET`."""
    urls = [part.strip() for part in spec.split(",") if part.strip()]
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must start with http:// or https://, got {url!r}")
    key = decode_secret(secret) if secret and urls else None
    return [WebhookTarget(url, key) for url in urls]


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    retryable: bool
    detail: str
    retry_after: float | None = None  # seconds the receiver asked us to wait (Retry-After)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def post_alert(
    client: httpx.Client, target: WebhookTarget, alert_id: str, body: bytes, timeout: float
) -> Attempt:
    """One delivery attempt: 2xx delivered, 410 Gone permanent, every other failure retryable.

    Retrying 4xx too (as the specification recommends) lets a receiver that refused us with 401
    while its secret was being rotated receive the alert once it is fixed.
    """
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        ID_HEADER: alert_id,
        TIMESTAMP_HEADER: str(timestamp),
    }
    if target.key:
        headers[SIGNATURE_HEADER] = sign(alert_id, timestamp, body, target.key)
    try:
        response = client.post(target.url, content=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as error:
        return Attempt(False, True, f"{type(error).__name__}: {error}"[:300])
    if response.is_success:
        return Attempt(True, False, str(response.status_code))
    detail = f"HTTP {response.status_code}: {response.text[:200]}"
    return Attempt(False, response.status_code != 410, detail, _retry_after(response))
