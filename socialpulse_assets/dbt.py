"""Where the dbt project is, how to run its CLI, and the profile a run's warehouse gives it.

Nothing here runs at import: the manifest is prepared when the `Definitions` are built
(`prepared_dbt_project`), and a run writes its own profile from the warehouse resource's URL
into a private temporary directory, so no process environment is changed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from functools import cache, cached_property
from importlib.metadata import version as distribution_version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import yaml
from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from socialpulse import contracts

PROFILE = "socialpulse"


def dbt_project_dir() -> Path:
    """The dbt project (the one place that knows where): `socialpulse_assets/dbt_project`, package
    data in an installed wheel and, in a checkout, a link to the top-level `dbt_project/`."""
    return Path(__file__).resolve().parent / "dbt_project"


def dbt_executable() -> str:
    """The dbt of this environment, found beside its Python even when the venv is not on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


class SocialPulseDbtCli(DbtCliResource):
    """dagster-dbt's CLI resource without the two costs of every `cli()` call we do not use.

    Before it starts dbt, `DbtCliResource.cli` runs `dbt --version` in a subprocess and builds a
    dbt adapter in this process (loading all 523 macros of dbt and its adapters). The adapter
    serves only `fetch_row_counts()` / `fetch_column_metadata()`, which `dbt_models` does not
    call (the warehouse tables' row counts and schemas come from the Python assets). Measured
    on the daily job: 12.6 s of a 27 s `dbt build` step, every run. The version is the installed
    dbt-core's, the one `dbt_executable()` runs.

    Both are private hooks of dagster-dbt 0.29; tests/unit/test_dbt_cli.py fails if they move.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(distribution_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        return None


def dbt_cli() -> DbtCliResource:
    return SocialPulseDbtCli(
        project_dir=str(dbt_project_dir()),
        profiles_dir=str(dbt_project_dir()),
        dbt_executable=dbt_executable(),
    )


def contract_vars_args() -> list[str]:
    """`--vars` with the shared rules (`socialpulse.contracts`), for every dbt command we run:
    the key rule and the band then come from the one module the stream and Spark also use."""
    return ["--vars", json.dumps(contracts.dbt_vars(), sort_keys=True)]


@cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=dbt_project_dir(), profiles_dir=dbt_project_dir())


def prepared_dbt_project() -> DbtProject:
    """The project with a loadable manifest: parsed under `dagster dev`, when it is missing, or
    when a model, test, macro or the project file changed after it was written (a manifest left
    by an earlier checkout would otherwise hide new models from the asset graph).

    This is what `DbtProject.prepare_if_dev` does, with this environment's dbt: dagster-dbt's
    preparer calls `dbt` from PATH, which a venv that is not activated does not have, and
    `DbtProject` 1.13 takes no other preparer.
    """
    project = dbt_project()
    if (
        project.preparer.using_dagster_dev()
        or not project.manifest_path.exists()
        or _manifest_is_stale(project.manifest_path, dbt_project_dir())
    ):
        dbt_cli().cli(
            ["parse", "--quiet", *contract_vars_args()], target_path=project.target_path
        ).wait()
    return project


def _manifest_is_stale(manifest: Path, project_dir: Path) -> bool:
    written = manifest.stat().st_mtime
    sources = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        sources += (p for p in (project_dir / folder).rglob("*") if p.suffix in (".sql", ".yml"))
    return any(path.stat().st_mtime > written for path in sources if path.is_file())


KEPT_RUN_TARGETS = 10


def finish_run_target(target_path: Path) -> None:
    """After a run's `dbt build`: keep its parse for the next run, and only the newest
    `KEPT_RUN_TARGETS` run directories (each run writes one of about 3.4 MB under
    `target/`, with the compiled SQL and `run_results.json` to debug it by)."""
    keep_partial_parse(target_path)
    runs = sorted(target_path.parent.glob("dbt_models-*"), key=lambda path: path.stat().st_mtime)
    for old in runs[:-KEPT_RUN_TARGETS]:
        shutil.rmtree(old, ignore_errors=True)


def keep_partial_parse(target_path: Path) -> None:
    """Make a finished run's parse the starting point of the next one.

    dagster-dbt starts each run in a fresh target directory seeded with the project's
    `target/partial_parse.msgpack`; that file comes from `dbt parse` with the project's own
    profile, so every run with the run's warehouse profile re-parsed the whole project (about
    6 s: "Unable to do partial parsing because profile has changed"). Copying the run's file
    back lets the next run on the same warehouse parse only what changed; dbt itself checks the
    file against the project, the vars and the profile before it trusts it. Best effort: an
    installed project directory may be read-only.
    """
    source = target_path / "partial_parse.msgpack"
    destination = dbt_project().project_dir / "target" / "partial_parse.msgpack"
    if not source.exists():
        return
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed, so a concurrent run never reads half a file.
        with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False) as handle:
            pass
        shutil.copyfile(source, handle.name)
        os.replace(handle.name, destination)
    except OSError:
        pass


def dbt_output(warehouse_url: str) -> dict[str, Any]:
    """The profile output for a duckdb:///path or postgresql://… warehouse URL."""
    parsed = urlparse(warehouse_url)
    if parsed.scheme == "duckdb":
        return {"type": "duckdb", "path": parsed.path, "threads": 1}
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ValueError(
            f"dbt cannot use warehouse {warehouse_url!r}: use duckdb:///path or postgresql://…"
        )
    schema = "public"
    for option in parse_qs(parsed.query).get("options", []):
        for part in unquote(option).split():
            if part.startswith("-csearch_path="):
                schema = part.split("=", 1)[1].split(",")[0]
    return {
        "type": "postgres",
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": unquote(parsed.username or "postgres"),
        "password": unquote(parsed.password or ""),
        "dbname": (parsed.path or "/socialpulse").lstrip("/") or "socialpulse",
        "schema": schema,
        "threads": 2,
    }


def write_profiles(directory: Path, warehouse_url: str) -> Path:
    """`profiles.yml` for the warehouse at `warehouse_url`, readable by this user only."""
    path = directory / "profiles.yml"
    path.touch(mode=0o600)
    profile = {PROFILE: {"target": "run", "outputs": {"run": dbt_output(warehouse_url)}}}
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    return path
