"""The one settings object: every knob comes from `SOCIALPULSE_*` environment variables or `.env`.

Defaults are the embedded ones (a lake directory and DuckDB under the project-local state
directory, the locally started broker and S3 server), so the first run needs no configuration.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _seconds_list(value: str) -> tuple[float, ...]:
    """'5, 300,1800' -> (5.0, 300.0, 1800.0); ValueError on a part that is not a number."""
    return tuple(float(part) for part in value.split(",") if part.strip())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SOCIALPULSE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["local", "production"] = Field(
        "local",
        description="Dagster resources: local (lake dir, DuckDB) or production (S3, Postgres).",
    )
    state_dir: Path = Field(
        Path(".socialpulse"),
        description="Project-local directory for service data, logs, pids, lake and DuckDB.",
    )

    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers.")
    kafka_security_protocol: str = Field(
        "PLAINTEXT", description="Kafka security.protocol (e.g. SASL_SSL)."
    )
    kafka_sasl_mechanism: str | None = Field(
        None, description="Kafka sasl.mechanism (e.g. PLAIN, SCRAM-SHA-512)."
    )
    kafka_sasl_username: str | None = Field(None, description="Kafka SASL user name.")
    kafka_sasl_password: str | None = Field(None, description="Kafka SASL password.")
    posts_topic: str = Field("socialpulse.posts", description="Topic the producers write posts to.")
    dlq_topic: str = Field(
        "socialpulse.posts.dlq", description="Dead-letter topic for rejected input."
    )
    alerts_topic: str = Field(
        "socialpulse.alerts", description="Topic the stream writes alerts to."
    )
    cluster_time_topic: str = Field(
        "socialpulse.cluster-time",
        description="Topic the processes of a multi-process stream share their event time on "
        "(created with one partition when missing).",
    )
    topic_partitions: int = Field(
        4, description="Partitions for topics that `services up` creates."
    )

    lake_url: str | None = Field(
        None, description="Lake root: a directory or s3://bucket/prefix. Default: <state_dir>/lake."
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3 endpoint for a non-AWS server (SeaweedFS, MinIO). Empty means AWS."
    )
    s3_access_key_id: str | None = Field(None, description="S3 access key id.")
    s3_secret_access_key: str | None = Field(None, description="S3 secret access key.")
    s3_region: str = Field("us-east-1", description="S3 region.")
    lake_bucket: str = Field(
        "socialpulse-lake", description="Bucket that `services up` creates for the lake."
    )

    warehouse_url: str | None = Field(
        None,
        description="postgresql://user@host:port/db or duckdb:///path; default: DuckDB in state.",
    )
    warehouse_lock_wait_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a dashboard request waits for a DuckDB warehouse that a writer "
        "(`socialpulse batch`) holds before answering 503.",
    )

    watchlist: str = Field(
        "", description="Comma-separated brand keywords the stream tracks (case-insensitive)."
    )
    window_seconds: int = Field(60, description="Length of the stream's event-time windows.")
    allowed_lateness_seconds: int = Field(
        30,
        description="How far (event time) the slowest partition must be past a window's end "
        "before it closes.",
    )
    max_future_seconds: int = Field(
        60,
        description="Posts stamped further ahead of the later of the wall clock and the stream's "
        "event time go to the dead-letter topic (future_timestamp).",
    )
    lake_batch_size: int = Field(5000, description="Posts per landed Parquet batch, at most.")
    lake_flush_seconds: int = Field(
        10, description="Seconds after its first post that a partial batch is landed."
    )
    max_posts_per_message: int = Field(
        1000, gt=0, description="Posts one message may hold; more: a `too_many_posts` dead letter."
    )
    max_hashtags_per_post: int = Field(
        50, ge=0, description="Hashtags kept per post (the first ones); `raw` keeps them all."
    )
    max_text_chars: int = Field(
        25_000, gt=0, description="Characters of post text kept; `raw` keeps the whole text."
    )
    min_support: int = Field(
        5, description="Posts in one window before a hashtag or sound gets its own detector."
    )
    alert_cooldown_seconds: int = Field(
        900, description="Event time after an alert during which the same key stays quiet."
    )
    early_alerts: bool = Field(
        True,
        description=(
            "Spike alerts while their window is still open, on its count or a run of seconds "
            "(within seconds of a burst's start, at the price of more alerts); false: only "
            "when windows close."
        ),
    )
    idle_key_seconds: int = Field(
        6 * 3600, description="A key's detector is evicted after this long without posts."
    )
    webhook_urls: str = Field("", description="Comma-separated webhook URLs that receive alerts.")
    webhook_secret: str | None = Field(
        None,
        description="Standard Webhooks signing secret: whsec_ and base64 of 24 to 64 random bytes.",
    )
    webhook_timeout_seconds: float = Field(
        30.0, gt=0, description="Seconds a webhook receiver has to answer one delivery attempt."
    )
    webhook_max_attempts: int = Field(
        10,
        ge=1,
        description="Attempts per alert and receiver before the delivery is kept as failed.",
    )
    webhook_retry_seconds: str = Field(
        "5,300,1800,7200,18000,36000,50400,72000,86400",
        description="Comma-separated seconds before the 2nd, 3rd, ... webhook attempt (the last "
        "repeats); the Standard Webhooks example schedule by default.",
    )
    recovery_dir: Path | None = Field(
        None, description="Bytewax recovery database directory. Default: <state_dir>/recovery."
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Level of the stream's log records (DEBUG, INFO, WARNING, ERROR)."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log line format: text for people, json for log collectors."
    )

    sentiment_model: Path | None = Field(
        None,
        description="Directory of a `sentiment train` model for the stream; default: the "
        "version promoted in the model registry, else the fast scorer shipped in the package "
        "(read by socialpulse.sentiment.scorers).",
    )
    model_refresh_seconds: float = Field(
        60.0,
        gt=0,
        description="How often the stream re-reads which sentiment model is promoted in the "
        "model registry (a newly promoted one is used from then on, without a restart).",
    )
    sentiment_training_data: Path | None = Field(
        None,
        description="TweetEval-layout directory (<split>_text.txt + <split>_labels.txt) the "
        "Dagster sentiment_model asset trains on (its train split) and validates on (val).",
    )
    batch_start: date = Field(
        date(2024, 1, 1), description="First day of the Dagster assets' daily partitions."
    )
    baseline_weeks: int = Field(
        4, description="Weeks of history behind each keyword_baselines hour-of-week statistic."
    )
    trending_min_posts: int = Field(
        5, description="Posts of a day before a challenge or sound can trend."
    )
    trending_min_authors: int = Field(
        3, description="Distinct authors of a day before a challenge or sound can trend."
    )
    topics_sample_posts: int = Field(
        400,
        ge=1,
        description="Posts of a day the daily_topics asset discovers topics in (a deterministic "
        "sample; the encoder embeds about a dozen posts per second and core).",
    )
    dashboard_token: SecretStr | None = Field(
        None,
        description="Access token of the dashboard: required for every request when set; "
        "without it the dashboard is read-only.",
    )
    spark_master: str = Field(
        "local[*]", description="Spark master URL for backfills (local[*], spark://host:7077)."
    )

    kafka_port: int = Field(
        9092, ge=1, le=65535, description="Port of the locally started Kafka-protocol broker."
    )
    s3_port: int = Field(8333, ge=1, le=65535, description="Port of the locally started S3 server.")
    seaweedfs_master_port: int = Field(
        9333,
        ge=1,
        le=65535 - 10000,  # its gRPC port must exist too
        description="Internal port of the local SeaweedFS master (gRPC on port + 10000).",
    )
    seaweedfs_volume_port: int = Field(
        8380,
        ge=1,
        le=65535 - 10000,  # its gRPC port must exist too
        description="Internal port of the local SeaweedFS volume server (gRPC on + 10000).",
    )
    seaweedfs_filer_port: int = Field(
        8888,
        ge=1,
        le=65535 - 10000,  # its gRPC port must exist too
        description="Internal port of the local SeaweedFS filer (gRPC on port + 10000).",
    )
    postgres_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/socialpulse",
        description="Postgres that `services up` checks (and the integration tests use).",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("webhook_retry_seconds")
    @classmethod
    def _positive_delays(cls, value: str) -> str:
        try:
            delays = _seconds_list(value)
        except ValueError:
            delays = ()
        if not delays or any(not 0 < delay < float("inf") for delay in delays):
            raise ValueError(
                "must be a comma-separated list of positive seconds, like 5,300,1800; "
                f"got {value!r}"
            )
        return value

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        return _seconds_list(self.webhook_retry_seconds)

    @property
    def resolved_lake_url(self) -> str:
        return self.lake_url or str((self.state_dir / "lake").resolve())

    @property
    def resolved_warehouse_url(self) -> str:
        return self.warehouse_url or f"duckdb:///{(self.state_dir / 'warehouse.duckdb').resolve()}"

    @property
    def watchlist_terms(self) -> tuple[str, ...]:
        return tuple(t.strip().lower() for t in self.watchlist.split(",") if t.strip())

    @property
    def resolved_recovery_dir(self) -> Path:
        return self.recovery_dir or self.state_dir / "recovery"

    @property
    def outbox_dir(self) -> Path:
        """Where the stream's webhook outboxes live (one SQLite file per worker)."""
        return self.state_dir / "outbox"

    def kafka_config(self) -> dict[str, str]:
        """librdkafka connection settings shared by every producer, consumer and admin client."""
        config = {
            "bootstrap.servers": self.kafka_bootstrap,
            "security.protocol": self.kafka_security_protocol,
        }
        if self.kafka_sasl_mechanism:
            config["sasl.mechanism"] = self.kafka_sasl_mechanism
        if self.kafka_sasl_username:
            config["sasl.username"] = self.kafka_sasl_username
        if self.kafka_sasl_password:
            config["sasl.password"] = self.kafka_sasl_password
        return config

    def storage_options(self) -> dict[str, object]:
        """fsspec/s3fs options for the lake; empty for a local directory."""
        if not self.resolved_lake_url.startswith("s3://"):
            return {}
        options: dict[str, object] = {"client_kwargs": {"region_name": self.s3_region}}
        if self.s3_endpoint_url:
            options["endpoint_url"] = self.s3_endpoint_url
        if self.s3_access_key_id:
            options["key"] = self.s3_access_key_id
            options["secret"] = self.s3_secret_access_key
        return options


@lru_cache
def get_settings() -> Settings:
    return Settings()
