"""What the CLI prints about services and the batch never carries a password."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from socialpulse.cli.main import app
from socialpulse.services import local
from socialpulse.settings import Settings

PASSWORD = "hunter2-do-not-print"


@pytest.fixture
def settings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = Settings(
        state_dir=tmp_path / "state",
        postgres_url=f"postgresql://sp:{PASSWORD}@db.internal:5432/socialpulse",
        warehouse_url=f"postgresql://sp:{PASSWORD}@db.internal:5432/socialpulse",
    )
    for module in ("socialpulse.cli.services", "socialpulse.cli.batch"):
        monkeypatch.setattr(f"{module}.get_settings", lambda: settings)
    return settings


def test_services_status_masks_the_postgres_password(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for check in ("kafka_healthy", "s3_healthy", "postgres_healthy"):
        monkeypatch.setattr(local, check, lambda *args, **kwargs: False)
    result = CliRunner().invoke(app, ["services", "status"])
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "postgresql://***@db.internal:5432/postgres" in result.output


def test_batch_masks_the_warehouse_password(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialpulse_assets import run

    monkeypatch.setattr(
        run, "materialise_days", lambda settings, days, **_: run.BatchSummary(days=list(days))
    )
    result = CliRunner().invoke(app, ["batch", "--day", "2024-03-10"])
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "postgresql://***@db.internal:5432/socialpulse" in result.output


def test_local_s3_secret_is_generated_once_and_written_privately(tmp_path) -> None:
    settings = Settings(state_dir=tmp_path / "state")
    assert local.s3_credentials(settings) == ("socialpulse", "")  # before the first start
    local._private_dir(local.seaweedfs_dir(settings))
    local._write_s3_identities(settings)
    local._write_seaweedfs_security(settings)
    access_key, secret = local.s3_credentials(settings)
    assert access_key == "socialpulse"
    assert len(secret) >= 32
    local._write_s3_identities(settings)  # a restart keeps the secret clients already hold
    assert local.s3_credentials(settings) == (access_key, secret)

    identities = local.seaweedfs_dir(settings) / "s3.json"
    assert json.loads(identities.read_text())["identities"][0]["credentials"][0] == {
        "accessKey": access_key,
        "secretKey": secret,
    }
    for path in (identities, local.seaweedfs_dir(settings) / "security.toml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(local.seaweedfs_dir(settings).stat().st_mode) == 0o700


def test_an_older_world_readable_secret_file_is_made_private(tmp_path) -> None:
    settings = Settings(state_dir=tmp_path / "state")
    identities = local.seaweedfs_dir(settings) / "s3.json"
    identities.parent.mkdir(parents=True)
    identities.write_text("{}")
    identities.chmod(0o644)
    local._write_s3_identities(settings)
    assert stat.S_IMODE(identities.stat().st_mode) == 0o600


def test_seaweedfs_answers_http_through_s3_only(tmp_path) -> None:
    command = local.s3_command(Settings(state_dir=tmp_path, seaweedfs_filer_port=18001))
    for flag in ("-disableHttp", "-filer.disableHttp", "-s3.port.iceberg=0", "-s3.port.lance=0"):
        assert flag in command
    assert "-filer.port=18001" in command
