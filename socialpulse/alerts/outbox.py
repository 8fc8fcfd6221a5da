"""A durable outbox for webhook deliveries: an unreachable receiver loses nothing.

Alerts are written to a SQLite file (WAL) before any delivery is tried; one row per alert and
endpoint, so enqueuing the same alert again (a replay after a crash) changes nothing. `drain()`
delivers what is due, oldest first: delivered rows are kept as delivered and never sent again,
retryable failures wait with exponential backoff and jitter, permanent failures (4xx other than
408/429) are kept with their reason. A process that dies between a receiver's 2xx and recording
it re-sends once after restart: receivers deduplicate on the X-SocialPulse-Alert-Id header.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from socialpulse.alerts.model import Alert
from socialpulse.alerts.webhook import Attempt, WebhookTarget, post_alert

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (alert_id, url)
)
"""


@dataclass(frozen=True)
class DrainReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


class Outbox:
    def __init__(
        self,
        path: Path,
        targets: list[WebhookTarget],
        timeout: float = 5.0,
        base_backoff: float = 1.0,
        max_backoff: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._targets = {t.url: t for t in targets}
        self._timeout = timeout
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._clock = clock
        self._client = httpx.Client()

    def enqueue(self, alert: Alert) -> None:
        body = alert.to_json()
        now = self._clock()
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (alert_id, url, body, next_attempt_at, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                [(alert.alert_id, url, body, now, now) for url in self._targets],
            )

    def _record(self, alert_id: str, url: str, attempts: int, attempt: Attempt) -> str:
        if attempt.delivered:
            status, next_at = "delivered", 0.0
        elif attempt.retryable:
            backoff = min(self._max_backoff, self._base_backoff * 2**attempts)
            status, next_at = "pending", self._clock() + backoff * random.uniform(0.5, 1.0)
        else:
            status, next_at = "failed", 0.0
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, "
                "last_error = ? WHERE alert_id = ? AND url = ?",
                (
                    status,
                    attempts + 1,
                    next_at,
                    None if attempt.delivered else attempt.detail,
                    alert_id,
                    url,
                ),
            )
        return status

    def drain(self) -> DrainReport:
        with self._lock:
            due = self._db.execute(
                "SELECT alert_id, url, body, attempts FROM deliveries "
                "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY created_at",
                (self._clock(),),
            ).fetchall()
        counts = {"delivered": 0, "pending": 0, "failed": 0}
        for alert_id, url, body, attempts in due:
            target = self._targets.get(url, WebhookTarget(url, None))
            status = self._record(
                alert_id,
                url,
                attempts,
                post_alert(self._client, target, alert_id, body, self._timeout),
            )
            counts[status] += 1
        return DrainReport(counts["delivered"], counts["pending"], counts["failed"])

    def status_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
            return dict(rows.fetchall())

    def failures(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return self._db.execute(
                "SELECT alert_id, url, last_error FROM deliveries WHERE status = 'failed'"
            ).fetchall()

    def close(self) -> None:
        self._client.close()
        with self._lock:
            self._db.close()


class OutboxWorker:
    """Drains an outbox every `interval` seconds on a daemon thread."""

    def __init__(self, outbox: Outbox, interval: float = 1.0) -> None:
        self._outbox = outbox
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._outbox.drain()
            except Exception:
                # A failed drain (a locked or full disk) must not end deliveries for good: the
                # alerts stay in the outbox and the next tick tries again.
                log.exception("webhook outbox drain failed; retrying in %.0f s", self._interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._outbox.drain()  # one last try before the flow exits
        self._outbox.close()
