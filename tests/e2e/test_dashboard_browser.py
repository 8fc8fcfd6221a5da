"""The dashboard in a real headless Chromium, over a warehouse the daily assets built.

Four generated days (tests/batch_samples.py: #risingstar and sound-rising trend on the last one)
go through the Dagster daily assets into DuckDB and the lake (word clouds included); a known
alert is inserted. Playwright drives the system's Chromium (Debian's package, installed by
deployment/scripts/ensure-chromium.sh; Playwright's own browser download is never used): the test
reads the rendered DOM after the page's script ran, inserts a second alert while the page stays
open, and watches it appear without a reload, saves the watch-list through the page's form, and
fails on any uncaught exception or console error (failed loads included).
With SOCIALPULSE_UPDATE_SCREENSHOTS=1 it also refreshes docs/screenshots/dashboard.png.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

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
# How long a condition may take to hold: the page polls every second. Conditions are Playwright
# locator assertions or page.evaluate, never wait_for_function: its eval is refused by the page's
# Content-Security-Policy (no 'unsafe-eval'), which the test keeps in force.
WAIT_MS = 20_000
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Four generated days through the daily assets (word clouds included), plus one alert."""
    from dagster import materialize

    from socialpulse_assets.assets import analytics, lake_ingest, text_insights
    from socialpulse_assets.resources import (
        BatchSettingsResource,
        LakeResource,
        WarehouseResource,
    )

    state = tmp_path_factory.mktemp("dashboard-state")
    settings = Settings(state_dir=state, watchlist="acme", dashboard_token=TOKEN)
    land_sample(Lake.from_settings(settings))
    url = settings.resolved_warehouse_url
    resources = {
        "lake": LakeResource(url=settings.resolved_lake_url),
        "warehouse": WarehouseResource(url=url),
        "batch_settings": BatchSettingsResource.from_settings(settings),
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
def page() -> Iterator[Page]:
    """One page of the system's Chromium, 1400 x 1100 CSS pixels at scale 1."""
    with sync_playwright() as playwright:
        # executable_path: Debian's chromium, so no Playwright browser download is needed.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
        try:
            context = browser.new_context(
                viewport={"width": 1400, "height": 1100}, device_scale_factor=1
            )
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def record_errors(page: Page) -> list[str]:
    """Uncaught exceptions, console.error calls and browser-logged errors (failed loads)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text} {message.location}")
            if message.type == "error"
            else None
        ),
    )
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    return errors


# What the stream does while the page is open: a writer in a process of its own. (A second
# DuckDB connection inside the dashboard's process is refused at once, not waited for, and the
# page would log the 503 it got.)
SECOND_ALERT_WRITER = """
import sys
from datetime import UTC, datetime

from socialpulse.warehouse import open_waiting_for_lock
from tests.dashboard_samples import insert_alert, make_alert

url, window = sys.argv[1], datetime.fromisoformat(sys.argv[2])
alert = make_alert(
    "keyword", "zestcola", window, direction="sentiment_drop", detected_at=datetime.now(UTC)
)
with open_waiting_for_lock(url, 10.0) as db:
    insert_alert(db, alert)
"""


def insert_alert_from_another_process(url: str) -> None:
    window = ALERT_WINDOW + timedelta(hours=2)
    subprocess.run(
        [sys.executable, "-c", SECOND_ALERT_WRITER, url, window.isoformat()],
        check=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=120,
    )


def text_of(page: Page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def test_dashboard_renders_polls_new_alerts_and_saves_the_watchlist(
    settings: Settings, dashboard_url: str, page: Page, tmp_path: Path
) -> None:
    errors = record_errors(page)
    # Signing in once with the token sets the session cookie and lands on the page.
    page.goto(f"{dashboard_url}/login?token={TOKEN}")
    expect(page.locator("#alerts [data-alert-id]")).to_have_count(1, timeout=WAIT_MS)

    # The injected alert, with its context and the text of its sample posts.
    alert = text_of(page, "#alerts [data-alert-id]")
    assert f"hashtag:{TRENDING_CHALLENGE}" in alert
    assert "observed 41 vs expected 0.2" in alert
    assert "shift -0.60" in alert
    assert page.locator("#alerts .samples li").count() == 3
    assert MARKUP in text_of(page, "#alerts .samples")
    assert page.locator("#alerts .samples img").count() == 0
    assert page.evaluate("window.__pwned === undefined")

    # Trends of the latest day, the alerted key's charts, the word clouds.
    expect(page.locator("#trending-challenges tbody tr").first).to_be_attached(timeout=WAIT_MS)
    assert text_of(page, "#trend-day").startswith(TREND_DAY.isoformat())
    challenges = text_of(page, "#trending-challenges tbody tr")
    assert f"#{TRENDING_CHALLENGE}" in challenges
    # Sounds by their title and author where the posts carried them, not their raw ids.
    music = text_of(page, "#trending-music")
    assert "Rising Sound — New Artist" in music and TRENDING_SOUND not in music
    assert page.locator("#key-select").input_value() == f"hashtag:{TRENDING_CHALLENGE}"
    expect(page.locator("#activity-chart circle.anomaly").first).to_be_attached(timeout=WAIT_MS)
    assert page.locator("#activity-chart .alert-marker").count() > 0
    assert page.locator("#sentiment-chart rect").count() > 10
    cloud = page.locator("#word-clouds img").first
    expect(cloud).to_have_js_property("complete", True, timeout=WAIT_MS)
    assert cloud.evaluate("image => image.naturalWidth") > 0
    captions = text_of(page, "#word-clouds")
    assert "sentiment-positive" in captions

    # A new alert while the page is open appears on the next poll, without a reload.
    page.evaluate("window.__sameDocument = true")
    insert_alert_from_another_process(settings.resolved_warehouse_url)
    expect(page.locator('#alerts [data-key="keyword:zestcola"]')).to_be_attached(timeout=WAIT_MS)
    assert page.evaluate("window.__sameDocument === true")
    order = page.evaluate(
        "[...document.querySelectorAll('#alerts [data-alert-id]')].map(a => a.dataset.key)"
    )
    assert order == ["keyword:zestcola", f"hashtag:{TRENDING_CHALLENGE}"]

    screenshot = SCREENSHOT_IN_DOCS if UPDATE_SCREENSHOT else tmp_path / "dashboard.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    # The whole page (word clouds and watch-list are below the fold) at 1400 px wide.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=screenshot, full_page=True)
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == 1400
    assert int.from_bytes(header[20:24], "big") == height

    # The watch-list editor saves through its form to <state_dir>/watchlist.txt.
    page.locator("#watchlist-terms").fill("NovaPhone\nglow up")
    page.locator("#watchlist-save").click()
    expect(page.locator("#watchlist-status")).to_have_text(re.compile("^saved"), timeout=WAIT_MS)
    assert (settings.state_dir / "watchlist.txt").read_text() == "novaphone\nglow up\n"
    expect(page.locator('#key-select option[value="keyword:novaphone"]')).to_be_attached(
        timeout=WAIT_MS
    )

    assert errors == []
