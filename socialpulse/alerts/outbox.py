"""A durable outbox for webhook deliveries: an unreachable or slow receiver loses nothing and
delays no other receiver.

Alerts are written to a SQLite file (WAL) before any delivery is tried; one row per alert and
endpoint, so enqueuing the same alert again (a replay after a crash) changes nothing. Each
receiver is drained by its own thread (`OutboxWorker`), oldest alert first: delivered rows are
kept as delivered and never sent again; failed attempts wait on the Standard Webhooks retry
schedule (5 s, 5 min, 30 min, 2 h, ... 24 h, with jitter, never sooner than the request
timeout nor than a `Retry-After`), and after `max_attempts` the row is kept as failed with its
reason, for `socialpulse alerts redeliver` to re-queue once the cause is fixed. 410 Gone fails
at once.

Delivery is at least once, and a receiver must deduplicate on `webhook-id`: a request that times
out may still have been processed (we cannot tell), so a receiver slower than the timeout gets
the alert once per attempt, at most `max_attempts` times; a process that dies between a
receiver's 2xx and recording it re-sends once after restart.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
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

# Seconds before the 2nd, 3rd, ... attempt: the Standard Webhooks example schedule (about three
# days in all); the last delay repeats when max_attempts asks for more.
RETRY_DELAYS: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)


def outbox_path(directory: Path, worker_index: int) -> Path:
    return directory / f"outbox-{worker_index}.sqlite3"


def outbox_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("outbox-*.sqlite3"))


@dataclass(frozen=True)
class DrainReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True)
class FailedDelivery:
    alert_id: str
    url: str
    last_error: str | None
    created_at: float


class Outbox:
    def __init__(
        self,
        path: Path,
        targets: list[WebhookTarget],
        timeout: float = 30.0,
        max_attempts: int = 10,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # `alerts redeliver` writes from another process while the stream runs.
        self._db.execute("PRAGMA busy_timeout = 10000")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._targets = {t.url: t for t in targets}
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._clients: dict[str, httpx.Client] = {}

    @property
    def urls(self) -> list[str]:
        return list(self._targets)

    @property
    def timeout(self) -> float:
        return self._timeout

    def enqueue(self, alert: Alert) -> None:
        body = alert.to_json()
        now = self._clock()
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (alert_id, url, body, next_attempt_at, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                [(alert.alert_id, url, body, now, now) for url in self._targets],
            )

    def _retry_delay(self, attempts_made: int, attempt: Attempt) -> float:
        scheduled = self._retry_delays[min(attempts_made, len(self._retry_delays)) - 1]
        # Never sooner than the timeout: a receiver that is only slow is likely still busy with
        # the copy we gave up on, and a second one would only pile up.
        delay = max(scheduled, self._timeout, attempt.retry_after or 0.0)
        return delay * random.uniform(1.0, 1.2)

    def _record(self, alert_id: str, url: str, attempts: int, attempt: Attempt) -> str:
        attempts_made = attempts + 1
        error: str | None = None if attempt.delivered else attempt.detail
        if attempt.delivered:
            status, next_at = "delivered", 0.0
        elif attempt.retryable and attempts_made < self._max_attempts:
            status = "pending"
            next_at = self._clock() + self._retry_delay(attempts_made, attempt)
        else:
            status, next_at = "failed", 0.0
            if attempt.retryable:
                error = f"gave up after {attempts_made} attempt(s): {attempt.detail}"
            log.warning("webhook delivery of alert %s to %s failed: %s", alert_id, url, error)
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, "
                "last_error = ? WHERE alert_id = ? AND url = ?",
                (status, attempts_made, next_at, error, alert_id, url),
            )
        return status

    def _client(self, url: str) -> httpx.Client:
        # One client per receiver: their connection pools and threads stay independent.
        with self._lock:
            if url not in self._clients:
                self._clients[url] = httpx.Client()
            return self._clients[url]

    def drain(
        self,
        url: str | None = None,
        stop: threading.Event | None = None,
        deadline: float | None = None,
    ) -> DrainReport:
        """Try every due delivery to `url` (default: every configured receiver), oldest first.

        Rows for a URL no longer configured stay queued: they are neither sent unsigned nor lost.
        A set `stop` or a passed `deadline` (time.monotonic) ends the pass before the next
        request, and no request outlasts the deadline, so a stopping worker does not wait out a
        slow receiver's backlog; what is left stays queued.
        """
        urls = [url] if url is not None else self.urls
        counts = {"delivered": 0, "pending": 0, "failed": 0}
        for receiver in urls:
            target = self._targets[receiver]
            with self._lock:
                due = self._db.execute(
                    "SELECT alert_id, body, attempts FROM deliveries WHERE url = ? AND "
                    "status = 'pending' AND next_attempt_at <= ? ORDER BY created_at, alert_id",
                    (receiver, self._clock()),
                ).fetchall()
            for alert_id, body, attempts in due:
                timeout = self._timeout
                if deadline is not None:
                    timeout = min(timeout, deadline - time.monotonic())
                if (stop is not None and stop.is_set()) or timeout <= 0:
                    break
                attempt = post_alert(self._client(receiver), target, alert_id, body, timeout)
                counts[self._record(alert_id, receiver, attempts, attempt)] += 1
        return DrainReport(counts["delivered"], counts["pending"], counts["failed"])

    def status_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
            return dict(rows.fetchall())

    def failures(self, url: str | None = None, since: float | None = None) -> list[FailedDelivery]:
        """Failed deliveries, oldest first (only to `url`, queued at or after `since`, if given)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT alert_id, url, last_error, created_at FROM deliveries "
                "WHERE status = 'failed' AND (? IS NULL OR url = ?) AND created_at >= ? "
                "ORDER BY created_at, alert_id",
                (url, url, since or 0.0),
            ).fetchall()
        return [FailedDelivery(*row) for row in rows]

    def requeue_failed(
        self, url: str | None = None, since: float | None = None
    ) -> list[FailedDelivery]:
        """Make failed deliveries due now with a fresh attempt budget; returns what was re-queued.

        The worker of a running stream picks them up within a second; otherwise the next
        `socialpulse stream` sends them, signed with the secret configured then.
        """
        failed = self.failures(url, since)
        now = self._clock()
        with self._lock:
            self._db.executemany(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ? "
                "WHERE alert_id = ? AND url = ? AND status = 'failed'",
                [(now, f.alert_id, f.url) for f in failed],
            )
        return failed

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        with self._lock:
            self._db.close()


