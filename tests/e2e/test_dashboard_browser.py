"""The dashboard in a real headless Chromium, over a warehouse the daily assets built.

Four generated days (tests/batch_samples.py: #risingstar and sound-rising trend on the last one)
go through the Dagster daily assets into DuckDB and the lake (word clouds included); a known
alert is inserted. The browser is driven over the Chrome DevTools Protocol with the `websockets`
package, so no browser-automation dependency is needed: the test reads the rendered DOM after the
page's script ran, inserts a second alert while the page stays open, and watches it appear
without a reload, saves the watch-list through the page's form, and fails on any console error.
With SOCIALPULSE_UPDATE_SCREENSHOTS=1 it also refreshes docs/screenshots/dashboard.png.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.sync.client import ClientConnection, connect

from socialpulse.dashboard import create_app
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from tests.batch_samples import DAYS, TREND_DAY, TRENDING_CHALLENGE, TRENDING_SOUND, land_sample
from tests.dashboard_samples import insert_alert, make_alert

REPO_ROOT = Path(__file__).resolve().parents[2]
# The committed screenshot is refreshed only on request, so a test run leaves the tree clean.
SCREENSHOT_IN_DOCS = REPO_ROOT / "docs" / "screenshots" / "dashboard.png"
UPDATE_SCREENSHOT = os.environ.get("SOCIALPULSE_UPDATE_SCREENSHOTS") == "1"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
TOKEN = "browser-test-token"
# A sample post's text: it must show as text, never run.
MARKUP = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 1</script>'
ALERT_WINDOW = datetime.combine(TREND_DAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed: run deployment/scripts/ensure-chromium.sh",
    ),
]


class DevTools:
    """A minimal Chrome DevTools Protocol client for one page target."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        self.websocket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.websocket.recv(timeout=30))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout}s waiting for {expression}")

    def errors(self) -> list[str]:
        """Uncaught exceptions, console.error calls and browser-logged errors (failed loads)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Four generated days through the daily assets (word clouds included), plus one alert."""
    from dagster import materialize

    from socialpulse_assets.assets import analytics, lake_ingest, text_insights
    from socialpulse_assets.resources import LakeResource, WarehouseResource

    state = tmp_path_factory.mktemp("dashboard-state")
    settings = Settings(state_dir=state, watchlist="acme", dashboard_token=TOKEN)
    land_sample(Lake.from_settings(settings))
    url = settings.resolved_warehouse_url
    resources = {
        "lake": LakeResource(url=settings.resolved_lake_url),
        "warehouse": WarehouseResource(url=url),
    }
    assets = [
        lake_ingest.cleansed_tables,
        analytics.trending_challenges,
        analytics.trending_music,
        analytics.sentiment_summary,
        text_insights.text_insights,
    ]
    for day in DAYS:
        assert materialize(assets, resources=resources, partition_key=day.isoformat()).success
    with Warehouse(url) as db:
        samples = db.query(
            "SELECT id FROM posts WHERE list_contains(hashtags, ?) AND created_at >= ? "
            "ORDER BY created_at LIMIT 3",
            [TRENDING_CHALLENGE, ALERT_WINDOW],
        )["id"].to_list()
        db.execute("UPDATE posts SET text = ? WHERE id = ?", [MARKUP, samples[0]])
        insert_alert(
            db,
            make_alert(
                "hashtag",
                TRENDING_CHALLENGE,
                ALERT_WINDOW,
                observed=41,
                expected=0.2,
                sample_post_ids=tuple(samples),
            ),
        )
    return settings


@pytest.fixture(scope="module")
def dashboard_url(settings: Settings) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, poll_seconds=1.0), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard server did not start within 20 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            f"--user-data-dir={profile}",
            "--window-size=1400,1100",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, f"chromium exited with {process.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port in 30 s"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(t for t in targets if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10) as websocket:
            devtools = DevTools(websocket)
            for domain in ("Page", "Runtime", "Log"):
                devtools.call(f"{domain}.enable")
            devtools.call(
                "Emulation.setDeviceMetricsOverride",
                width=1400,
                height=1100,
                deviceScaleFactor=1,
                mobile=False,
            )
            yield devtools
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def text_of(browser: DevTools, selector: str) -> str:
    return browser.evaluate(f"document.querySelector({json.dumps(selector)})?.innerText ?? ''")


