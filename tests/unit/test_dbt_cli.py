"""The dbt CLI resource the Definitions bind, and what a finished run leaves behind."""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource

from socialpulse_assets import dbt as dbt_module
from socialpulse_assets.dbt import KEPT_RUN_TARGETS, SocialPulseDbtCli, dbt_cli, finish_run_target


def test_the_hooks_it_overrides_still_exist_in_dagster_dbt() -> None:
    # SocialPulseDbtCli replaces two private parts of DbtCliResource; if dagster-dbt renames
    # them, the overrides silently stop working (and every run is 12 s slower): fail here.
    assert callable(DbtCliResource._initialize_dbt_core_adapter)
    assert "_cli_version" in vars(DbtCliResource)


def test_the_resource_knows_dbt_s_version_without_a_subprocess_and_builds_no_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resource = dbt_cli()
    assert isinstance(resource, SocialPulseDbtCli)

    def no_subprocess(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("dbt --version must not run")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_subprocess)
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_a_finished_run_seeds_the_next_parse_and_old_run_directories_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Project:
        project_dir = tmp_path

    monkeypatch.setattr(dbt_module, "dbt_project", lambda: Project)
    target = tmp_path / "target"
    runs = []
    for index in range(KEPT_RUN_TARGETS + 3):
        run = target / f"dbt_models-{index:03d}"
        run.mkdir(parents=True)
        os.utime(run, (1_000_000 + index, 1_000_000 + index))
        runs.append(run)
    (runs[-1] / "partial_parse.msgpack").write_bytes(b"parsed with the run's profile")

    finish_run_target(runs[-1])

    assert (target / "partial_parse.msgpack").read_bytes() == b"parsed with the run's profile"
    assert sorted(target.glob("dbt_models-*")) == runs[-KEPT_RUN_TARGETS:]
