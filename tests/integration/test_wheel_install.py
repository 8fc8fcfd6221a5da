"""The wheel as a user gets it: built from the project, installed without `-e` into a new venv,
run from a folder outside the repository.

Only the wheel's own files decide what the installed package has: the venv is created without
system site-packages and the wheel goes in with `pip install --no-deps`, so a template, static file
or dbt model missing from the package data fails here. Its dependencies are not downloaded again
(minutes, and the same pinned set): a `.pth` file puts this environment's site-packages on the
venv's path. A `.pth` line that is a path adds that folder only; the `.pth` files inside it (among
them the editable install of the checkout) are not run, so the checkout cannot leak in, and the
test asserts every module came from the venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]

# Run in the venv: every project module from its site-packages, the dashboard answering, and the
# Dagster code location (dbt project and manifest included) loading from the installed package.
DASHBOARD_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import socialpulse, socialpulse_assets, streaming_flows, quality
    for module in (socialpulse, socialpulse_assets, streaming_flows, quality):
        assert Path(module.__file__).is_relative_to(sys.prefix), module.__file__

    from starlette.testclient import TestClient
    from socialpulse.dashboard import create_app
    from socialpulse.settings import Settings

    client = TestClient(create_app(Settings()))
    page = client.get("/")
    assert page.status_code == 200, page.text
    assert "dashboard.js" in page.text
    assert client.get("/static/dashboard.css").status_code == 200

    from socialpulse_assets.dbt import dbt_project_dir
    from socialpulse_assets.definitions import defs
    assert dbt_project_dir().is_relative_to(sys.prefix), dbt_project_dir()
    keys = {key.to_user_string() for key in defs().resolve_asset_graph().get_all_asset_keys()}
    assert "mart_alerts" in keys, sorted(keys)
    print("installed wheel ok")
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # From a copy without build leftovers: setuptools reuses an existing build/ folder, whose
    # stale files would hide package data missing from pyproject.toml.
    source = tmp_path_factory.mktemp("source") / "socialpulse"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".socialpulse", "build", "*.egg-info", "target", "__pycache__"
        ),
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        check=True,
        cwd=out,
        timeout=300,
        env=outside_env(),
    )
    (built,) = out.glob("socialpulse-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    # This environment's pip installs into the venv (`--python`), which saves bootstrapping one.
    # Without PYTHONPATH: a checkout on it would look installed already, and pip would skip.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", wheel],
        check=True,
        timeout=300,
        env=outside_env(),
    )
    assert (root / "bin" / "socialpulse").exists()
    venv_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(venv_site, "socialpulse-test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    return root


def outside_env() -> dict[str, str]:
    """This environment without what would point Python or the product at the checkout."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SOCIALPULSE_"))}


def _run(venv: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = outside_env()
    env["SOCIALPULSE_STATE_DIR"] = str(cwd / "state")
    env["DAGSTER_HOME"] = str(cwd / "dagster")
    # dbt runs as a program; this environment's copy stands in for the dependencies' scripts.
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
    env["PATH"] += os.environ.get("PATH", "")
    (cwd / "dagster").mkdir(exist_ok=True)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_wheel_carries_its_package_data(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "socialpulse/dashboard/templates/index.html",
        "socialpulse/dashboard/static/dashboard.js",
        "socialpulse/sentiment/data/fast_scorer.json",
        "socialpulse/sentiment/data/fast_ngrams.npz",
        "socialpulse_assets/dbt_project/dbt_project.yml",
        "socialpulse_assets/dbt_project/models/marts/mart_alerts.sql",
        "socialpulse-0.1.0.dist-info/licenses/LICENSE",
    ):
        assert expected in names


def test_console_script_and_module_run_outside_the_repo(venv: Path, tmp_path: Path) -> None:
    help_run = _run(venv, [str(venv / "bin" / "socialpulse"), "--help"], tmp_path)
    assert help_run.returncode == 0, help_run.stderr
    assert "detect" in help_run.stdout and "dashboard" in help_run.stdout
    version = _run(venv, [str(venv / "bin" / "python"), "-m", "socialpulse", "--version"], tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == "socialpulse 0.1.0"


def test_dashboard_and_code_location_start_from_the_installed_package(
    venv: Path, tmp_path: Path
) -> None:
    started = _run(venv, [str(venv / "bin" / "python"), "-c", DASHBOARD_SCRIPT], tmp_path)
    assert started.returncode == 0, started.stdout + started.stderr
    assert "installed wheel ok" in started.stdout
