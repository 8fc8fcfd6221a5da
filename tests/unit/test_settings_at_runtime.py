"""Settings are read once per runtime, when the Definitions are built, never at import (issue 16).

Importing a module must not read `SOCIALPULSE_*`: a malformed value would otherwise break any
import of the code location (a test, a tool, the CLI before it can say what is wrong), and the
values would be frozen before the runtime chose its settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetKey

from socialpulse.settings import Settings
from socialpulse_assets.definitions import build_definitions
from socialpulse_assets.partitions import DEFAULT_BATCH_START

REPO = Path(__file__).resolve().parents[2]

# Import every module of the two runtimes, then build the code location as `dagster dev` does.
IMPORT_ALL_THEN_BUILD = """
import importlib, json, sys
from pathlib import Path
from pydantic import ValidationError

repo = Path(sys.argv[1])
for package in ("socialpulse_assets", "streaming_flows"):
    for path in sorted((repo / package).rglob("*.py")):
        if "dbt_project" in path.parts:
            continue
        parts = path.relative_to(repo).with_suffix("").parts
        importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
print("imported")
from socialpulse_assets.definitions import defs
try:
    defs()
except ValidationError as error:
    print(json.dumps(sorted(str(problem["loc"][0]) for problem in error.errors())))
"""


@pytest.mark.slow
def test_modules_import_with_malformed_settings_and_building_the_definitions_rejects_them(
    tmp_path: Path,
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SOCIALPULSE_")},
        "PYTHONPATH": str(REPO),
        "SOCIALPULSE_STATE_DIR": str(tmp_path),
        "SOCIALPULSE_BATCH_START": "not-a-day",
        "SOCIALPULSE_BASELINE_WEEKS": "four",
    }
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", IMPORT_ALL_THEN_BUILD, str(REPO)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no developer's .env
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    imported, rejected = done.stdout.strip().splitlines()[-2:]
    assert imported == "imported"
    assert json.loads(rejected) == ["baseline_weeks", "batch_start"]


def test_the_definitions_take_the_settings_they_are_built_with(tmp_path: Path) -> None:
    start = date(2025, 6, 1)
    assert start != DEFAULT_BATCH_START
    settings = Settings(
        state_dir=tmp_path,
        batch_start=start,
        baseline_weeks=2,
        trending_min_posts=9,
        trending_min_authors=4,
        spark_master="spark://spark-master:7077",
    )
    definitions = build_definitions(settings)
    for job in ("daily_batch", "spark_backfill_job"):
        assert definitions.resolve_job_def(job).partitions_def.get_first_partition_key() == (
            start.isoformat()
        )
    graph = definitions.resolve_asset_graph()
    firsts = {
        key.to_user_string(): graph.get(key).partitions_def.get_first_partition_key()
        for key in graph.get_all_asset_keys()
        if graph.get(key).partitions_def is not None
    }
    assert "landing" in firsts and "spark_backfill" in firsts
    assert set(firsts.values()) == {start.isoformat()}
    assert graph.get(AssetKey("keyword_baselines")).partitions_def is None
    batch_settings = definitions.resources["batch_settings"]
    assert (
        batch_settings.baseline_weeks,
        batch_settings.trending_min_posts,
        batch_settings.trending_min_authors,
        batch_settings.spark_master,
        batch_settings.state_dir,
    ) == (2, 9, 4, "spark://spark-master:7077", str(tmp_path))
