"""keyword_baselines at 1M and 10M landed posts: polars vs Spark (local[*]), side by side.

Both read the same Parquet landing files from a local lake directory and compute the same
statistics (median and 1.4826·MAD per key and hour of week over 4 weeks, zero hours included).
Times include reading; Spark's session start-up is reported apart. Results are compared.

    .venv/bin/python benchmarks/batch/bench_baselines.py [--sizes 1000000 10000000]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import START, landed_frame, write_landing

from socialpulse.batch.baselines import keyword_baselines
from socialpulse.lake import Lake, landing_files
from socialpulse.settings import Settings

WEEKS = 4
END = START + timedelta(weeks=WEEKS)
NOW = datetime(2024, 3, 11, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--driver-memory", default="8g")
    args = parser.parse_args()
    from socialpulse.spark.backfill import keyword_baselines as spark_baselines
    from socialpulse.spark.backfill import read_landing, spark_session

    print(f"# {platform.processor() or platform.machine()}, {sys.version.split()[0]}")
    print("| posts | keys | polars s | spark s | spark/polars | spark start s | max abs diff |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as root:
            write_landing(landed_frame(size), Path(root))
            lake = Lake.from_url(root)

            began = time.perf_counter()
            expected = keyword_baselines(
                lake.read(landing_files(lake)), end=END, weeks=WEEKS, computed_at=NOW
            )
            polars_seconds = time.perf_counter() - began

            began = time.perf_counter()
            spark = spark_session(
                Settings(lake_url=root),
                "local[*]",
                {"spark.driver.memory": args.driver_memory},
            )
            start_seconds = time.perf_counter() - began
            try:
                began = time.perf_counter()
                actual = pl.from_arrow(
                    spark_baselines(
                        spark, read_landing(spark, root), end=END, weeks=WEEKS, computed_at=NOW
                    ).toArrow()
                )
                spark_seconds = time.perf_counter() - began
            finally:
                spark.stop()
            actual = actual.sort("key", "hour_of_week")
            assert actual.height == expected.height, (actual.height, expected.height)
            diff = max(
                (actual[c] - expected[c]).abs().max() or 0.0
                for c in ("posts_centre", "posts_spread", "engagement_centre", "sentiment_centre")
            )
            print(
                f"| {size:,} | {expected['key'].n_unique():,} | {polars_seconds:.1f} | "
                f"{spark_seconds:.1f} | {spark_seconds / polars_seconds:.2f} | "
                f"{start_seconds:.1f} | {diff:.1e} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
