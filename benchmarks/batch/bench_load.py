"""Posts per second from lake Parquet into Postgres, beside a bare Postgres COPY of the same rows.

In one run, on the same rows:
- `socialpulse`: what the `posts` asset does: read the landing files, deduplicate, upsert into
  `posts` (COPY into a staging table, then INSERT … ON CONFLICT DO UPDATE), in one transaction;
- `copy`: `COPY posts_copy FROM STDIN` of the deduplicated rows, CSV rendered beforehand: the
  server's own ingest ceiling, with no reading, deduplication or merge;
- `duckdb`: the same loader into the embedded DuckDB warehouse, for reference.

    .venv/bin/python benchmarks/batch/bench_load.py [--posts 500000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import landed_frame, write_landing

from socialpulse.lake import Lake, landing_files
from socialpulse.loading import deduplicate_posts
from socialpulse.warehouse import Warehouse, copy_csv


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=500_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with Warehouse(args.postgres) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    url = f"{args.postgres}?options=-csearch_path%3D{schema}"
    try:
        with tempfile.TemporaryDirectory() as root:
            write_landing(landed_frame(args.posts, days=7), Path(root))
            lake = Lake.from_url(root)
            files = landing_files(lake)
            rows = deduplicate_posts(lake.read(files))
            csv = copy_csv(rows)

            results = {}
            began = time.perf_counter()
            with Warehouse(url) as db:
                db.upsert("posts", deduplicate_posts(lake.read(landing_files(lake))), key=["id"])
            results["socialpulse (read, dedupe, COPY to staging, upsert)"] = (
                time.perf_counter() - began
            )

            with Warehouse(url) as db:
                db.execute("CREATE TABLE posts_copy (LIKE posts INCLUDING ALL)")
            began = time.perf_counter()
            with Warehouse(url) as db, db._pg, db._pg.cursor() as cursor:
                cursor.copy_expert("COPY posts_copy FROM STDIN WITH (FORMAT csv)", io.BytesIO(csv))
            results["Postgres COPY of the same rows (CSV ready)"] = time.perf_counter() - began

            began = time.perf_counter()
            with Warehouse(f"duckdb:///{root}/warehouse.duckdb") as db:
                db.upsert("posts", deduplicate_posts(lake.read(landing_files(lake))), key=["id"])
            results["socialpulse into DuckDB"] = time.perf_counter() - began

            with Warehouse(url) as db:
                assert db.count("posts") == db.count("posts_copy") == rows.height
    finally:
        with Warehouse(args.postgres) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")

    copy_seconds = results["Postgres COPY of the same rows (CSV ready)"]
    print(f"{rows.height:,} posts ({args.posts:,} landed + 1% re-delivered), {len(files)} files")
    print("| path | seconds | posts/s | time vs COPY |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in results.items():
        print(
            f"| {name} | {seconds:.1f} | {rows.height / seconds:,.0f} | "
            f"{seconds / copy_seconds:.2f}x |"
        )


if __name__ == "__main__":
    main()
