"""Signed webhook delivery of alerts.

Signature scheme (documented for receivers): the sender sets

    X-SocialPulse-Alert-Id:  the alert's deterministic id (deduplicate on it)
    X-SocialPulse-Timestamp: Unix seconds of this attempt
    X-SocialPulse-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

Signing the timestamp with the body lets a receiver reject replays of an old request
(`verify(..., tolerance=300)`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import httpx

SIGNATURE_HEADER = "X-SocialPulse-Signature"
TIMESTAMP_HEADER = "X-SocialPulse-Timestamp"
ALERT_ID_HEADER = "X-SocialPulse-Alert-Id"


def sign(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    body: bytes,
    secret: str,
    signature: str,
    timestamp: str,
    tolerance: float = 300,
    now: float | None = None,
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(body, secret, sent_at), signature)


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str | None


def parse_webhook_targets(spec: str, secret: str | None) -> list[WebhookTarget]:
    """`SOCIALPULSE_WEBHOOK_URLS` (comma-separated) with the shared `SOCIALPULSE_WEBHOOK_SECRET`."""
    targets = []
    for url in (part.strip() for part in spec.split(",")):
        if not url:
            continue
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must start with http:// or https://, got {url!r}")
        targets.append(WebhookTarget(url, secret))
    return targets


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    retryable: bool
    detail: str


def post_alert(
    client: httpx.Client, target: WebhookTarget, alert_id: str, body: bytes, timeout: float
) -> Attempt:
    """One delivery attempt. 2xx delivered; 408, 429, 5xx and network errors are retryable."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        ALERT_ID_HEADER: alert_id,
        TIMESTAMP_HEADER: str(timestamp),
    }
    if target.secret:
        headers[SIGNATURE_HEADER] = sign(body, target.secret, timestamp)
    try:
        response = client.post(target.url, content=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as error:
        return Attempt(False, True, f"{type(error).__name__}: {error}"[:300])
    if response.is_success:
        return Attempt(True, False, str(response.status_code))
    retryable = response.status_code in (408, 429) or response.status_code >= 500
    return Attempt(False, retryable, f"HTTP {response.status_code}: {response.text[:200]}")
