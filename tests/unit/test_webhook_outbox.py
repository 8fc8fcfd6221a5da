"""Webhook signing and the durable outbox, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from socialpulse.alerts import (
    Alert,
    DrainReport,
    Outbox,
    WebhookTarget,
    alert_id_for,
    parse_webhook_targets,
    sign,
    verify,
)

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _alert(minute: int) -> Alert:
    start = START + timedelta(minutes=minute)
    return Alert(
        alert_id=alert_id_for("hashtag", "dance", start),
        key_kind="hashtag",
        key="dance",
        window_start=start,
        window_end=start + timedelta(minutes=1),
        metric="posts",
        observed=40,
        expected=5,
        expected_low=1,
        expected_high=12,
        score=0.9999,
        direction="spike",
        sentiment_mean=0.1,
        sentiment_baseline=0.3,
        sentiment_shift=-0.2,
        sample_post_ids=("a", "b"),
        detected_at=start + timedelta(minutes=2),
    )


class Receiver:
    """Records requests; answers `fail_next` requests with `fail_status` first."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        self.fail_status = 503
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    self.send_response(receiver.fail_status)
                else:
                    receiver.requests.append((dict(self.headers), body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hook"


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"alert_id":"x"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(body, "s3cret", 1700000000) == f"sha256={expected}"
    good = sign(body, "s3cret", 1700000000)
    assert verify(body, "s3cret", good, "1700000000", now=1700000100)
    assert not verify(body + b" ", "s3cret", good, "1700000000", now=1700000100)
    assert not verify(body, "other", good, "1700000000", now=1700000100)
    assert not verify(body, "s3cret", good, "1700000000", now=1700009999)  # stale
    assert not verify(body, "s3cret", good, "soon", now=1700000000)


def test_targets_from_settings_and_bad_urls() -> None:
    assert parse_webhook_targets(" https://a/h , http://b/h,", "k") == [
        WebhookTarget("https://a/h", "k"),
        WebhookTarget("http://b/h", "k"),
    ]
    with pytest.raises(ValueError, match="http:// or https://"):
        parse_webhook_targets("ftp://nope", None)


def test_delivered_once_signed_and_idempotent(receiver: Receiver, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3", [WebhookTarget(receiver.url, "k")])
    alert = _alert(0)
    outbox.enqueue(alert)
    outbox.enqueue(alert)  # a replayed alert
    assert outbox.drain().delivered == 1
    assert outbox.drain().delivered == 0
    [(headers, body)] = receiver.requests
    assert Alert.from_json(body) == alert
    assert headers["X-SocialPulse-Alert-Id"] == alert.alert_id
    assert verify(body, "k", headers["X-SocialPulse-Signature"], headers["X-SocialPulse-Timestamp"])


def test_unreachable_then_back_loses_nothing_and_survives_a_restart(
    receiver: Receiver, tmp_path: Path
) -> None:
    now = [1000.0]
    path = tmp_path / "o.sqlite3"
    receiver.fail_next = 2
    outbox = Outbox(
        path, [WebhookTarget(receiver.url, None)], base_backoff=10, clock=lambda: now[0]
    )
    for minute in range(3):
        outbox.enqueue(_alert(minute))
    first = outbox.drain()
    assert (first.delivered, first.retrying) == (1, 2)
    assert outbox.drain().delivered == 0  # backing off: nothing is due yet
    outbox.close()  # the process dies here

    reopened = Outbox(path, [WebhookTarget(receiver.url, None)], clock=lambda: now[0])
    now[0] += 11
    assert reopened.drain().delivered == 2
    assert reopened.status_counts() == {"delivered": 3}
    assert len(receiver.requests) == 3
    assert len({h["X-SocialPulse-Alert-Id"] for h, _ in receiver.requests}) == 3


def test_receiver_down_keeps_alerts_pending_with_the_error(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3", [WebhookTarget(_closed_port_url(), None)], timeout=1)
    outbox.enqueue(_alert(0))
    report = outbox.drain()
    assert (report.delivered, report.retrying) == (0, 1)
    assert outbox.status_counts() == {"pending": 1}


def test_permanent_client_error_is_recorded_and_not_retried(
    receiver: Receiver, tmp_path: Path
) -> None:
    now = [0.0]
    receiver.fail_next, receiver.fail_status = 1, 400
    outbox = Outbox(
        tmp_path / "o.sqlite3", [WebhookTarget(receiver.url, None)], clock=lambda: now[0]
    )
    outbox.enqueue(_alert(0))
    assert outbox.drain().failed == 1
    now[0] += 10_000
    assert outbox.drain() == DrainReport()
    [(alert_id, url, error)] = outbox.failures()
    assert (alert_id, url) == (_alert(0).alert_id, receiver.url)
    assert error.startswith("HTTP 400")
    assert receiver.requests == []


def test_worker_keeps_draining_after_a_failed_drain(receiver: Receiver, tmp_path: Path) -> None:
    import time

    from socialpulse.alerts import OutboxWorker

    outbox = Outbox(tmp_path / "o.sqlite3", [WebhookTarget(receiver.url, None)])
    real_drain, calls = outbox.drain, []

    def flaky_drain() -> DrainReport:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real_drain()

    outbox.drain = flaky_drain  # type: ignore[method-assign]
    worker = OutboxWorker(outbox, interval=0.05)
    worker.start()
    outbox.enqueue(_alert(0))
    deadline = time.monotonic() + 5
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    assert len(calls) >= 2
    assert len(receiver.requests) == 1
