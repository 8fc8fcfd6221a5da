from datetime import UTC, datetime, timedelta

from socialpulse.alerts import Cooldown

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_same_direction_is_quiet_within_the_period_and_allowed_after() -> None:
    cooldown = Cooldown(timedelta(minutes=15))
    assert cooldown.allow("hashtag:x", T0, "spike")
    assert not cooldown.allow("hashtag:x", T0 + timedelta(minutes=14), "spike")
    assert cooldown.allow("hashtag:x", T0 + timedelta(minutes=15), "spike")


def test_a_change_of_direction_or_another_key_is_a_new_alert() -> None:
    cooldown = Cooldown(timedelta(minutes=15))
    assert cooldown.allow("hashtag:x", T0, "spike")
    assert cooldown.allow("hashtag:x", T0 + timedelta(minutes=1), "drop")
    assert cooldown.allow("hashtag:y", T0 + timedelta(minutes=1), "spike")
    # The drop restarted the clock for that direction, not for spikes.
    assert not cooldown.allow("hashtag:x", T0 + timedelta(minutes=2), "drop")


def test_another_direction_in_between_does_not_restart_the_same_directions_clock() -> None:
    # A burst under a sentiment crisis: spike, sentiment_drop, then the burst's next windows.
    cooldown = Cooldown(timedelta(minutes=15))
    assert cooldown.allow("keyword:acme", T0, "spike")
    assert cooldown.allow("keyword:acme", T0 + timedelta(minutes=2), "sentiment_drop")
    assert not cooldown.allow("keyword:acme", T0 + timedelta(minutes=4), "spike")
    assert not cooldown.allow("keyword:acme", T0 + timedelta(minutes=14), "spike")
    assert cooldown.allow("keyword:acme", T0 + timedelta(minutes=15), "spike")
