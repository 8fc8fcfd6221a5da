"""The sensor asks for one run per day whose landing files changed, and never twice."""

from datetime import timedelta

from dagster import build_sensor_context

from socialpulse.lake import Lake, write_landing_batch
from socialpulse_assets.automation import new_landing_files
from socialpulse_assets.resources import LakeResource
from tests.batch_samples import landing_record


def _evaluate(lake_url: str, cursor: str | None):
    with build_sensor_context(
        cursor=cursor, resources={"lake": LakeResource(url=lake_url)}
    ) as context:
        return new_landing_files(context)


def test_new_landing_files_request_one_run_per_changed_day(tmp_path) -> None:
    url = str(tmp_path / "lake")
    lake = Lake.from_url(url)
    first = [landing_record(i) for i in range(3)]
    second = [{**r, "created_at": r["created_at"] + timedelta(days=1)} for r in first]
    write_landing_batch(lake, first, "socialpulse.posts", 0)
    write_landing_batch(lake, second, "socialpulse.posts", 1)

    result = _evaluate(url, None)
    assert sorted(r.partition_key for r in result.run_requests) == ["2024-03-10", "2024-03-11"]

    again = _evaluate(url, result.cursor)
    assert again.run_requests == []

    later = [{**r, "kafka_offset": r["kafka_offset"] + 100} for r in first]
    write_landing_batch(lake, later, "socialpulse.posts", 0)
    changed = _evaluate(url, again.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["2024-03-10"]
    assert changed.run_requests[0].run_key != result.run_requests[0].run_key