def test_dashboard_renders_polls_new_alerts_and_saves_the_watchlist(
    settings: Settings, dashboard_url: str, browser: DevTools, tmp_path: Path
) -> None:
    # Signing in once with the token sets the session cookie and lands on the page.
    browser.call("Page.navigate", url=f"{dashboard_url}/login?token={TOKEN}")
    browser.wait_for("document.querySelectorAll('#alerts [data-alert-id]').length === 1")

    # The injected alert, with its context and the text of its sample posts.
    alert = text_of(browser, "#alerts [data-alert-id]")
    assert f"hashtag:{TRENDING_CHALLENGE}" in alert
    assert "observed 41 vs expected 0.2" in alert
    assert "shift -0.60" in alert
    assert browser.evaluate("document.querySelectorAll('#alerts .samples li').length") == 3
    assert MARKUP in text_of(browser, "#alerts .samples")
    assert browser.evaluate("document.querySelectorAll('#alerts .samples img').length") == 0
    assert browser.evaluate("window.__pwned === undefined")

    # Trends of the latest day, the alerted key's charts, the word clouds.
    browser.wait_for("document.querySelector('#trending-challenges tbody tr') !== null")
    assert text_of(browser, "#trend-day").startswith(TREND_DAY.isoformat())
    challenges = text_of(browser, "#trending-challenges tbody tr")
    assert f"#{TRENDING_CHALLENGE}" in challenges
    # Sounds by their title and author where the posts carried them, not their raw ids.
    music = text_of(browser, "#trending-music")
    assert "Rising Sound — New Artist" in music and TRENDING_SOUND not in music
    assert browser.evaluate("document.getElementById('key-select').value") == (
        f"hashtag:{TRENDING_CHALLENGE}"
    )
    browser.wait_for("document.querySelectorAll('#activity-chart circle.anomaly').length > 0")
    assert browser.evaluate("document.querySelectorAll('#activity-chart .alert-marker').length")
    assert browser.evaluate("document.querySelectorAll('#sentiment-chart rect').length") > 10
    browser.wait_for(
        "[...document.querySelectorAll('#word-clouds img')].some(i => i.complete && i.naturalWidth)"
    )
    captions = text_of(browser, "#word-clouds")
    assert "sentiment-positive" in captions

    # A new alert while the page is open appears on the next poll, without a reload.
    browser.evaluate("window.__sameDocument = true")
    with Warehouse(settings.resolved_warehouse_url) as db:
        insert_alert(
            db,
            make_alert(
                "keyword",
                "zestcola",
                ALERT_WINDOW + timedelta(hours=2),
                direction="sentiment_drop",
                detected_at=datetime.now(UTC),
            ),
        )
    browser.wait_for("document.querySelector('#alerts [data-key=\"keyword:zestcola\"]') !== null")
    assert browser.evaluate("window.__sameDocument === true")
    order = browser.evaluate(
        "[...document.querySelectorAll('#alerts [data-alert-id]')].map(a => a.dataset.key)"
    )
    assert order == ["keyword:zestcola", f"hashtag:{TRENDING_CHALLENGE}"]

    screenshot = SCREENSHOT_IN_DOCS if UPDATE_SCREENSHOT else tmp_path / "dashboard.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    # The whole page (word clouds and watch-list are below the fold) at 1400 px wide.
    height = browser.evaluate("document.documentElement.scrollHeight")
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        width=1400,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    shot = browser.call("Page.captureScreenshot", format="png")
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == 1400
    assert int.from_bytes(header[20:24], "big") == height

    # The watch-list editor saves through its form to <state_dir>/watchlist.txt.
    browser.evaluate(
        "document.getElementById('watchlist-terms').value = 'NovaPhone\\nglow up';"
        "document.getElementById('watchlist-form').requestSubmit()"
    )
    browser.wait_for("document.getElementById('watchlist-status').innerText.startsWith('saved')")
    assert (settings.state_dir / "watchlist.txt").read_text() == "novaphone\nglow up\n"
    browser.wait_for(
        "[...document.getElementById('key-select').options]"
        ".some(o => o.value === 'keyword:novaphone')"
    )

    assert browser.errors() == []
    assert not [e for e in browser.events if "Uncaught" in json.dumps(e)]
