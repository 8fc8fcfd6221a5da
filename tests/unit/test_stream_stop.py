"""`socialpulse stream` stopping on a signal: a panic of Bytewax's runtime while the stop is under
way (a cluster peer that already exited) ends the process like an interrupted stop, exit code 0;
the same panic without a stop requested is an error. Each case runs in a process of its own (the
stop request is process-wide state and the function installs signal handlers)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import logging, sys
    logging.basicConfig(level=logging.INFO)
    from socialpulse.cli.stream import run_until_stopped
    from streaming_flows.shutdown import request_stop

    class PanicException(BaseException):  # pyo3's runtime panic, by name
        pass

    def run():
        if sys.argv[1] == "stopping":
            request_stop()
        raise PanicException("Send thread panic: Any { .. }")

    run_until_stopped(run, drain=True)
    """
)


@pytest.mark.parametrize("stopping", [True, False])
def test_a_runtime_panic_during_a_stop_exits_0_and_otherwise_fails(stopping: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "stopping" if stopping else "running"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if stopping:
        assert done.returncode == 0, done.stderr
        assert "the restart replays from the previous snapshot" in done.stderr
    else:
        assert done.returncode == 1
        assert "PanicException: Send thread panic" in done.stderr
