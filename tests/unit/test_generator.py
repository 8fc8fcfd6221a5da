from collections import Counter
from datetime import UTC, datetime

from socialpulse.adapters import parse_message
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.generator.synthetic import seasonal_factor, write_ground_truth


def test_same_seed_same_stream_different_seed_different_stream() -> None:
    config = GeneratorConfig(count=200, seed=3)
    first = [m.value for m in generate_messages(config)]
    assert first == [m.value for m in generate_messages(config)]
    assert first != [m.value for m in generate_messages(GeneratorConfig(count=200, seed=4))]


def test_every_shape_parses_back_to_the_generated_posts() -> None:
    for shape in ("tiktok", "twitter", "canonical"):
        for message in generate_messages(GeneratorConfig(count=150, shape=shape)):
            [post] = parse_message(message.value).posts
            generated = message.post
            assert (post.id, post.created_at, post.text) == (
                generated.id,
                generated.created_at,
                generated.text,
            )
            assert post.hashtags == generated.hashtags
            assert post.likes == generated.likes


def test_malformed_share_and_kinds_are_counted_and_rejected() -> None:
    messages = list(generate_messages(GeneratorConfig(count=3000, malformed_rate=0.1, seed=9)))
    malformed = [m for m in messages if m.malformed]
    assert len(messages) == 3000
    assert 240 < len(malformed) < 360
    assert set(Counter(m.malformed_kind for m in malformed)) == {
        "not_json",
        "truncated",
        "missing_id",
        "missing_time",
        "wrong_type",
        "oversize",
    }
    for message in malformed:
        assert parse_message(message.value).reason is not None
    assert all(parse_message(m.value).reason is None for m in messages if not m.malformed)


def test_hashtags_follow_a_heavy_tail_and_events_are_injected() -> None:
    config = GeneratorConfig(count=6000, seed=1)
    posts = [m.post for m in generate_messages(config)]
    counts = Counter(tag for post in posts for tag in post.hashtags)
    ranked = [n for _, n in counts.most_common()]
    assert ranked[0] > 5 * ranked[len(ranked) // 2]
    burst = next(e for e in config.resolved_events() if e.kind == "hashtag_burst")
    in_burst = [p for p in posts if burst.active(p.created_at) and "dance" in p.hashtags]
    minutes = (burst.end - burst.start).total_seconds() / 60
    before = [
        p
        for p in posts
        if burst.start.timestamp() - 1800 <= p.created_at.timestamp() < burst.start.timestamp()
        and "dance" in p.hashtags
    ]
    assert len(in_burst) / minutes > 3 * len(before) / 30
    new_challenge = next(e for e in config.resolved_events() if e.kind == "new_challenge")
    assert all(new_challenge.active(p.created_at) for p in posts if "newchallenge" in p.hashtags)
    assert any("newchallenge" in p.hashtags for p in posts)


def test_ground_truth_file_lists_what_was_injected(tmp_path) -> None:
    config = GeneratorConfig(count=1000)
    path = tmp_path / "truth.ndjson"
    events = write_ground_truth(config, str(path))
    lines = path.read_text().splitlines()
    assert len(lines) == len(events) == 5
    assert [e.kind for e in events] == [
        "hashtag_burst",
        "keyword_burst",
        "collapse",
        "sentiment_crisis",
        "new_challenge",
    ]
    assert '"direction":"drop"' in lines[2]


def test_seasonality_peaks_in_the_evening() -> None:
    day = datetime(2026, 1, 6, tzinfo=UTC)
    assert seasonal_factor(day.replace(hour=20)) > 2 * seasonal_factor(day.replace(hour=8))
