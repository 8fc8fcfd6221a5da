"""`socialpulse stream` stops cleanly on SIGTERM, even when its parent ignored SIGTERM."""

import signal
import subprocess
import sys
import time

import pytest


def test_sigterm_stops_the_stream_with_exit_code_0_even_if_the_parent_ignored_it(
    tmp_path,
) -> None:
    code = (
        "import signal, sys\n"
        "import streaming_flows.runner as runner\n"
        "import socialpulse.cli.stream as stream\n"
        "stream.broker_problem = lambda settings: None\n"
        "def fake_run(flow, options):\n"
        "    handler = signal.getsignal(signal.SIGTERM)\n"
        "    print(handler not in (signal.SIG_DFL, signal.SIG_IGN), flush=True)\n"
        "    import time; time.sleep(60)\n"
        "runner.run_flow = fake_run\n"
        "stream.stream(workers=1, process_id=None, addresses='', recovery_dir=None,\n"
        "              no_recovery=False, recovery_partitions=1)\n"
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
        assert process.stdout.readline().strip() == "True", process.stderr.read()
        started = time.monotonic()
        process.terminate()
        process.wait(10)
        assert time.monotonic() - started < 10
        log = process.stderr.read()
        assert process.returncode == 0, log
        assert "INFO socialpulse.cli.stream: streaming " in log
        assert "SIGTERM: stopping" in log
    finally:
        if process.poll() is None:
            process.kill()
            pytest.fail("the stream ignored SIGTERM")
