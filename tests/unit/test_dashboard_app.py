"""The dashboard's HTTP endpoints over the known sample day (Starlette's test client, no server)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from starlette.testclient import TestClient

from socialpulse.dashboard import create_app
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from tests.dashboard_samples import SOUND_PEAK_POSTS
from tests.unit.test_dashboard_queries import (
    ALERT_KEY,
    BURST_HOUR,
    DAY,
    SAMPLE_TEXT,
    TRENDING_CHALLENGE,
    TRENDING_SOUND,
    insert_alert,
    load_sample_warehouse,
    make_alert,
)

PNG = b"\x89PNG\r\n\x1a\nfake"
TOKEN = "correct-horse-battery-staple"


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings(state_dir=tmp_path / "state", watchlist="acme", dashboard_token=TOKEN)
    load_sample_warehouse(settings.resolved_warehouse_url)
    lake = Lake.from_settings(settings)
    folder = lake.path("reports", "wordclouds", f"dt={DAY}")
    lake.fs.makedirs(folder, exist_ok=True)
    for name in ("hashtag-glowup", "sentiment-negative"):
        lake.fs.pipe(f"{folder}/{name}.png", PNG)
    return settings


@pytest.fixture
def client(settings: Settings) -> TestClient:
    """A browser that signed in once with the token (the session cookie does the rest)."""
    client = TestClient(create_app(settings, poll_seconds=1.5), follow_redirects=False)
    assert client.get("/login", params={"token": TOKEN}).status_code == 303
    return client


@pytest.fixture
def read_only(settings: Settings) -> TestClient:
    """The same dashboard started without SOCIALPULSE_DASHBOARD_TOKEN."""
    return TestClient(create_app(settings.model_copy(update={"dashboard_token": None})))


def test_page_loads_the_script_and_polls_at_the_configured_rate(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-poll-ms="1500"' in page.text
    assert '<script src="/static/dashboard.js">' in page.text
    assert '<table id="rising-keys">' in page.text  # filled from /api/forecasts
    assert "DuckDB" in page.text
    assert client.get("/static/dashboard.js").status_code == 200
    assert client.get("/static/dashboard.css").status_code == 200


def test_alerts_endpoint_sees_a_new_alert_on_the_next_poll(
    client: TestClient, settings: Settings
) -> None:
    [alert] = client.get("/api/alerts").json()["alerts"]
    assert alert["full_key"] == f"hashtag:{ALERT_KEY}"
    assert alert["samples"][0]["text"] == SAMPLE_TEXT
    with Warehouse(settings.resolved_warehouse_url) as db:
        insert_alert(db, make_alert("keyword", "acme", BURST_HOUR + timedelta(hours=2)))
    keys = [a["full_key"] for a in client.get("/api/alerts").json()["alerts"]]
    assert keys == ["keyword:acme", f"hashtag:{ALERT_KEY}"]


def test_activity_and_sentiment_for_a_key(client: TestClient) -> None:
    activity = client.get("/api/activity", params={"key": f"hashtag:{ALERT_KEY}"}).json()
    assert activity["bucket_minutes"] == 60
    assert [p["start"][11:13] for p in activity["points"] if p["is_anomaly"]] == ["12"]
    assert activity["alerts"] == [{"window_start": "2024-03-10T12:00:00Z", "direction": "spike"}]
    sentiment = client.get(
        "/api/sentiment", params={"key": f"hashtag:{ALERT_KEY}", "hours": 24}
    ).json()
    assert len(sentiment["windows"]) == 24 * 4
    assert set(sentiment["windows"][0]) == {
        "window_start",
        "posts",
        "negative_share",
        "neutral_share",
        "positive_share",
        "mean_score",
    }


def test_keys_and_trending(client: TestClient) -> None:
    keys = [k["key"] for k in client.get("/api/keys").json()["keys"]]
    assert keys[:3] == [f"hashtag:{ALERT_KEY}", "keyword:acme", f"hashtag:{TRENDING_CHALLENGE}"]
    trending = client.get("/api/trending").json()
    assert trending["day"] == DAY.isoformat()
    assert trending["challenges"][0]["display_name"] == f"#{TRENDING_CHALLENGE}"
    assert trending["music"][0]["key"] == TRENDING_SOUND
    assert trending["music"][0]["growth"] == 50.0


def test_trending_sounds_are_named_by_title(client: TestClient, settings: Settings) -> None:
    with Warehouse(settings.resolved_warehouse_url) as db:
        db.upsert(
            "music",
            pl.DataFrame(
                {
                    "music_id": [TRENDING_SOUND],
                    "music_title": ["Rising Sun"],
                    "music_author": [None],
                },
                schema_overrides={"music_author": pl.String},
            ),
            ["music_id"],
        )
    [first, *_] = client.get("/api/trending").json()["music"]
    assert (first["key"], first["display_name"]) == (TRENDING_SOUND, "Rising Sun — ?")


def test_forecasts_list_the_rising_keys_and_nothing_without_forecasts(
    client: TestClient, settings: Settings
) -> None:
    answer = client.get("/api/forecasts")
    assert answer.status_code == 200
    body = answer.json()
    assert body["day"] == DAY.isoformat()
    [sound] = body["keys"]
    assert sound["key"] == f"music:{TRENDING_SOUND}"
    assert [h["hour"][11:13] for h in sound["hours"]] == [f"{h:02d}" for h in range(24)]
    hours = sound["hours"]
    assert all(h["forecast_low"] <= h["forecast_posts"] <= h["forecast_high"] for h in hours)
    assert (sound["first_rising_hour"], sound["peak"]["forecast_posts"]) == (
        "2024-03-11T06:00:00Z",
        SOUND_PEAK_POSTS,
    )
    with Warehouse(settings.resolved_warehouse_url) as db:
        db.execute("DELETE FROM trend_forecasts")
    empty = client.get("/api/forecasts")
    assert (empty.status_code, empty.json()["keys"]) == (200, [])
    with Warehouse(settings.resolved_warehouse_url) as db:
        db.execute("DROP TABLE trend_forecasts")
    absent = client.get("/api/forecasts")
    assert (absent.status_code, absent.json()) == (200, {"day": None, "days": [], "keys": []})


def test_topics_of_the_latest_day_and_nothing_without_them(
    client: TestClient, settings: Settings
) -> None:
    body = client.get("/api/topics").json()
    assert body["day"] == DAY.isoformat()
    assert [t["emerging_reason"] for t in body["topics"]] == [None, "growing", "new"]
    assert [len(t["example_posts"]) for t in body["topics"]] == [3, 3, 3]
    with Warehouse(settings.resolved_warehouse_url) as db:
        db.execute("DROP TABLE daily_topics")
    absent = client.get("/api/topics")
    assert (absent.status_code, absent.json()) == (200, {"day": None, "days": [], "topics": []})


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/api/activity", {}, "query parameter key is required"),
        ("/api/activity", {"key": "hashtag:x", "days": "many"}, "days='many'"),
        ("/api/trending", {"day": "yesterday"}, "yesterday"),
        ("/api/forecasts", {"day": "tomorrow"}, "tomorrow"),
        ("/api/topics", {"day": "someday"}, "someday"),
    ],
)
def test_bad_parameters_get_a_400_that_says_what_was_wrong(
    client: TestClient, path: str, params: dict[str, str], message: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_missing_warehouse_is_a_503_that_says_what_to_run(tmp_path) -> None:
    client = TestClient(create_app(Settings(state_dir=tmp_path / "nothing")))
    response = client.get("/api/alerts")
    assert response.status_code == 503
    assert "make demo" in response.json()["error"]
    assert not (tmp_path / "nothing" / "warehouse.duckdb").exists()  # not created by reading


HOLD_WRITER = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
connection.execute("CREATE TABLE IF NOT EXISTS writer_was_here (n INTEGER)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.close()
"""


