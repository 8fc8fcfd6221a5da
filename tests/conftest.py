"""Session fixtures for the real local services.

Integration and e2e tests ask for `kafka_bootstrap`, `s3_settings` or `postgres_url`; the first
such request runs `services up` (starting only what is not already running), and the session's end
stops exactly what this test session started.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialpulse.services import local
from socialpulse.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS = REPO_ROOT.parent / "shared" / "datasets"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `services` every test that uses the shared local services, directly or through
    another fixture. `make test` runs those one at a time in one process (some stop and start
    the shared broker) and every other test beside them in a second process."""
    for item in items:
        if "local_services" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="session")
def service_settings() -> Settings:
    # The same state directory as `socialpulse services up` from the repo root, so a developer's
    # running services are reused rather than started twice.
    return Settings(state_dir=REPO_ROOT / ".socialpulse")


@pytest.fixture(scope="session")
def local_services(service_settings: Settings) -> Iterator[Settings]:
    outcome = local.up(service_settings)
    yield service_settings
    for name in ("kafka", "s3", "postgres"):
        if outcome.get(name) == "started":
            local.stop_service(service_settings, name)


@pytest.fixture(scope="session")
def kafka_bootstrap(local_services: Settings) -> str:
    return f"{local.HOST}:{local_services.kafka_port}"


@pytest.fixture
def s3_settings(local_services: Settings) -> Settings:
    """Settings whose lake is a fresh prefix in the local S3 bucket, one per test.

    Per test, not per session: tests land posts with the same generator seed (the demo and
    `land_sample` both use seed 7, so the same post ids on other days), and a test reading the
    whole lake must not see another test's posts.
    """
    access_key, secret_key = local.s3_credentials(local_services)
    return local_services.model_copy(
        update={
            "lake_url": f"s3://{local_services.lake_bucket}/test-{uuid.uuid4().hex[:8]}",
            "s3_endpoint_url": local.local_s3_endpoint(local_services),
            "s3_access_key_id": access_key,
            "s3_secret_access_key": secret_key,
        }
    )


@pytest.fixture(scope="session")
def postgres_url(local_services: Settings) -> str:
    return local_services.postgres_url


@pytest.fixture
def unique_topic(kafka_bootstrap: str) -> str:
    """A fresh topic with one partition per test, created explicitly (auto-creation gives 4)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    name = f"test-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result(10)
    return name


@pytest.fixture
def postgres_schema_url(postgres_url: str):
    """A URL whose search_path is a fresh schema: production table names, no collisions."""
    from socialpulse.warehouse import Warehouse

    schema = f"test_{uuid.uuid4().hex[:10]}"
    with Warehouse(postgres_url) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with Warehouse(postgres_url) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def process_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """This process's settings on a fresh state directory (lake, DuckDB, Dagster instance).

    Jobs launched through the instance are reconstructed from the process's settings, as in
    any Dagster process, so tests point the environment at `tmp_path` rather than at resources.
    """
    from socialpulse.settings import get_settings

    monkeypatch.setenv("SOCIALPULSE_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
