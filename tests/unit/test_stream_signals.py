"""`socialpulse stream` stops on SIGTERM even when its parent ignored SIGTERM."""

import signal
import subprocess
import sys
import time

import pytest


def test_an_inherited_ignored_sigterm_does_not_make_the_stream_unstoppable(tmp_path) -> None:
    code = (
        "import signal, sys\n"
        "from unittest import mock\n"
        "import streaming_flows.runner as runner\n"
        "import socialpulse.cli.stream as stream\n"
        "def fake_run(flow, options):\n"
        "    print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)\n"
        "    import time; time.sleep(60)\n"
        "runner.run_flow = fake_run\n"
        "stream.stream(workers=1, process_id=None, addresses='', recovery_dir=None,\n"
        "              no_recovery=True, recovery_partitions=1)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env={"SOCIALPULSE_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN),
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert banner.startswith("streaming "), process.stderr.read()
        assert process.stdout.readline().strip() == "True"  # SIGTERM is back to its default
        started = time.monotonic()
        process.terminate()
        process.wait(10)
        assert time.monotonic() - started < 10
        assert process.returncode == -signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            pytest.fail("the stream ignored SIGTERM")
