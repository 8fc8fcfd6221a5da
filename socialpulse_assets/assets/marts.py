"""The dbt project as Dagster assets: each model an asset, each dbt test an asset check.

dbt sources are the warehouse tables the Python assets load, so the translator maps each source
to that asset's key: the marts sit downstream of `posts`, `trending_challenges` and the rest in
one lineage graph. Each run writes a profile for the run's warehouse resource (see
`socialpulse_assets.dbt`); importing this module runs nothing.
"""

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from socialpulse_assets.dbt import contract_vars_args, finish_run_target, write_profiles
from socialpulse_assets.resources import WarehouseResource


class SocialPulseTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        # A source's key is the Python asset that loads its table: its name, or the key its
        # `meta.dagster.asset_key` gives where the two differ (the `trend_forecasts` table of
        # `trend_forecast`); a model's key is its name.
        named = dbt_resource_props.get("meta", {}).get("dagster", {}).get("asset_key")
        return AssetKey(named) if named else AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "marts" if dbt_resource_props["name"].startswith("mart_") else "staging"


def build_dbt_models(project: DbtProject) -> AssetsDefinition:
    """The dbt models of a project whose manifest exists (`prepared_dbt_project()`)."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="dbt_models",
        dagster_dbt_translator=SocialPulseTranslator(),
    )
    def dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ) -> Iterator[Any]:
        """`dbt build`: staging views, marts and their tests, on the run's warehouse, with the
        shared rules as vars."""
        with tempfile.TemporaryDirectory(prefix="socialpulse-dbt-") as profiles:
            write_profiles(Path(profiles), warehouse.url)
            args = ["build", "--profiles-dir", profiles, *contract_vars_args()]
            invocation = dbt.cli(args, context=context)
            yield from invocation.stream()
        finish_run_target(invocation.target_path)

    return dbt_models