def hold_write_lock(database: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process (as `socialpulse batch`) holding DuckDB's write lock for `seconds`."""
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(database), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline() == "locked\n"
    return writer


def test_a_read_waits_for_a_writer_that_holds_the_duckdb_lock(
    client: TestClient, settings: Settings
) -> None:
    writer = hold_write_lock(settings.state_dir / "warehouse.duckdb", 1.0)
    try:
        started = time.monotonic()
        response = client.get("/api/alerts")
        waited = time.monotonic() - started
    finally:
        writer.wait(timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["alerts"][0]["full_key"] == f"hashtag:{ALERT_KEY}"
    assert waited > 0.3  # it did meet the lock, and waited for it


def test_a_writer_holding_the_lock_past_the_wait_is_a_503_that_says_so(
    settings: Settings,
) -> None:
    client = TestClient(
        create_app(settings.model_copy(update={"warehouse_lock_wait_seconds": 0.3})),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    writer = hold_write_lock(settings.state_dir / "warehouse.duckdb", 5.0)
    try:
        response = client.get("/api/alerts")
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert response.status_code == 503
    error = response.json()["error"]
    assert "held it for more than 0.3 s" in error
    assert "SOCIALPULSE_WAREHOUSE_LOCK_WAIT_SECONDS" in error


def test_word_clouds_are_listed_and_served_from_the_lake(client: TestClient) -> None:
    clouds = client.get("/api/wordclouds").json()
    assert clouds["day"] == DAY.isoformat()
    assert [c["group"] for c in clouds["clouds"]] == ["sentiment-negative", "hashtag-glowup"]
    image = client.get(clouds["clouds"][0]["url"])
    assert (image.status_code, image.headers["content-type"], image.content) == (
        200,
        "image/png",
        PNG,
    )
    assert client.get(f"/wordclouds/{DAY}/missing.png").status_code == 404
    assert client.get("/wordclouds/..%2F..%2Fsecrets/x.png").status_code == 404


def test_watchlist_post_persists_to_the_state_file(client: TestClient, settings: Settings) -> None:
    assert client.get("/api/watchlist").json()["terms"] == ["acme"]
    saved = client.post("/api/watchlist", json={"terms": ["NovaPhone", "glow up", ""]}).json()
    assert saved["terms"] == ["acme", "novaphone", "glow up"]
    assert saved["file_terms"] == ["novaphone", "glow up"]
    assert (settings.state_dir / "watchlist.txt").read_text() == "novaphone\nglow up\n"
    as_text = client.post("/api/watchlist", json={"terms": "zestcola\nacme"}).json()
    assert as_text["file_terms"] == ["zestcola", "acme"]
    keys = [k["key"] for k in client.get("/api/keys").json()["keys"]]
    assert "keyword:zestcola" in keys


@pytest.mark.parametrize("body", [{"terms": [1, 2]}, {"words": []}, {"terms": ["a,b"]}])
def test_watchlist_post_rejects_bad_input(client: TestClient, settings: Settings, body) -> None:
    response = client.post("/api/watchlist", json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not (settings.state_dir / "watchlist.txt").exists()


def test_watchlist_post_accepts_only_json(client: TestClient, settings: Settings) -> None:
    # A cross-site form can send text/plain without a CORS preflight; it must not count.
    response = client.post(
        "/api/watchlist", content=b'{"terms": ["evil"]}', headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert not (settings.state_dir / "watchlist.txt").exists()


def test_cli_command_serves_the_app_on_localhost_by_default(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from socialpulse.cli import dashboard as command

    served = {}
    monkeypatch.setattr(command, "get_settings", lambda: settings)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options, app=app))
    monkeypatch.setattr(command, "check_listen", lambda host, port: None)  # ports may be taken
    cli = typer.Typer()
    command.register(cli)
    cli.command("noop")(lambda: None)  # with two commands Typer keeps the command name

    result = CliRunner().invoke(cli, ["dashboard"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8050)
    assert "http://127.0.0.1:8050" in result.output
    assert TestClient(served["app"]).get("/healthz").json() == {"status": "ok"}

    CliRunner().invoke(cli, ["dashboard", "--port", "9001", "--host", "0.0.0.0"])
    assert (served["host"], served["port"]) == ("0.0.0.0", 9001)


def test_without_a_token_the_dashboard_reads_but_refuses_writes(
    read_only: TestClient, settings: Settings
) -> None:
    assert read_only.get("/api/alerts").status_code == 200
    page = read_only.get("/").text
    assert "<fieldset disabled>" in page
    assert "SOCIALPULSE_DASHBOARD_TOKEN" in page
    assert read_only.get("/api/watchlist").json()["editable"] is False
    response = read_only.post("/api/watchlist", json={"terms": ["evil"]})
    assert response.status_code == 403
    assert "SOCIALPULSE_DASHBOARD_TOKEN" in response.json()["error"]
    assert not (settings.state_dir / "watchlist.txt").exists()


def test_with_a_token_every_read_needs_it(settings: Settings) -> None:
    stranger = TestClient(create_app(settings), follow_redirects=False)
    assert stranger.get("/api/alerts").status_code == 401
    assert "/login" in stranger.get("/api/alerts").json()["error"]
    assert stranger.get(f"/wordclouds/{DAY}/hashtag-glowup.png").status_code == 401
    assert stranger.get("/").headers["location"] == "/login"
    # What a probe or the sign-in page needs stays open; it holds no data.
    assert stranger.get("/healthz").status_code == 200
    assert stranger.get("/static/dashboard.css").status_code == 200
    assert 'name="token"' in stranger.get("/login").text

    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert stranger.get("/api/alerts", headers=headers).status_code == 200
    wrong = {"Authorization": "Bearer guess"}
    assert stranger.get("/api/alerts", headers=wrong).status_code == 401
    assert stranger.post("/login", data={"token": "guess"}).status_code == 401
    assert not stranger.cookies


def test_signing_in_sets_a_session_cookie_that_is_not_the_token(settings: Settings) -> None:
    browser = TestClient(create_app(settings), follow_redirects=False)
    signed_in = browser.post("/login", data={"token": TOKEN})
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/")
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert TOKEN not in cookie
    assert browser.get("/api/alerts").status_code == 200
    assert browser.get("/").status_code == 200


def test_sign_in_and_writes_from_another_origin_are_refused(
    client: TestClient, settings: Settings
) -> None:
    evil = {"Origin": "http://evil.example"}
    response = client.post("/api/watchlist", json={"terms": ["evil"]}, headers=evil)
    assert response.status_code == 403
    assert "evil.example" in response.json()["error"]
    assert not (settings.state_dir / "watchlist.txt").exists()
    stranger = TestClient(create_app(settings), follow_redirects=False)
    assert stranger.post("/login", data={"token": TOKEN}, headers=evil).status_code == 403

    own = {"Origin": "http://testserver"}
    assert client.post("/api/watchlist", json={"terms": ["ok"]}, headers=own).status_code == 200
    assert (settings.state_dir / "watchlist.txt").read_text() == "ok\n"


@pytest.mark.parametrize(
    ("terms", "status", "message"),
    [
        ([f"brand{i}" for i in range(201)], 400, "at most 200 terms, got 201"),
        (["x" * 101], 400, "under 100 characters"),
        (["y" * 90 for _ in range(800)], 413, "over 64 KiB"),
    ],
)
def test_watchlist_writes_are_limited_in_size(
    client: TestClient, settings: Settings, terms: list[str], status: int, message: str
) -> None:
    response = client.post("/api/watchlist", json={"terms": terms})
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not (settings.state_dir / "watchlist.txt").exists()


def test_answers_never_show_server_paths(
    client: TestClient, settings: Settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = client.post("/api/watchlist", json={"terms": ["acme"]})
    assert str(tmp_path) not in saved.text
    assert str(tmp_path) not in client.get("/").text

    missing = TestClient(create_app(Settings(state_dir=tmp_path / "nothing"))).get("/api/alerts")
    assert missing.status_code == 503
    assert str(tmp_path) not in missing.text

    from socialpulse.dashboard import app as dashboard_app

    def locked(url: str, wait_seconds: float, **options: object) -> None:
        raise OSError(f"Could not set lock on file {tmp_path}/state/warehouse.duckdb")

    def down(url: str, wait_seconds: float, **options: object) -> None:
        raise OSError(f"connection to {tmp_path}/socket refused")

    monkeypatch.setattr(dashboard_app, "open_waiting_for_lock", locked)
    busy = client.get("/api/alerts")
    assert busy.status_code == 503
    assert "the warehouse is busy" in busy.json()["error"]
    assert str(tmp_path) not in busy.text
    monkeypatch.setattr(dashboard_app, "open_waiting_for_lock", down)
    refused = client.get("/api/alerts")
    assert refused.status_code == 503
    assert "cannot open the warehouse right now" in refused.json()["error"]
    assert str(tmp_path) not in refused.text


def test_markup_in_data_is_escaped_and_the_page_forbids_foreign_scripts(tmp_path) -> None:
    url = f"duckdb:///{tmp_path}/<img src=x onerror=alert(1)>.duckdb"
    page = TestClient(create_app(Settings(state_dir=tmp_path, warehouse_url=url))).get("/")
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"


def test_post_text_with_markup_reaches_the_page_as_json_data(
    client: TestClient, settings: Settings
) -> None:
    # The page's script puts sample texts into text nodes (el() in dashboard.js), never HTML;
    # the browser test checks that in Chromium.
    markup = "<script>window.pwned = 1</script><img src=x onerror=alert(1)>"
    with Warehouse(settings.resolved_warehouse_url) as db:
        db.execute("UPDATE posts SET text = ?", [markup])
    response = client.get("/api/alerts")
    assert response.headers["content-type"] == "application/json"
    assert response.json()["alerts"][0]["samples"][0]["text"] == markup


def test_cli_masks_the_warehouse_password_and_says_how_to_sign_in(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from socialpulse.cli import dashboard as command

    postgres = settings.model_copy(
        update={"warehouse_url": "postgresql://sp:hunter2@db:5432/socialpulse"}
    )
    monkeypatch.setattr(command, "get_settings", lambda: postgres)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    monkeypatch.setattr(command, "check_listen", lambda host, port: None)  # ports may be taken
    cli = typer.Typer()
    command.register(cli)
    cli.command("noop")(lambda: None)

    signed = CliRunner().invoke(cli, ["dashboard"])
    assert "hunter2" not in signed.output
    assert "postgresql://***@db:5432/socialpulse" in signed.output
    assert "http://127.0.0.1:8050/login" in signed.output
    assert TOKEN not in signed.output

    open_to_all = postgres.model_copy(update={"dashboard_token": None})
    monkeypatch.setattr(command, "get_settings", lambda: open_to_all)
    exposed = CliRunner().invoke(cli, ["dashboard", "--host", "0.0.0.0"])
    assert "read-only" in exposed.output
    assert "anyone who reaches 0.0.0.0:8050" in exposed.output
