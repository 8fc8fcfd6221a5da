"""The code location imports without side effects; the Dagster instance it creates sends nothing."""

from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from socialpulse.settings import Settings
from socialpulse_assets.dbt import dbt_output, write_profiles
from socialpulse_assets.run import dagster_home

PACKAGE = Path(__file__).resolve().parents[2] / "socialpulse_assets"


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_no_private_dagster_module_is_imported() -> None:
    private = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in _imports(path) if m.startswith("dagster._")
        )
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: found for path, found in private.items() if found} == {}


def test_resources_and_marts_do_not_import_each_other() -> None:
    assert "socialpulse_assets.assets.marts" not in _imports(PACKAGE / "resources.py")
    assert "socialpulse_assets.resources" in _imports(PACKAGE / "assets" / "marts.py")


def test_no_asset_changes_the_process_environment() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("update", "setdefault", "pop"):
                target = node.value
                assert not (isinstance(target, ast.Attribute) and target.attr == "environ"), path
            if isinstance(node, ast.Assign | ast.Delete):
                for target in getattr(node, "targets", []):
                    assert "environ" not in ast.unparse(target), path


def test_importing_the_assets_and_resources_runs_no_dbt_command() -> None:
    code = (
        "import dagster_dbt\n"
        "def refuse(*args, **kwargs):\n"
        "    raise SystemExit('dbt ran at import')\n"
        "dagster_dbt.DbtCliResource.cli = refuse\n"
        "import socialpulse_assets.assets.marts, socialpulse_assets.resources\n"
        "import socialpulse_assets.run\n"
        "print('imported')\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
    )
    assert done.stdout.strip() == "imported", done.stderr


def test_dbt_profile_for_duckdb_and_a_postgres_schema(tmp_path) -> None:
    assert dbt_output("duckdb:////data/warehouse.duckdb") == {
        "type": "duckdb",
        "path": "//data/warehouse.duckdb",
        "threads": 1,
    }
    url = "postgresql://sp:s%40cret@db:6543/pulse?options=-csearch_path%3Dtest_1"
    assert dbt_output(url) == {
        "type": "postgres",
        "host": "db",
        "port": 6543,
        "user": "sp",
        "password": "s@cret",
        "dbname": "pulse",
        "schema": "test_1",
        "threads": 2,
    }
    path = write_profiles(tmp_path, url)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds the password
    assert yaml.safe_load(path.read_text())["socialpulse"]["outputs"]["run"]["host"] == "db"


def test_the_instance_the_project_creates_has_telemetry_off(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = dagster_home(Settings(state_dir=tmp_path))
    assert home == (tmp_path / "dagster").resolve()
    assert yaml.safe_load((home / "dagster.yaml").read_text()) == {
        "telemetry": {"enabled": False},
        "freshness": {"enabled": True},
    }
    # An instance someone configured is theirs: left as it is.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    monkeypatch.setenv("DAGSTER_HOME", str(mine))
    assert dagster_home(Settings(state_dir=tmp_path)) == mine.resolve()
    assert "enabled: true" in (mine / "dagster.yaml").read_text()
