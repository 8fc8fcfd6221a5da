"""The real local services: broker, S3 and Postgres, reached the way the product reaches them."""

from datetime import UTC, datetime

import polars as pl
import pytest
from typer.testing import CliRunner

from socialpulse.cli.main import app
from socialpulse.lake import Lake, landing_files, write_landing_batch
from socialpulse.services import local
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse

pytestmark = pytest.mark.integration


def test_up_twice_is_idempotent_and_status_reports_all_healthy(local_services: Settings) -> None:
    again = local.up(local_services)
    assert again["kafka"] == "already running"
    assert again["s3"] == "already running"
    assert again["topics"] == "present"
    assert again["bucket"] == "present"
    assert all(entry.healthy for entry in local.status(local_services))


def test_status_command_prints_a_table(local_services: Settings, monkeypatch) -> None:
    monkeypatch.chdir(local_services.state_dir.parent)
    result = CliRunner().invoke(app, ["services", "status"])
    assert result.exit_code == 0, result.output
    for name in ("kafka", "s3", "postgres"):
        assert name in result.output
    assert "healthy" in result.output


def test_product_topics_exist_with_configured_partitions(local_services: Settings) -> None:
    from confluent_kafka.admin import AdminClient

    bootstrap = f"{local.HOST}:{local_services.kafka_port}"
    topics = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics
    for topic in (
        local_services.posts_topic,
        local_services.dlq_topic,
        local_services.alerts_topic,
    ):
        assert len(topics[topic].partitions) == local_services.topic_partitions


def test_lake_on_s3_writes_deterministic_objects(s3_settings: Settings) -> None:
    lake = Lake.from_settings(s3_settings)
    created = datetime(2026, 5, 1, 13, 5, tzinfo=UTC)
    records = [
        {
            "id": f"s3-{i}",
            "platform": "twitter",
            "created_at": created,
            "author_id": "u",
            "text": "t",
            "kafka_partition": 1,
            "kafka_offset": 10 + i,
        }
        for i in range(3)
    ]
    for _ in range(2):  # a replay rewrites the same object
        write_landing_batch(lake, records, "socialpulse.posts", 1)
    files = landing_files(lake, "2026-05-01")
    assert [f.rsplit("/", 1)[1] for f in files] == [
        "socialpulse.posts-p0001-o000000000000-000000004999.parquet"
    ]
    assert lake.read(files)["id"].sort().to_list() == ["s3-0", "s3-1", "s3-2"]


def test_wrong_s3_credentials_are_refused(s3_settings: Settings) -> None:
    bad = s3_settings.model_copy(update={"s3_secret_access_key": "wrong"})
    with pytest.raises(PermissionError):
        Lake.from_settings(bad).fs.ls(s3_settings.lake_bucket)


def test_postgres_upsert_is_idempotent(postgres_url: str) -> None:
    with Warehouse(postgres_url) as warehouse:
        warehouse.execute("DROP TABLE IF EXISTS it_posts")
        frame = pl.DataFrame({"id": ["a", "b"], "likes": [1, 2], "hashtags": [["x", "y"], []]})
        warehouse.upsert("it_posts", frame, key=["id"])
        warehouse.upsert("it_posts", frame.with_columns(pl.col("likes") * 10), key=["id"])
        rows = warehouse.query("SELECT id, likes, hashtags FROM it_posts ORDER BY id").rows()
        assert rows == [("a", 10, ["x", "y"]), ("b", 20, [])]
        warehouse.execute("DROP TABLE it_posts")
