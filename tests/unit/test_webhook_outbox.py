"""Standard Webhooks signing and the durable outbox, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from typer.testing import CliRunner

from socialpulse.alerts import (
    Alert,
    DrainReport,
    Outbox,
    OutboxWorker,
    WebhookTarget,
    alert_id_for,
    decode_secret,
    outbox_path,
    parse_webhook_targets,
    sign,
)
from socialpulse.cli.main import app
from socialpulse.settings import get_settings

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()


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


def _target(url: str, secret: str | None = None) -> WebhookTarget:
    return WebhookTarget(url, decode_secret(secret) if secret else None)


Answer = Callable[[dict[str, str], bytes], int | tuple[int, dict[str, str]]]


class Receiver:
    """Records every request as it arrives (monotonic time, headers, body), then answers with
    `answer(headers, body)`: a status, or (status, extra headers); `delay` seconds late."""

    def __init__(
        self,
        answer: Answer = lambda headers, body: 200,
        delay: float = 0.0,
    ) -> None:
        self.requests: list[tuple[float, dict[str, str], bytes]] = []
        self.answer = answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers)
                receiver.requests.append((time.monotonic(), headers, body))
                answer = receiver.answer(headers, body)
                status, extra = answer if isinstance(answer, tuple) else (answer, {})
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting (a slow receiver)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> Counter[str]:
        return Counter(headers["webhook-id"] for _, headers, _ in self.requests)


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(*args: object, **kwargs: object) -> Receiver:
        started.append(Receiver(*args, **kwargs))  # type: ignore[arg-type]
        return started[-1]

    yield start
    for server in started:
        server.server.shutdown()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hook"


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_signature_verifies_with_the_standardwebhooks_library() -> None:
    body = b'{"alert_id":"abc"}'
    timestamp = int(time.time())
    headers = {
        "webhook-id": "abc",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign("abc", timestamp, body, decode_secret(SECRET)),
    }
    assert Webhook(SECRET).verify(body, headers) == {"alert_id": "abc"}
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER_SECRET).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, {**headers, "webhook-id": "abd"})


def test_targets_from_settings_and_bad_urls_or_secrets() -> None:
    key = decode_secret(SECRET)
    assert parse_webhook_targets(" https://a/h , http://b/h,", SECRET) == [
        WebhookTarget("https://a/h", key),
        WebhookTarget("http://b/h", key),
    ]
    assert parse_webhook_targets("", "not-checked-without-urls") == []
    with pytest.raises(ValueError, match="http:// or https://"):
        parse_webhook_targets("ftp://nope", None)
    with pytest.raises(ValueError, match=r"must start with 'whsec_'.*generate one with"):
        parse_webhook_targets("http://a/h", "change-me-signing-key")
    with pytest.raises(ValueError, match="not valid base64"):
        parse_webhook_targets("http://a/h", "whsec_not*base64")
    with pytest.raises(ValueError, match="holds 3 bytes"):
        parse_webhook_targets("http://a/h", "whsec_YWJj")


def test_delivered_once_signed_and_idempotent(
    receivers: Callable[..., Receiver], tmp_path: Path
) -> None:
    receiver = receivers()
    outbox = Outbox(tmp_path / "o.sqlite3", [_target(receiver.url, SECRET)])
    alert = _alert(0)
    outbox.enqueue(alert)
    outbox.enqueue(alert)  # a replayed alert
    assert outbox.drain().delivered == 1
    assert outbox.drain().delivered == 0
    [(_, headers, body)] = receiver.requests
    assert Alert.from_json(body) == alert
    assert headers["webhook-id"] == alert.alert_id
    assert Webhook(SECRET).verify(body, headers)["alert_id"] == alert.alert_id


def test_unreachable_then_back_loses_nothing_and_survives_a_restart(
    receivers: Callable[..., Receiver], tmp_path: Path
) -> None:
    now = [1000.0]
    path = tmp_path / "o.sqlite3"
    failures = [503, 503]
    receiver = receivers(lambda h, b: failures.pop() if failures else 200)
    targets = [_target(receiver.url)]
    outbox = Outbox(path, targets, timeout=1, retry_delays=(10,), clock=lambda: now[0])
    for minute in range(3):
        outbox.enqueue(_alert(minute))
    first = outbox.drain()
    assert (first.delivered, first.retrying) == (1, 2)
    assert outbox.drain().delivered == 0  # backing off: nothing is due yet
    outbox.close()  # the process dies here

    reopened = Outbox(path, targets, timeout=1, clock=lambda: now[0])
    now[0] += 12.5  # past the 10 s delay and its jitter (at most 20 %)
    assert reopened.drain().delivered == 2
    assert reopened.status_counts() == {"delivered": 3}
    assert sorted(receiver.ids().values()) == [1, 2, 2]  # two refused once, then delivered


def test_receiver_down_keeps_alerts_pending_with_the_error(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3", [_target(_closed_port_url())], timeout=1)
    outbox.enqueue(_alert(0))
    report = outbox.drain()
    assert (report.delivered, report.retrying) == (0, 1)
    assert outbox.status_counts() == {"pending": 1}


def test_retries_back_off_never_sooner_than_the_timeout_and_stop_after_max_attempts(
    receivers: Callable[..., Receiver], tmp_path: Path
) -> None:
    now = [0.0]
    receiver = receivers(lambda h, b: 503)
    outbox = Outbox(
        tmp_path / "o.sqlite3",
        [_target(receiver.url)],
        timeout=3,
        max_attempts=4,
        retry_delays=(1, 10, 100),
        clock=lambda: now[0],
    )
    outbox.enqueue(_alert(0))
    assert outbox.drain().retrying == 1
    # The first scheduled delay (1 s) is shorter than the timeout: the retry waits 3 s or more.
    for wait, due in ((2.9, False), (0.8, True), (9.9, False), (2.2, True), (99, False)):
        now[0] += wait
        assert (outbox.drain() != DrainReport()) is due, (wait, now[0])
    now[0] += 21  # past 100 s and its jitter: the fourth and last attempt
    assert outbox.drain().failed == 1
    now[0] += 1_000_000
    assert outbox.drain() == DrainReport()
    assert receiver.ids() == {_alert(0).alert_id: 4}  # the bound: max_attempts copies
    [failure] = outbox.failures()
    assert failure.last_error == "gave up after 4 attempt(s): HTTP 503: "


def test_retry_after_is_honoured(receivers: Callable[..., Receiver], tmp_path: Path) -> None:
    now = [0.0]
    receiver = receivers(lambda h, b: (429, {"Retry-After": "60"}))
    outbox = Outbox(
        tmp_path / "o.sqlite3", [_target(receiver.url)], timeout=1, clock=lambda: now[0]
    )
    outbox.enqueue(_alert(0))
    outbox.drain()
    now[0] += 59
    assert outbox.drain() == DrainReport()
    now[0] += 13
    assert outbox.drain().retrying == 1


def test_gone_is_permanent_and_kept_with_its_reason(
    receivers: Callable[..., Receiver], tmp_path: Path
) -> None:
    now = [0.0]
    receiver = receivers(lambda h, b: 410)
    outbox = Outbox(tmp_path / "o.sqlite3", [_target(receiver.url)], clock=lambda: now[0])
    outbox.enqueue(_alert(0))
    assert outbox.drain().failed == 1
    now[0] += 10_000
    assert outbox.drain() == DrainReport()
    [failure] = outbox.failures()
    assert (failure.alert_id, failure.url) == (_alert(0).alert_id, receiver.url)
    assert failure.last_error.startswith("HTTP 410")
    assert len(receiver.requests) == 1


def test_worker_keeps_draining_after_a_failed_drain(
    receivers: Callable[..., Receiver], tmp_path: Path
) -> None:
    receiver = receivers()
    outbox = Outbox(tmp_path / "o.sqlite3", [_target(receiver.url)])
    real_drain, calls = outbox.drain, []

    def flaky_drain(*args: Any, **kwargs: Any) -> DrainReport:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real_drain(*args, **kwargs)

    outbox.drain = flaky_drain  # type: ignore[method-assign]
    worker = OutboxWorker(outbox, interval=0.05)
    worker.start()
    outbox.enqueue(_alert(0))
    _wait_for(lambda: bool(receiver.requests), 5)
    worker.stop()
    assert len(calls) >= 2
    assert len(receiver.requests) == 1


def test_stopping_does_not_wait_out_a_slow_receivers_backlog(
    receivers: Callable[..., Receiver], tmp_path: Path
) -> None:
    slow = receivers(delay=3.0)
    outbox = Outbox(tmp_path / "o.sqlite3", [_target(slow.url)], timeout=10)
    worker = OutboxWorker(outbox, interval=0.05, final_drain_seconds=0.5)
    worker.start()
    for minute in range(3):
        outbox.enqueue(_alert(minute))
    _wait_for(lambda: bool(slow.requests), 5)
    began = time.monotonic()
    worker.stop()
    assert time.monotonic() - began < 2.5  # not 3 alerts x 3 s
    assert len(slow.requests) == 1
    assert outbox.status_counts() == {"pending": 3}  # the rest go out on the next start


def test_a_slow_and_a_failing_receiver_do_not_delay_a_healthy_one(
    receivers: Callable[..., Receiver], tmp_path: Path
) -> None:
    """The healthy receiver gets every alert at once; the slow one (answering after the timeout)
    gets each alert once per attempt, no more than max_attempts; the failing one gets each later."""
    slow = receivers(delay=2.0)
    healthy = receivers()
    failures = [500, 500, 500]
    failing = receivers(lambda h, b: failures.pop() if failures else 200)
    outbox = Outbox(
        tmp_path / "o.sqlite3",
        [_target(slow.url, SECRET), _target(healthy.url, SECRET), _target(failing.url, SECRET)],
        timeout=1.0,
        max_attempts=2,
        retry_delays=(0.2,),
    )
    worker = OutboxWorker(outbox, interval=0.05)
    worker.start()
    alerts = [_alert(minute) for minute in range(4)]
    ids = {alert.alert_id for alert in alerts}
    enqueued_at = time.monotonic()
    for alert in alerts:
        outbox.enqueue(alert)
    _wait_for(lambda: sum(slow.ids().values()) == 8 and len(failing.requests) == 7, 30)
    _wait_for(lambda: outbox.status_counts().get("pending", 0) == 0, 5)
    counts = outbox.status_counts()
    worker.stop()

    assert healthy.ids() == {alert_id: 1 for alert_id in ids}
    latencies = [arrived - enqueued_at for arrived, _, _ in healthy.requests]
    assert max(latencies) < 1.5, latencies  # one slow answer alone takes 1 s (the timeout)
    assert failing.ids().keys() == ids and len(failing.requests) == 7
    assert slow.ids() == {alert_id: 2 for alert_id in ids}  # once per attempt, bounded
    slow_latest = max(arrived for arrived, _, _ in slow.requests) - enqueued_at
    assert slow_latest > 4  # it got its copies later, one at a time
    for receiver in (slow, healthy, failing):
        for _, headers, body in receiver.requests:
            Webhook(SECRET).verify(body, headers)
    assert counts == {"delivered": 8, "failed": 4}


def test_refused_with_401_then_redelivered_after_the_secret_is_fixed(
    receivers: Callable[..., Receiver], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer(headers: dict[str, str], body: bytes) -> int:
        try:
            Webhook(SECRET).verify(body, headers)
        except WebhookVerificationError:
            return 401
        return 200

    receiver = receivers(answer)
    unrelated = receivers()
    path = outbox_path(tmp_path / "outbox", 0)
    wrong = Outbox(
        path,
        [_target(receiver.url, OTHER_SECRET), _target(unrelated.url, OTHER_SECRET)],
        timeout=1,
        max_attempts=1,
    )
    for minute in range(2):
        wrong.enqueue(_alert(minute))
    assert wrong.drain() == DrainReport(delivered=2, failed=2)
    assert all("HTTP 401" in (f.last_error or "") for f in wrong.failures())
    wrong.close()

    monkeypatch.setenv("SOCIALPULSE_STATE_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        dry = CliRunner().invoke(app, ["alerts", "redeliver", "--dry-run"])
        result = CliRunner().invoke(
            app, ["alerts", "redeliver", "--url", receiver.url, "--since", "2000-01-01"]
        )
        later = CliRunner().invoke(app, ["alerts", "redeliver", "--since", "2999-01-01T00:00Z"])
    finally:
        get_settings.cache_clear()
    assert dry.exit_code == 0 and "would re-queue 2 failed webhook deliveries" in dry.output
    assert result.exit_code == 0, result.output
    assert "re-queued 2 failed webhook deliveries" in result.output
    assert _alert(0).alert_id in result.output and "HTTP 401" in result.output
    assert "re-queued 0 failed" in later.output

    fixed = Outbox(path, [_target(receiver.url, SECRET), _target(unrelated.url, SECRET)])
    assert fixed.drain() == DrainReport(delivered=2)
    assert fixed.status_counts() == {"delivered": 4}
    delivered = [body for _, _, body in receiver.requests[-2:]]
    assert {Alert.from_json(body).alert_id for body in delivered} == {
        _alert(0).alert_id,
        _alert(1).alert_id,
    }
    assert len(unrelated.requests) == 2  # delivered the first time, never sent again


def test_redeliver_without_an_outbox_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALPULSE_STATE_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["alerts", "redeliver"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert f"no webhook outbox in {tmp_path / 'outbox'}" in result.output
