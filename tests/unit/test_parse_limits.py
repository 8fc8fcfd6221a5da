"""Values a lake column cannot hold are dead letters; work per message is bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from socialpulse.adapters import ParseLimits, parse_message
from socialpulse.adapters.fields import Rejection, count
from socialpulse.lake import LANDING_ARROW_SCHEMA, landing_problem
from socialpulse.schema import MAX_COUNT, post_problem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _tiktok(**item: object) -> bytes:
    base = {"id": "1", "createTime": "1594000000", **item}
    return json.dumps({"itemInfos": base, "authorInfos": {"userId": "u1"}}).encode()


def _tweets(count: int, **tweet: object) -> bytes:
    tweets = [
        {
            "id": str(i),
            "author_id": str(i % 3),
            "created_at": "2026-03-01T10:00:00Z",
            "text": f"tweet {i}",
            **tweet,
        }
        for i in range(count)
    ]
    users = [{"id": str(u), "username": f"user{u}"} for u in range(3)]
    return json.dumps({"data": tweets, "includes": {"users": users}}).encode()


@pytest.mark.parametrize(
    "likes",
    [
        "1e308",  # as a JSON number: a float far beyond int64
        "9.3e18",
        str(2**64 - 1),
        str(2**63),
        str(2**53),
        '"18446744073709551615"',
        '"9300000000000000000"',
        '"' + "9" * 5000 + '"',  # more digits than int() converts
        "-1",
        '"-5"',
    ],
)
def test_engagement_counts_a_lake_column_cannot_hold_are_bad_values(likes: str) -> None:
    value = _tiktok().replace(b'"id": "1"', b'"diggCount": ' + likes.encode() + b', "id": "1"')
    result = parse_message(value)
    assert result.posts == []
    assert result.reason == "bad_value:itemInfos.diggCount", result.detail


def test_the_largest_count_is_accepted() -> None:
    [post] = parse_message(_tiktok(diggCount=MAX_COUNT, playCount=str(MAX_COUNT))).posts
    assert post.likes == post.plays == MAX_COUNT


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_counts_are_bad_values(value: float) -> None:
    with pytest.raises(Rejection) as rejection:
        count(value, "likes")
    assert rejection.value.reason == "bad_value:likes"


@pytest.mark.parametrize("value", ["NaN", "²", "1.5", "0x10", [1], {"n": 1}])
def test_counts_that_are_not_whole_numbers_are_bad_types(value: object) -> None:
    with pytest.raises(Rejection) as rejection:
        count(value, "likes")
    assert rejection.value.reason == "bad_type:likes"


def test_retweets_plus_quotes_beyond_the_largest_count_are_a_bad_value() -> None:
    metrics = {"retweet_count": MAX_COUNT, "quote_count": 1}
    result = parse_message(_tweets(1, public_metrics=metrics))
    assert result.reason == "bad_value:public_metrics.retweet_count"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (_tiktok(id="x" * 1001), "bad_value:itemInfos.id"),
        (_tiktok(language=["en"]), "bad_type:itemInfos.language"),
        (_tiktok(text={"nested": "junk"}), "bad_type:itemInfos.text"),
        (_tiktok(createTime=1e308), "bad_value:itemInfos.createTime"),
        (_tiktok(createTime="1" * 400), "bad_value:itemInfos.createTime"),
        (_tiktok(createTime="0001-01-01T00:00:00Z"), "bad_value:itemInfos.createTime"),
        (_tweets(1, id=["1"]), "bad_type:data.id"),
        (_tweets(1, entities={"hashtags": [{"tag": "t" * 1001}]}), "bad_value:entities.hashtags"),
    ],
)
def test_ids_names_text_and_times_out_of_range_are_rejected(value: bytes, reason: str) -> None:
    result = parse_message(value)
    assert (result.posts, result.reason) == ([], reason), result.detail


def test_more_posts_than_the_limit_is_a_dead_letter() -> None:
    limits = ParseLimits(max_posts=3, max_hashtags=50, max_text_chars=100)
    assert len(parse_message(_tweets(3), limits=limits).posts) == 3
    result = parse_message(_tweets(4), limits=limits)
    assert (result.posts, result.reason) == ([], "too_many_posts")
    assert "SOCIALPULSE_MAX_POSTS_PER_MESSAGE" in result.detail


def test_text_and_hashtags_beyond_the_limits_are_cut_and_raw_keeps_the_original() -> None:
    limits = ParseLimits(max_posts=10, max_hashtags=2, max_text_chars=5)
    challenges = [{"challengeName": f"tag{i}"} for i in range(10_000)]
    value = json.dumps(
        {
            "itemInfos": {"id": "1", "createTime": "1594000000", "text": "0123456789"},
            "authorInfos": {"userId": "u1"},
            "challengeInfoList": challenges,
        }
    ).encode()
    [post] = parse_message(value, limits=limits).posts
    assert (post.text, post.hashtags) == ("01234", ("tag0", "tag1"))
    assert post.raw == value.decode()


def test_each_tweet_keeps_its_own_payload_which_parses_back_to_the_same_post() -> None:
    posts = parse_message((FIXTURES / "twitter_v2_search.json").read_bytes()).posts
    assert len(posts) == 2
    for post in posts:
        own = orjson.loads(post.raw)
        assert own["data"]["id"] == post.id
        assert [u["id"] for u in own["includes"]["users"]] == [post.author_id]
        assert parse_message(post.raw.encode()).posts == [post]


def test_a_message_of_one_tweet_is_its_own_payload() -> None:
    value = _tweets(1)
    [post] = parse_message(value).posts
    assert post.raw == value.decode()


def test_many_tweets_share_no_copy_of_the_message() -> None:
    value = _tweets(500, text="x" * 1000)
    posts = parse_message(value).posts
    assert len(posts) == 500
    # Each post holds about its own tweet (1 kB), not the 0.5 MB message.
    assert sum(len(p.raw) for p in posts) < 1.2 * len(value)


_RECORD = {
    "id": "1",
    "platform": "tiktok",
    "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    "author_id": "a",
    "text": "",
    "hashtags": ["x"],
    "plays": 0,
    "likes": 0,
    "shares": 0,
    "comments": 0,
    "kafka_topic": "t",
    "kafka_partition": 0,
    "kafka_offset": 0,
}


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"likes": 2**63}, "likes"),
        ({"kafka_partition": 2**31}, "kafka_partition"),
        ({"created_at": "2026-01-01"}, "created_at"),
        ({"text": "lone \ud800 surrogate"}, "text"),
        ({"author_id": 7}, "author_id"),
        ({"hashtags": ["x", 3]}, "hashtags"),
        ({"sentiment_score": "0.4"}, "sentiment_score"),
    ],
)
def test_column_problem_names_the_column_arrow_refuses(change: dict, column: str) -> None:
    record = {**_RECORD, **change}
    assert landing_problem(_RECORD) is None
    problem = landing_problem(record)
    assert problem is not None and problem[0] == column
    with pytest.raises((pa.ArrowException, OverflowError, UnicodeEncodeError)):
        pa.Table.from_pylist([record], schema=LANDING_ARROW_SCHEMA)


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"plays": 1.0}, "plays"),
        ({"shares": True}, "shares"),
        ({"created_at": datetime(2026, 1, 1)}, "created_at"),  # naive: in which zone?
        ({"hashtags": ["x", None]}, "hashtags"),
    ],
)
def test_column_problem_refuses_what_arrow_would_silently_coerce(change: dict, column: str) -> None:
    problem = landing_problem({**_RECORD, **change})
    assert problem is not None and problem[0] == column


def test_nul_and_unicode_strings_fit_their_columns() -> None:
    record = {**_RECORD, "text": "nul \x00 and 😀 and é", "hashtags": ["\x00", "日本"]}
    assert post_problem(record) is None
