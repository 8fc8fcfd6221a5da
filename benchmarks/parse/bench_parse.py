"""Posts per second per core of `parse_message` against plain `json.loads`, side by side.

    .venv/bin/python benchmarks/parse/bench_parse.py [--count 50000] [--rounds 5]

Both run in this one process on the same generated messages, interleaved round by round, and the
best round of each is reported: the ratio is what matters on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable

from socialpulse.adapters import parse_message
from socialpulse.generator import GeneratorConfig, generate_messages


def best_rate(function: Callable[[bytes], object], values: list[bytes], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for value in values:
            function(value)
        best = min(best, time.perf_counter() - started)
    return len(values) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.count} messages")
    print("| shape | parse_message posts/s | json.loads/s | parse_message / json.loads |")
    print("| --- | ---: | ---: | ---: |")
    for shape in ("tiktok", "twitter", "canonical"):
        config = GeneratorConfig(count=args.count, shape=shape)
        values = [m.value for m in generate_messages(config)]
        ours = best_rate(parse_message, values, args.rounds)
        baseline = best_rate(json.loads, values, args.rounds)
        print(f"| {shape} | {ours:,.0f} | {baseline:,.0f} | {ours / baseline:.2f} |")


if __name__ == "__main__":
    main()
