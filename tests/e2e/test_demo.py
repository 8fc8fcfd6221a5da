"""`socialpulse demo` end to end through the real broker, on the embedded lake and DuckDB."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialpulse.baselines import read_keyword_baselines
from socialpulse.cli.main import app
from socialpulse.lake import Lake, landing_files
from socialpulse.settings import get_settings
from socialpulse.warehouse import Warehouse

pytestmark = pytest.mark.e2e


class _DemoClock(datetime):
    """The demo generates the two hours before the current hour, and the generator's rates
    follow the hour of day, so which injected events stand out depended on when the test ran
    (the new challenge's spike was missed at 06:26 UTC on 2026-11-30). The test pins the hour."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 11, 30, 5, 50, tzinfo=UTC).astimezone(tz)


def test_demo_lands_loads_dead_letters_and_alerts(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALPULSE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SOCIALPULSE_KAFKA_BOOTSTRAP", kafka_bootstrap)
    monkeypatch.setattr("socialpulse.demo.datetime", _DemoClock)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["demo", "--posts", "3000", "--malformed-rate", "0.02"])
        settings = get_settings()
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "dead-lettered" in result.output

    lake = Lake.from_url(str(tmp_path / "lake"))
    landed = lake.read(landing_files(lake))
    with Warehouse(settings.resolved_warehouse_url) as warehouse:
        rows = warehouse.count("posts")
        # The batch half ran as Dagster assets: dimensions, trending, sentiment per window.
        assert warehouse.count("authors") > 0
        trending = warehouse.query("SELECT key FROM trending_challenges ORDER BY day, rank")
        assert "fyp" in trending["key"].to_list()[:5]
        assert warehouse.count("sentiment_summary") > 0
    assert read_keyword_baselines(lake), "keyword_baselines were not written where the stream reads"
    assert (tmp_path / "dagster" / "history").is_dir()  # runs recorded for `make dagster`
    # Every message is either landed or dead-lettered; ids are unique in the warehouse.
    assert landed["id"].n_unique() == rows == landed.height
    assert 2900 <= rows < 3000
    assert landed["sentiment_label"].null_count() == 0
    alerts = lake.read(lake.list_files("alerts"))
    found = set(zip(alerts["key_kind"], alerts["key"], alerts["direction"], strict=True))
    # All five of the generator's injected events are found, each with its direction.
    assert {
        ("hashtag", "dance", "spike"),
        ("keyword", "zestcola", "spike"),
        ("hashtag", "fyp", "drop"),
        ("keyword", "acme", "sentiment_drop"),
        ("hashtag", "newchallenge", "spike"),
    } <= found
    # No storm: besides the five, a 45-minute demo gets a few alerts on young keys in its first
    # minutes and drops in its last, partial minutes (12 in all on 2026-11-29, decided at the
    # windows' close; 16 on 2026-12-07 with early alerts on by default, where a burst's first two
    # windows both alert).
    assert alerts.height <= 20

    # A second run is idempotent in the warehouse: the same seed yields the same post ids.
    get_settings.cache_clear()
    try:
        again = CliRunner().invoke(app, ["demo", "--posts", "3000", "--malformed-rate", "0.02"])
    finally:
        get_settings.cache_clear()
    assert again.exit_code == 0, again.output
    with Warehouse(settings.resolved_warehouse_url) as warehouse:
        assert warehouse.count("posts") == rows


def test_demo_on_s3_and_postgres(
    s3_settings, postgres_url: str, kafka_bootstrap: str, tmp_path: Path, monkeypatch
) -> None:
    import uuid

    import psycopg2

    database = f"sp_demo_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(postgres_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {database}")
    warehouse_url = postgres_url.rsplit("/", 1)[0] + f"/{database}"
    for name, value in {
        "SOCIALPULSE_STATE_DIR": str(tmp_path),
        "SOCIALPULSE_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "SOCIALPULSE_LAKE_URL": s3_settings.lake_url,
        "SOCIALPULSE_S3_ENDPOINT_URL": s3_settings.s3_endpoint_url,
        "SOCIALPULSE_S3_ACCESS_KEY_ID": s3_settings.s3_access_key_id,
        "SOCIALPULSE_S3_SECRET_ACCESS_KEY": s3_settings.s3_secret_access_key,
        "SOCIALPULSE_WAREHOUSE_URL": warehouse_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["demo", "--posts", "1000", "--malformed-rate", "0.05"])
        assert result.exit_code == 0, result.output
        lake = Lake.from_settings(get_settings())
        landed = lake.read(landing_files(lake))
        with Warehouse(warehouse_url) as warehouse:
            assert warehouse.count("posts") == landed["id"].n_unique() == landed.height
            assert 900 < landed.height < 1000
    finally:
        get_settings.cache_clear()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()
