from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from socialpulse.batch.cleansing import cleanse
from socialpulse.contracts import hour_partition, landing_object_name
from socialpulse.lake import (
    LANDING_BLOCK_OFFSETS,
    Lake,
    landing_files,
    offset_block,
    write_landing_batch,
)


def _record(post_id: str, offset: int, created_at: datetime) -> dict:
    return {
        "id": post_id,
        "platform": "tiktok",
        "created_at": created_at,
        "author_id": "a1",
        "author_name": "alice",
        "text": "hello #dance",
        "hashtags": ["dance"],
        "plays": 10,
        "likes": 2,
        "shares": 0,
        "comments": 1,
        "raw": "{}",
        "kafka_topic": "socialpulse.posts",
        "kafka_partition": 3,
        "kafka_offset": offset,
        "ingested_at": created_at,
    }


def test_hour_partition_and_batch_name_are_exact() -> None:
    ts = datetime(2026, 3, 7, 9, 59, 59, tzinfo=UTC)
    assert hour_partition(ts) == "dt=2026-03-07/hour=09"
    assert (
        landing_object_name("socialpulse.posts", 3, 5000, 9999)
        == "socialpulse.posts-p0003-o000000005000-000000009999.parquet"
    )
    assert offset_block(5120) == (5000, 9999) == offset_block(9999)
    assert offset_block(10_000) == (10_000, 14_999)


def test_a_batch_spanning_two_hours_lands_in_both_partitions(tmp_path: Path) -> None:
    lake = Lake.from_url(str(tmp_path))
    start = datetime(2026, 3, 7, 9, 58, tzinfo=UTC)
    records = [_record(f"p{i}", 100 + i, start + timedelta(minutes=i)) for i in range(4)]
    written = write_landing_batch(lake, records, "socialpulse.posts", 3)
    name = "socialpulse.posts-p0003-o000000000000-000000004999.parquet"
    assert written == [
        f"{tmp_path}/landing/dt=2026-03-07/hour=09/{name}",
        f"{tmp_path}/landing/dt=2026-03-07/hour=10/{name}",
    ]
    frame = lake.read(landing_files(lake, "2026-03-07"))
    assert sorted(frame["id"].to_list()) == ["p0", "p1", "p2", "p3"]


def test_replayed_batch_from_the_same_offset_replaces_instead_of_duplicating(
    tmp_path: Path,
) -> None:
    lake = Lake.from_url(str(tmp_path))
    start = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    records = [_record(f"p{i}", i, start) for i in range(5)]
    write_landing_batch(lake, records[:3], "socialpulse.posts", 0)
    # After a crash the replay starts at the same offset but may close the batch elsewhere.
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    assert len(landing_files(lake)) == 1
    assert lake.read(landing_files(lake))["id"].to_list() == ["p0", "p1", "p2", "p3", "p4"]
    # No temporary files are left behind by the atomic write.
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []


def _land_in_batches(lake: Lake, records: list[dict], cuts: list[int]) -> None:
    """Land `records` as the stream would, cut into batches at the given indexes."""
    bounds = [0, *cuts, len(records)]
    for start, end in pairwise(bounds):
        write_landing_batch(lake, records[start:end], "socialpulse.posts", 3)


def test_a_replay_cut_differently_keeps_every_landed_row_exactly_once(tmp_path: Path) -> None:
    # Offsets around a block boundary, posts over three event hours.
    start = datetime(2026, 3, 7, 9, 30, tzinfo=UTC)
    first = LANDING_BLOCK_OFFSETS - 150
    records = [_record(f"p{i}", first + i, start + timedelta(minutes=i // 2)) for i in range(300)]
    lake = Lake.from_url(str(tmp_path))
    _land_in_batches(lake, records, cuts=[140, 230])
    # The restart resumes at an earlier snapshot and cuts its batches elsewhere (other batch
    # size, other flush timings), then is stopped again before it reaches the end.
    _land_in_batches(lake, records[60:210], cuts=[33, 70, 120])

    landed = lake.read(landing_files(lake))
    assert sorted(landed["id"].to_list()) == sorted(r["id"] for r in records)
    assert landed.height == len(records)
    posts = cleanse(landed)["posts"]
    assert sorted(posts["id"].to_list()) == sorted(r["id"] for r in records)


def test_an_object_holds_the_same_rows_however_its_offsets_were_batched(tmp_path: Path) -> None:
    start = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    records = [_record(f"p{i}", i, start) for i in range(40)]
    contents = []
    for name, cuts in {"one": [], "many": [7, 8, 25, 39], "reversed": []}.items():
        lake = Lake.from_url(str(tmp_path / name))
        if name == "reversed":  # a replay may land the later half first
            _land_in_batches(lake, records[20:], cuts=[])
            _land_in_batches(lake, records, cuts=[20])
        else:
            _land_in_batches(lake, records, cuts)
        files = landing_files(lake)
        contents.append(([Path(f).name for f in files], lake.read(files)["id"].to_list()))
    assert contents[0] == contents[1] == contents[2]
