"""The demo generates only the past: its posts must pass the batch's "no post after now" gate."""

from datetime import UTC, datetime, timedelta

import pytest

from socialpulse.demo import generation_start
from socialpulse.generator import GeneratorConfig, generate_messages


@pytest.mark.parametrize("day", [30, 28])  # a Monday and a Saturday (weekend rates are higher)
@pytest.mark.parametrize("hour", range(24))
def test_the_generated_span_ends_before_now_at_every_hour(day: int, hour: int) -> None:
    now = datetime(2026, 11, day, hour, 40, tzinfo=UTC)
    config = GeneratorConfig(count=3000)
    start = generation_start(now, config)
    assert start.minute == start.second == 0
    assert start <= now - timedelta(hours=2)
    assert start + GeneratorConfig(count=3000, start=start).expected_duration <= now
    # and the latest such hour: an hour later would run into the future
    later = start + timedelta(hours=1)
    if later <= now.replace(minute=0) - timedelta(hours=2):
        assert later + GeneratorConfig(count=3000, start=later).expected_duration > now


def test_no_generated_post_is_stamped_after_now_in_the_morning_lull() -> None:
    # 07:40 UTC, the slowest hours: a fixed "two hours ago" start ran past 08:00.
    now = datetime(2026, 11, 30, 7, 40, tzinfo=UTC)
    config = GeneratorConfig(count=3000, seed=7)
    config = GeneratorConfig(count=3000, seed=7, start=generation_start(now, config))
    stamps = [m.post.created_at for m in generate_messages(config) if m.post is not None]
    assert len(stamps) >= 3000
    assert max(stamps) <= now
