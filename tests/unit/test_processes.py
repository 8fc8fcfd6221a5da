import sys
from pathlib import Path

from socialpulse.services.processes import owned_pid, pid_alive, start_background, stop_pid


def test_start_and_stop_a_background_process_by_pid_file(tmp_path: Path) -> None:
    pid_file, log_file = tmp_path / "sleeper.pid", tmp_path / "logs" / "sleeper.log"
    pid = start_background(
        [sys.executable, "-c", "import time; time.sleep(60)"], pid_file, log_file
    )
    assert pid_file.read_text().strip() == str(pid)
    assert owned_pid(pid_file, Path(sys.executable).name) == pid
    # A pid file whose process runs something else is not ours to stop.
    assert owned_pid(pid_file, "tansu") is None
    stop_pid(pid, timeout=5)
    assert not pid_alive(pid)
    assert owned_pid(pid_file, Path(sys.executable).name) is None
