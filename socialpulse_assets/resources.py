"""Lake and warehouse resources, one mapping per environment (Settings.env)."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar

from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse


class LakeResource(ConfigurableResource):
    """The lake root (directory or s3://bucket/prefix) and, for S3, where and as whom."""

    url: str
    s3_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"

    def lake(self) -> Lake:
        settings = Settings(
            lake_url=self.url,
            s3_endpoint_url=self.s3_endpoint_url,
            s3_access_key_id=self.s3_access_key_id,
            s3_secret_access_key=self.s3_secret_access_key,
            s3_region=self.s3_region,
        )
        return Lake.from_settings(settings)


class WarehouseResource(ConfigurableResource):
    """duckdb:///path or postgresql://…; each use opens and closes its own connection."""

    url: str

    def connect(self) -> Warehouse:
        return Warehouse(self.url)


def local_resources(settings: Settings) -> dict[str, object]:
    return {
        "lake": LakeResource(url=settings.resolved_lake_url),
        "warehouse": WarehouseResource(url=settings.resolved_warehouse_url),
    }


def production_resources(settings: Settings) -> dict[str, object]:
    # Secrets stay environment variables resolved at run time, never baked into the definitions.
    return {
        "lake": LakeResource(
            url=settings.resolved_lake_url,
            s3_endpoint_url=settings.s3_endpoint_url,
            s3_access_key_id=EnvVar("SOCIALPULSE_S3_ACCESS_KEY_ID"),
            s3_secret_access_key=EnvVar("SOCIALPULSE_S3_SECRET_ACCESS_KEY"),
            s3_region=settings.s3_region,
        ),
        "warehouse": WarehouseResource(url=EnvVar("SOCIALPULSE_WAREHOUSE_URL")),
    }


RESOURCES_BY_ENV = {"local": local_resources, "production": production_resources}