class OutboxWorker:
    """One daemon thread per receiver drains the outbox every `interval` seconds.

    A slow or failing receiver only ever holds up its own thread, never another receiver's.
    On `stop()` each thread makes one last pass, all within `final_drain_seconds`, so that alerts
    raised just before a finite run ends still go out without holding up a shutdown.
    """

    def __init__(
        self, outbox: Outbox, interval: float = 1.0, final_drain_seconds: float = 5.0
    ) -> None:
        self._outbox = outbox
        self._interval = interval
        self._final_drain_seconds = final_drain_seconds
        self._stop = threading.Event()
        self._deadline = 0.0
        self._threads = [
            threading.Thread(target=self._run, args=(url,), name=f"webhook-outbox-{i}", daemon=True)
            for i, url in enumerate(outbox.urls)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def _run(self, url: str) -> None:
        while not self._stop.wait(self._interval):
            self._drain(url, stop=self._stop)
        self._drain(url, deadline=self._deadline)

    def _drain(
        self, url: str, stop: threading.Event | None = None, deadline: float | None = None
    ) -> None:
        try:
            self._outbox.drain(url, stop, deadline)
        except Exception:
            # A failed drain (a locked or full disk) must not end deliveries for good: the
            # alerts stay in the outbox and the next tick tries again.
            log.exception(
                "webhook outbox drain for %s failed; retrying in %.0f s", url, self._interval
            )

    def stop(self) -> None:
        self._deadline = time.monotonic() + self._final_drain_seconds
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=max(0.0, self._deadline + 1 - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            # A request begun before the stop still runs to its timeout; the daemon thread ends
            # with the process and the delivery, still pending, goes out on the next start.
            log.warning("webhook outbox still sending at stop; unsent alerts go out next start")
            return
        self._outbox.close()
