"""Lake, warehouse and batch-settings resources, one mapping per environment (Settings.env).

local: the lake is a directory and the warehouse DuckDB, nothing to start.
production: the lake is S3 through dagster-aws's `S3Resource` (its endpoint, region and
credentials are what the lake's s3fs and the landing sensor use) and the warehouse Postgres.
Both: `batch_settings` carries the settings that assets and checks read when they run.
"""

from __future__ import annotations

from typing import TypeVar

from dagster import ConfigurableResource, EnvVar
from dagster_aws.s3 import S3Resource

from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.dbt import dbt_cli


class LakeResource(ConfigurableResource):
    """The lake root (a directory or s3://bucket/prefix) and, for S3, the S3 connection."""

    url: str
    s3: S3Resource | None = None

    def settings(self) -> Settings:
        """Settings whose lake fields are this resource's (what the Spark job reads too)."""
        if self.s3 is None:
            return Settings(lake_url=self.url)
        return Settings(
            lake_url=self.url,
            s3_endpoint_url=self.s3.endpoint_url,
            s3_access_key_id=self.s3.aws_access_key_id,
            s3_secret_access_key=self.s3.aws_secret_access_key,
            s3_region=self.s3.region_name or "us-east-1",
        )

    def lake(self) -> Lake:
        return Lake.from_settings(self.settings())


class WarehouseResource(ConfigurableResource):
    """duckdb:///path or postgresql://…; each use opens and closes its own connection."""

    url: str

    def connect(self) -> Warehouse:
        return Warehouse(self.url)


class BatchSettingsResource(ConfigurableResource):
    """The settings the batch assets and checks use at run time, read when the Definitions are
    built (an asset's run config, where it has the same field, overrides them for one run)."""

    baseline_weeks: int
    trending_min_posts: int
    trending_min_authors: int
    topics_sample_posts: int
    spark_master: str
    sentiment_model: str | None = None
    sentiment_training_data: str | None = None
    state_dir: str

    @classmethod
    def from_settings(cls, settings: Settings) -> BatchSettingsResource:
        return cls(
            baseline_weeks=settings.baseline_weeks,
            trending_min_posts=settings.trending_min_posts,
            trending_min_authors=settings.trending_min_authors,
            topics_sample_posts=settings.topics_sample_posts,
            spark_master=settings.spark_master,
            sentiment_model=str(settings.sentiment_model) if settings.sentiment_model else None,
            sentiment_training_data=(
                str(settings.sentiment_training_data) if settings.sentiment_training_data else None
            ),
            state_dir=str(settings.state_dir),
        )


T = TypeVar("T")


def or_setting(run_value: T | None, setting: T) -> T:
    """A run config's value, or the setting's where the run config leaves it out (None)."""
    return setting if run_value is None else run_value


def s3_resource(settings: Settings, *, secrets_from_env: bool) -> S3Resource:
    if secrets_from_env:
        # Secrets stay environment variables resolved at run time, never baked into definitions.
        key, secret = (
            EnvVar("SOCIALPULSE_S3_ACCESS_KEY_ID"),
            EnvVar("SOCIALPULSE_S3_SECRET_ACCESS_KEY"),
        )
    else:
        key, secret = settings.s3_access_key_id, settings.s3_secret_access_key
    return S3Resource(
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def local_resources(settings: Settings) -> dict[str, object]:
    return {
        "dbt": dbt_cli(),
        "lake": LakeResource(
            url=settings.resolved_lake_url, s3=s3_resource(settings, secrets_from_env=False)
        ),
        "warehouse": WarehouseResource(url=settings.resolved_warehouse_url),
        "batch_settings": BatchSettingsResource.from_settings(settings),
    }


def production_resources(settings: Settings) -> dict[str, object]:
    return {
        "dbt": dbt_cli(),
        "lake": LakeResource(
            url=settings.resolved_lake_url, s3=s3_resource(settings, secrets_from_env=True)
        ),
        "warehouse": WarehouseResource(url=EnvVar("SOCIALPULSE_WAREHOUSE_URL")),
        "batch_settings": BatchSettingsResource.from_settings(settings),
    }


RESOURCES_BY_ENV = {"local": local_resources, "production": production_resources}
