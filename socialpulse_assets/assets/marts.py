"""The dbt project as Dagster assets: each model an asset, each dbt test an asset check.

dbt sources are the warehouse tables the Python assets load, so the translator maps each source
to that asset's key: the marts sit downstream of `posts`, `trending_challenges` and the rest in
one lineage graph. The profile target and connection come from SOCIALPULSE_WAREHOUSE_URL.
"""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from socialpulse_assets.resources import WarehouseResource

# Package data of socialpulse_assets, so an installed wheel carries it as a checkout does.
DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"


def dbt_executable() -> str:
    """The dbt of this environment, found beside its Python even when the venv is not on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_DIR), profiles_dir=str(DBT_DIR), dbt_executable=dbt_executable()
    )


dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
if not dbt_project.manifest_path.exists():
    # A fresh clone has no manifest yet: parse once (a few seconds) so the code location loads.
    dbt_cli().cli(["parse"], target_path=Path("target")).wait()


def dbt_environment(warehouse_url: str) -> dict[str, str]:
    """The profile's environment variables for a duckdb:/// or postgresql:// warehouse URL."""
    parsed = urlparse(warehouse_url)
    if parsed.scheme == "duckdb":
        return {"SOCIALPULSE_DBT_TARGET": "duckdb", "SOCIALPULSE_DBT_DUCKDB_PATH": parsed.path}
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"dbt cannot use warehouse {warehouse_url!r}")
    schema = "public"
    for option in parse_qs(parsed.query).get("options", []):
        for part in unquote(option).split():
            if part.startswith("-csearch_path="):
                schema = part.split("=", 1)[1].split(",")[0]
    return {
        "SOCIALPULSE_DBT_TARGET": "postgres",
        "SOCIALPULSE_DBT_PG_HOST": parsed.hostname or "127.0.0.1",
        "SOCIALPULSE_DBT_PG_PORT": str(parsed.port or 5432),
        "SOCIALPULSE_DBT_PG_USER": unquote(parsed.username or "postgres"),
        "SOCIALPULSE_DBT_PG_PASSWORD": unquote(parsed.password or ""),
        "SOCIALPULSE_DBT_PG_DBNAME": (parsed.path or "/socialpulse").lstrip("/"),
        "SOCIALPULSE_DBT_PG_SCHEMA": schema,
    }


class SocialPulseTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(dbt_resource_props["name"])  # the Python asset that loads the table
        return AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "marts" if dbt_resource_props["name"].startswith("mart_") else "staging"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=SocialPulseTranslator(),
)
def dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Any:
    """`dbt build`: staging views, marts and their tests, on the run's warehouse."""
    os.environ.update(dbt_environment(warehouse.url))
    yield from dbt.cli(["build"], context=context).stream()
