"""`dagster dev` on workspace.yaml starts, and its GraphQL API lists the whole asset graph."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERY = "{ assetNodes { assetKey { path } groupName isPartitioned } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
def test_dagster_dev_serves_the_asset_graph(tmp_path) -> None:
    port = _free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SOCIALPULSE_STATE_DIR": str(tmp_path / "state"),
        "SOCIALPULSE_ENV": "local",
    }
    dagster = Path(sys.executable).with_name("dagster")
    log = tmp_path / "dagster-dev.log"
    process = subprocess.Popen(
        [
            str(dagster),
            "dev",
            "-w",
            str(ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),  # a file, not a pipe: nobody reads a pipe while it starts
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    nodes = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=5
                )
                data = response.json().get("data") or {}
                if data.get("assetNodes"):
                    nodes = data["assetNodes"]
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        output = log.read_text(errors="replace")
    assert nodes is not None, f"dagster dev did not serve the graph:\n{output[-3000:]}"
    keys = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert {
        "landing",
        "posts",
        "authors",
        "challenges",
        "post_challenges",
        "music",
        "keyword_baselines",
        "trending_challenges",
        "trending_music",
        "sentiment_summary",
        "spark_backfill",
    } <= set(keys)
    assert keys["posts"]["isPartitioned"] and keys["posts"]["groupName"] == "lake"
    assert not keys["keyword_baselines"]["isPartitioned"]
