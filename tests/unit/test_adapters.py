"""Adapters on realistic samples: pushshift TikTok, Twitter v2 search, canonical; and bad input."""

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from socialpulse.adapters import parse_message
from socialpulse.schema import CanonicalPost

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _tiktok_lines() -> list[bytes]:
    return (FIXTURES / "tiktok_pushshift.ndjson").read_bytes().splitlines()


def test_pushshift_record_with_string_counts_and_challenges() -> None:
    result = parse_message(_tiktok_lines()[0])
    assert result.reason is None and result.format == "tiktok"
    [post] = result.posts
    assert post.id == "6850000000000000001"
    assert post.created_at == datetime(2020, 7, 6, 1, 46, 40, tzinfo=UTC)
    assert (post.author_id, post.author_name) == ("6812345678901234567", "dancequeen")
    assert post.hashtags == ("dancechallenge", "fyp")
    assert (post.music_id, post.music_title) == ("6800000000000000009", "original sound")
    assert (post.plays, post.likes, post.shares, post.comments) == (12000, 845, 12, 30)
    assert post.raw == _tiktok_lines()[0].decode()


def test_pushshift_record_with_null_nested_objects() -> None:
    [post] = parse_message(_tiktok_lines()[1]).posts
    assert post.hashtags == () and post.music_id is None and post.text == ""
    # createTime wins over the replayer's time_stamp.
    assert post.created_at == datetime.fromtimestamp(1594000100, tz=UTC)


def test_missing_create_time_falls_back_to_time_stamp_and_odd_challenges_are_skipped() -> None:
    [post] = parse_message(_tiktok_lines()[2]).posts
    assert post.created_at == datetime.fromtimestamp(1700000500, tz=UTC)
    assert post.id == "6850000000000000003"
    assert post.author_id == "nouser"
    assert post.hashtags == ("summer",)


def test_twitter_authors_are_joined_by_id_not_by_position() -> None:
    result = parse_message((FIXTURES / "twitter_v2_search.json").read_bytes())
    assert result.format == "twitter"
    first, second = result.posts
    assert (first.id, first.author_name, second.author_name) == (
        "1500000000000000001",
        "acme_fan",
        "first_in_list",
    )
    assert first.hashtags == ("AcmeCola",)
    assert (first.likes, first.shares, first.comments, first.plays) == (10, 5, 1, 400)
    assert first.language == "en"
    assert second.created_at == datetime(2026, 3, 1, 10, 1, tzinfo=UTC)


def test_canonical_round_trip() -> None:
    post = CanonicalPost(
        id="c1",
        platform="twitter",
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        author_id="a",
        author_name="al",
        text="hé 😀",
        hashtags=("x",),
        likes=3,
    )
    [parsed] = parse_message(orjson.dumps(post.to_canonical_json())).posts
    assert parsed.to_canonical_json() == post.to_canonical_json()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "not_json"),
        (b"<html>502</html>", "not_json"),
        (b'{"itemInfos": {"id": "1", "createTime": "16', "not_json"),
        (b"[1, 2]", "not_object"),
        (b'{"hello": "world"}', "unknown_format"),
        (
            b'{"itemInfos": {"createTime": "1594000000"}, "authorInfos": {"userId": "1"}}',
            "missing_id",
        ),
        (b'{"itemInfos": {"id": "1"}, "authorInfos": {"userId": "1"}}', "missing_time"),
        (
            b'{"itemInfos": {"id": "1", "createTime": "1594000000", "diggCount": -4}, '
            b'"authorInfos": {"userId": "1"}}',
            "bad_value:itemInfos.diggCount",
        ),
        (
            b'{"itemInfos": {"id": "1", "createTime": "99999999999999"}, '
            b'"authorInfos": {"userId": "1"}}',
            "bad_value:itemInfos.createTime",
        ),
        (b'{"itemInfos": "oops"}', "bad_type:itemInfos"),
        (b'{"data": []}', "empty"),
        (b'{"data": [{"id": "1", "created_at": "2026-01-01T00:00:00Z"}]}', "missing_id"),
        (
            b'{"data": {"id": "1", "author_id": "2", "created_at": "yesterday"}}',
            "bad_value:data.created_at",
        ),
        (
            b'{"id": "1", "platform": "myspace", "author_id": "a", "created_at": 1}',
            "bad_value:platform",
        ),
    ],
)
def test_rejections_have_precise_reasons(payload: bytes, reason: str) -> None:
    result = parse_message(payload)
    assert result.posts == []
    assert result.reason == reason
    assert result.detail


def test_oversize_is_rejected_before_parsing() -> None:
    result = parse_message(b'{"x": "' + b"a" * 2000 + b'"}', max_bytes=1000)
    assert (result.reason, result.detail) == ("oversize", "2009 bytes > limit 1000")
