from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from socialpulse.baselines import KeywordBaselines, RefreshingBaselines, read_keyword_baselines
from socialpulse.contracts import KEYWORD_BASELINES_PATH, hour_of_week
from socialpulse.lake import Lake
from socialpulse.monitoring import baseline_verdict

MONDAY_9 = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)  # a Monday


def _write(lake: Lake, rows: list[dict]) -> None:
    lake.write_table(lake.path(*KEYWORD_BASELINES_PATH), pa.Table.from_pylist(rows))


def test_hour_of_week_starts_monday_midnight_utc() -> None:
    assert hour_of_week(MONDAY_9) == 9
    assert hour_of_week(MONDAY_9 + timedelta(days=6, hours=14)) == 167


def test_missing_file_means_no_baselines_then_refresh_picks_it_up(tmp_path: Path) -> None:
    lake = Lake.from_url(str(tmp_path))
    assert read_keyword_baselines(lake) == {}
    now = [0.0]
    baselines = RefreshingBaselines(lambda: lake, refresh_seconds=60, clock=lambda: now[0])
    assert baselines("hashtag:dance", MONDAY_9) is None
    _write(
        lake,
        [
            {
                "key": "hashtag:dance",
                "hour_of_week": 9,
                "posts_centre": 4.0,
                "posts_spread": 1.5,
                "weeks": 4,
            }
        ],
    )
    assert baselines("hashtag:dance", MONDAY_9) is None  # cached until the refresh is due
    now[0] = 61
    assert baselines("hashtag:dance", MONDAY_9) == (4.0, 1.5)
    assert baselines("hashtag:dance", MONDAY_9 + timedelta(hours=1)) is None


def test_baseline_verdict_scales_per_minute_statistics_to_the_window() -> None:
    verdict = baseline_verdict(40, (4.0, 1.0), timedelta(minutes=5))
    assert verdict.expected == 20
    # spread: max(1.0 * 5, sqrt(20)) = 5, so z = (40 - 20) / 5 = 4
    assert abs(verdict.score - 0.99993666) < 1e-6
    assert (verdict.low, verdict.high) == (5.0, 35.0)
    flat = baseline_verdict(5, (4.0, 0.0), timedelta(minutes=1))
    assert flat.score < 0.5  # a flat history does not alert on one extra post


def test_the_baselines_read_as_the_table_s_rows_and_nothing_else() -> None:
    rows = {
        ("hashtag:dance", 0): (4.0, 1.5),
        ("hashtag:dance", 167): (6.0, 2.0),
        ("keyword:acme", 9): (0.25, 0.0),
    }
    table = pa.table(
        {
            "key": [k for k, _ in rows] + ["keyword:acme", None],
            "hour_of_week": [h for _, h in rows] + [10, 3],
            "posts_centre": [c for c, _ in rows.values()] + [1.0, 9.0],
            "posts_spread": [s for _, s in rows.values()] + [1.0, 9.0],
        }
    )
    baselines = KeywordBaselines.from_table(table)
    expected = rows | {("keyword:acme", 10): (1.0, 1.0)}  # the row without a key is left out
    assert dict(baselines.items()) == expected and baselines == expected
    assert len(baselines) == 4
    assert baselines.get(("hashtag:dance", 1)) is None  # an hour without a row
    assert baselines.get(("music:1", 0)) is None  # a key without rows
    with pytest.raises(KeyError):
        baselines["hashtag:dance", 1]
    # A later row of the same key and hour wins, as in a dict built from the rows in order.
    again = KeywordBaselines.from_table(pa.concat_tables([table, table.slice(0, 1)]))
    assert again["hashtag:dance", 0] == (4.0, 1.5)
    out_of_week = table.set_column(1, "hour_of_week", pa.array([0, 1, 2, 168, 3]))
    with pytest.raises(ValueError, match="hour_of_week"):
        KeywordBaselines.from_table(out_of_week)
