"""The dashboard's HTTP endpoints over the known sample day (Starlette's test client, no server)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from socialpulse.dashboard import create_app
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
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


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings(state_dir=tmp_path / "state", watchlist="acme")
    load_sample_warehouse(settings.resolved_warehouse_url)
    lake = Lake.from_settings(settings)
    folder = lake.path("reports", "wordclouds", f"dt={DAY}")
    lake.fs.makedirs(folder, exist_ok=True)
    for name in ("hashtag-glowup", "sentiment-negative"):
        lake.fs.pipe(f"{folder}/{name}.png", PNG)
    return settings


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, poll_seconds=1.5))


def test_page_loads_the_script_and_polls_at_the_configured_rate(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-poll-ms="1500"' in page.text
    assert '<script src="/static/dashboard.js">' in page.text
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


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/api/activity", {}, "query parameter key is required"),
        ("/api/activity", {"key": "hashtag:x", "days": "many"}, "days='many'"),
        ("/api/trending", {"day": "yesterday"}, "yesterday"),
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
