"""Peak memory of the dataflow as the number of distinct hashtags grows to a million.

    .venv/bin/python benchmarks/stream_memory/bench_distinct_keys.py --posts 1000000

Each run is a fresh process (peak RSS is per process): the same number of posts, once with every
post carrying a brand-new hashtag (`--distinct` = posts) and once with a few hundred hashtags
repeating, side by side. Windows hold per-key state only while they are open, and a hashtag gets
a detector only once a window of it reaches `min_support` posts, so one-off hashtags must not make
memory grow with their number.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta


def run_once(posts: int, distinct: int) -> dict[str, float]:
    from bytewax.connectors.kafka import KafkaSourceMessage
    from bytewax.outputs import DynamicSink, StatelessSinkPartition
    from bytewax.testing import TestingSink, TestingSource, run_main

    from socialpulse.enrichment import Enricher
    from socialpulse.monitoring import MonitorConfig
    from streaming_flows.pulse import FlowConfig, build_flow

    start = datetime(2026, 6, 1, tzinfo=UTC)

    def messages():
        for index in range(posts):
            at = start + timedelta(milliseconds=index * 60)  # 1,000 posts a minute
            value = json.dumps(
                {
                    "id": f"p{index}",
                    "platform": "tiktok",
                    "created_at": at.isoformat(),
                    "author_id": "a",
                    "text": "x",
                    "hashtags": [f"tag{index % distinct}"],
                }
            ).encode()
            yield KafkaSourceMessage(None, value, topic="t", partition=0, offset=index)

    class Discard(DynamicSink):
        """Drops what it gets: a collecting sink would itself grow with the input."""

        def build(self, step_id: str, worker_index: int, worker_count: int):
            class Partition(StatelessSinkPartition):
                def write_batch(self, items: list) -> None:
                    pass

            return Partition()

    alerts: list = []
    flow = build_flow(
        source=TestingSource(messages(), batch_size=1000),
        dead_letter_sink=Discard(),
        lake_sink=Discard(),  # the lake is not what is measured here
        alert_sinks=[TestingSink(alerts)],
        config=FlowConfig(
            window=timedelta(minutes=1),
            allowed_lateness=timedelta(seconds=2),
            lake_batch_size=5000,
            monitor=MonitorConfig(window=timedelta(minutes=1), min_support=5),
        ),
        enricher_factory=lambda: Enricher((), str, lambda text: ("neutral", 0.0)),
    )
    began = time.perf_counter()
    run_main(flow)
    seconds = time.perf_counter() - began
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"posts": posts, "distinct": distinct, "seconds": seconds, "peak_mib": peak_mib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(*args.child)))
        return
    print("| posts | distinct hashtags | seconds | posts/s | peak RSS MiB |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for distinct in (300, args.posts):
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(args.posts), str(distinct)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(output.strip().splitlines()[-1])
        print(
            f"| {r['posts']:,} | {r['distinct']:,} | {r['seconds']:.1f} | "
            f"{r['posts'] / r['seconds']:,.0f} | {r['peak_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
