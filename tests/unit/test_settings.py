from pathlib import Path

from socialpulse.settings import Settings


def test_environment_variables_with_prefix_override_defaults(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOCIALPULSE_KAFKA_BOOTSTRAP", "broker-1:9093,broker-2:9093")
    monkeypatch.setenv("SOCIALPULSE_STATE_DIR", str(tmp_path))
    settings = Settings()
    assert settings.kafka_bootstrap == "broker-1:9093,broker-2:9093"
    assert settings.resolved_lake_url == str(tmp_path / "lake")
    assert settings.resolved_warehouse_url == f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


def test_kafka_config_carries_sasl_only_when_set() -> None:
    assert Settings().kafka_config() == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "PLAINTEXT",
    }
    secured = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="pulse",
        kafka_sasl_password="secret",
    ).kafka_config()
    assert secured["sasl.mechanism"] == "SCRAM-SHA-512"
    assert secured["sasl.username"] == "pulse"
    assert secured["sasl.password"] == "secret"


def test_storage_options_only_for_s3_lakes() -> None:
    assert Settings(lake_url="/data/lake").storage_options() == {}
    options = Settings(
        lake_url="s3://bucket/prefix",
        s3_endpoint_url="http://127.0.0.1:8333",
        s3_access_key_id="key",
        s3_secret_access_key="secret",
    ).storage_options()
    assert options == {
        "client_kwargs": {"region_name": "us-east-1"},
        "endpoint_url": "http://127.0.0.1:8333",
        "key": "key",
        "secret": "secret",
    }


def test_webhook_retry_schedule_is_read_and_checked(monkeypatch) -> None:
    import pytest
    from pydantic import ValidationError

    assert Settings().webhook_retry_delays[:3] == (5.0, 300.0, 1800.0)
    monkeypatch.setenv("SOCIALPULSE_WEBHOOK_RETRY_SECONDS", "1, 2.5")
    assert Settings().webhook_retry_delays == (1.0, 2.5)
    for bad in ("", "5,-1", "five", "5,inf"):
        monkeypatch.setenv("SOCIALPULSE_WEBHOOK_RETRY_SECONDS", bad)
        with pytest.raises(ValidationError, match="comma-separated list of positive seconds"):
            Settings()
