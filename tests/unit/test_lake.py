from datetime import UTC, datetime, timedelta
from pathlib import Path

from socialpulse.lake import (
    Lake,
    batch_object_name,
    hour_partition,
    landing_files,
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
        batch_object_name("socialpulse.posts", 3, 120)
        == "socialpulse.posts-p0003-o000000000120.parquet"
    )


def test_a_batch_spanning_two_hours_lands_in_both_partitions(tmp_path: Path) -> None:
    lake = Lake.from_url(str(tmp_path))
    start = datetime(2026, 3, 7, 9, 58, tzinfo=UTC)
    records = [_record(f"p{i}", 100 + i, start + timedelta(minutes=i)) for i in range(4)]
    written = write_landing_batch(lake, records, "socialpulse.posts", 3)
    name = "socialpulse.posts-p0003-o000000000100.parquet"
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
