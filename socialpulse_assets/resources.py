"""Lake and warehouse resources, one mapping per environment (Settings.env).

local: the lake is a directory and the warehouse DuckDB, nothing to start.
production: the lake is S3 through dagster-aws's `S3Resource` (its endpoint, region and
credentials are what the lake's s3fs and the landing sensor use) and the warehouse Postgres.
"""

from __future__ import annotations

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
    }


def production_resources(settings: Settings) -> dict[str, object]:
    return {
        "dbt": dbt_cli(),
        "lake": LakeResource(
            url=settings.resolved_lake_url, s3=s3_resource(settings, secrets_from_env=True)
        ),
        "warehouse": WarehouseResource(url=EnvVar("SOCIALPULSE_WAREHOUSE_URL")),
    }


RESOURCES_BY_ENV = {"local": local_resources, "production": production_resources}
