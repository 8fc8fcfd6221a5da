"""The demo's alerts reach the alerts topic and a signed webhook, each exactly as in the lake."""

from __future__ import annotations

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from standardwebhooks import Webhook
from typer.testing import CliRunner

from socialpulse.alerts import Alert
from socialpulse.cli.main import app
from socialpulse.lake import Lake
from socialpulse.settings import get_settings

pytestmark = pytest.mark.e2e

SECRET = "whsec_ZGVtby1zZWNyZXQtb2YtdGhpcnR5LXR3by1ieXRlcyE="  # 32 bytes


def test_alerts_reach_the_topic_and_signed_webhooks(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(
                (dict(self.headers), self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    alerts_topic = f"alerts-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})  # must outlive its futures
    admin.create_topics([NewTopic(alerts_topic, 1, 1)])[alerts_topic].result(10)
    for name, value in {
        "SOCIALPULSE_STATE_DIR": str(tmp_path),
        "SOCIALPULSE_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "SOCIALPULSE_ALERTS_TOPIC": alerts_topic,
        "SOCIALPULSE_WEBHOOK_URLS": f"http://127.0.0.1:{server.server_port}/hook",
        "SOCIALPULSE_WEBHOOK_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["demo", "--posts", "3000"])
    finally:
        get_settings.cache_clear()
        server.shutdown()
    assert result.exit_code == 0, result.output

    lake = Lake.from_url(str(tmp_path / "lake"))
    in_lake = set(lake.read(lake.list_files("alerts"))["alert_id"])
    assert len(in_lake) >= 2

    assert {headers["webhook-id"] for headers, _ in received} == in_lake
    for headers, body in received:
        Webhook(SECRET).verify(body, headers)
        assert Alert.from_json(body).alert_id == headers["webhook-id"]

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": alerts_topic})
    consumer.assign([TopicPartition(alerts_topic, 0, 0)])
    on_topic: dict[str, bytes] = {}
    deadline = time.monotonic() + 20
    while len(on_topic) < len(in_lake) and time.monotonic() < deadline:
        for message in consumer.consume(100, 1.0):
            if message.error() is None:
                on_topic[message.key().decode()] = message.value()
    consumer.close()
    assert set(on_topic) == in_lake
    assert all(Alert.from_json(v).alert_id == k for k, v in on_topic.items())
