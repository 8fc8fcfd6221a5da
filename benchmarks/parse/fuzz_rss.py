"""Peak resident memory of the property-based fuzz run of parse and the lake writer.

    PYTHONPATH=. .venv/bin/python benchmarks/parse/fuzz_rss.py [--rounds 3]

Runs `pytest tests/unit/test_parse_properties.py` in a child process, once collecting only (the
interpreter, pytest, hypothesis and the imported project modules) and once running the tests,
and prints each child's peak RSS (`ru_maxrss`; a fresh child per measurement, since the
children's figure is the maximum over all waited-for children). The difference is what driving
the extreme values through `parse_message` and `write_landing_batch` costs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FUZZ_TESTS = "tests/unit/test_parse_properties.py"
# Measures one command in a grandchild and prints its peak RSS in KiB (Linux units).
_MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def peak_rss_kib(command: list[str]) -> tuple[int, int, float]:
    """(peak RSS in KiB, exit code, seconds) of `command` run in a fresh process."""
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(output[0]), int(output[1]), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="Measurements of each command.")
    rounds = parser.parse_args().rounds
    pytest = [sys.executable, "-m", "pytest", FUZZ_TESTS, "-q", "-p", "no:cacheprovider"]
    commands = {"collect only": [*pytest, "--collect-only"], "fuzz run": pytest}
    print(f"python {sys.version.split()[0]}, {rounds} round(s) each, `{' '.join(pytest[1:])}`")
    print("| run | peak RSS (MiB), max of rounds | seconds, median | exit code |")
    print("| --- | ---: | ---: | ---: |")
    for name, command in commands.items():
        results = [peak_rss_kib(command) for _ in range(rounds)]
        if any(code != 0 for _, code, _ in results):
            raise SystemExit(f"{name}: `{' '.join(command)}` failed; run it to see why")
        peak = max(kib for kib, _, _ in results) / 1024
        seconds = sorted(s for _, _, s in results)[len(results) // 2]
        print(f"| {name} | {peak:.1f} | {seconds:.1f} | 0 |")


if __name__ == "__main__":
    main()
