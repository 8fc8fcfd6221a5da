"""A dbt manifest older than the project's models is parsed again, not loaded as it is."""

from __future__ import annotations

import os
from pathlib import Path

from socialpulse_assets.dbt import _manifest_is_stale


def test_a_model_changed_after_the_manifest_makes_it_stale(tmp_path: Path) -> None:
    (tmp_path / "models" / "marts").mkdir(parents=True)
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    model = tmp_path / "models" / "marts" / "mart_x.sql"
    model.write_text("select 1\n")
    manifest = tmp_path / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    for path in (tmp_path / "dbt_project.yml", model):
        os.utime(path, (1_000_000, 1_000_000))
    os.utime(manifest, (2_000_000, 2_000_000))
    assert not _manifest_is_stale(manifest, tmp_path)
    os.utime(model, (3_000_000, 3_000_000))  # a model edited (or added) since the parse
    assert _manifest_is_stale(manifest, tmp_path)
    os.utime(model, (1_000_000, 1_000_000))
    (tmp_path / "models" / "marts" / "notes.md").write_text("not dbt")
    assert not _manifest_is_stale(manifest, tmp_path)
