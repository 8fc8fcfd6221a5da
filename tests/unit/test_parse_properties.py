"""Property tests: the parser never raises, and always returns posts or a reason, never both;
what it accepts, the lake writer writes and reads back equal."""

import json
import tempfile

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpulse.adapters import parse_message
from socialpulse.lake import LANDING_ARROW_SCHEMA, Lake, landing_problem, write_landing_batch

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
shape_keys = st.sampled_from(
    ["itemInfos", "authorInfos", "data", "includes", "platform", "created_at", "id", "author_id"]
)
shaped_objects = st.dictionaries(shape_keys, json_values, max_size=6)


def _check(value: bytes) -> None:
    result = parse_message(value)
    assert (result.reason is None) == bool(result.posts)
    if result.reason is not None:
        assert isinstance(result.detail, str)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(value: bytes) -> None:
    _check(value)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_arbitrary_json(value: object) -> None:
    # json (not orjson) so integers beyond 64 bits reach the parser too.
    _check(json.dumps(value).encode())


@settings(max_examples=600, deadline=None)
@given(shaped_objects, st.dictionaries(shape_keys, shaped_objects, max_size=3))
def test_objects_that_look_like_supported_shapes(top: dict, nested: dict) -> None:
    _check(json.dumps({**top, **nested}).encode())


# Extreme and malformed values, put into one or two places of an otherwise valid message.
boundary_numbers = st.sampled_from(
    [0, 2**53 - 1, 2**53, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70, -1, -(2**63) - 1]
)
extreme_values = st.one_of(
    boundary_numbers,
    boundary_numbers.map(str),
    boundary_numbers.map(float),
    st.integers(),
    st.floats(),  # NaN and infinities too: json.dumps writes them, orjson refuses them
    st.sampled_from(["1e308", "9.3e18", "NaN", "inf", "²", "٣", "9" * 5000, "", "#", "1.5"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.text(alphabet="0123456789", max_size=30),
    st.sampled_from(["nul \x00 inside", "\x00", "x" * 1001, "😀" * 300]),
    st.none(),
    st.booleans(),
    json_values,
)
TIME = "2026-01-01T00:00:00Z"
VALID = {
    "canonical": {"id": "1", "platform": "tiktok", "author_id": "a", "created_at": TIME},
    "tiktok": {
        "itemInfos": {"id": "1", "createTime": "1594000000"},
        "authorInfos": {"userId": "u"},
        "musicInfos": {},
        "challengeInfoList": [{"challengeName": "dance"}],
    },
    "twitter": {
        "data": [{"id": str(i), "author_id": "7", "created_at": TIME} for i in range(2)],
        "includes": {"users": [{"id": "7", "username": "u"}]},
    },
}
PLACES = {
    "canonical": [
        (name,)
        for name in [
            "id",
            "author_id",
            "author_name",
            "text",
            "created_at",
            "hashtags",
            "music_id",
            "music_title",
            "plays",
            "likes",
            "shares",
            "comments",
            "language",
        ]
    ],
    "tiktok": [
        *[
            ("itemInfos", name)
            for name in [
                "id",
                "text",
                "createTime",
                "diggCount",
                "playCount",
                "shareCount",
                "commentCount",
                "language",
            ]
        ],
        ("authorInfos", "userId"),
        ("authorInfos", "uniqueId"),
        ("musicInfos", "musicId"),
        ("musicInfos", "musicName"),
        ("challengeInfoList", 0, "challengeName"),
        ("time_stamp",),
    ],
    "twitter": [
        *[
            ("data", tweet, name)
            for tweet in (0, 1)
            for name in ["id", "author_id", "text", "created_at", "lang"]
        ],
        *[
            ("data", 0, "public_metrics", name)
            for name in ["like_count", "retweet_count", "quote_count", "reply_count"]
        ],
        ("data", 1, "entities", "hashtags"),
        ("includes", "users", 0, "username"),
    ],
}


@st.composite
def messages_with_extreme_values(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(sorted(VALID)))
    message = json.loads(json.dumps(VALID[shape]))
    for place in draw(st.lists(st.sampled_from(PLACES[shape]), min_size=1, max_size=2)):
        value = draw(extreme_values)
        if place == ("data", 1, "entities", "hashtags"):
            value = [{"tag": value}]
        target = message
        for step in place[:-1]:
            target = target.setdefault(step, {}) if isinstance(target, dict) else target[step]
        target[place[-1]] = value
    return json.dumps(message).encode()


@settings(max_examples=300, deadline=None)
@given(messages_with_extreme_values())
def test_every_message_lands_and_reads_back_equal_or_is_a_dead_letter(value: bytes) -> None:
    result = parse_message(value)
    _check(value)
    if result.reason is not None:
        assert result.reason and result.detail
        return
    records = [
        {**post.to_record(), "kafka_topic": "posts", "kafka_partition": 0, "kafka_offset": offset}
        for offset, post in enumerate(result.posts)
    ]
    assert all(landing_problem(record) is None for record in records)
    with tempfile.TemporaryDirectory() as directory:
        lake = Lake.from_url(directory)
        paths = write_landing_batch(lake, records, "posts", 0)
        landed = [row for path in paths for row in pq.read_table(path).to_pylist()]
    assert sorted(landed, key=_offset) == [
        {column: record.get(column) for column in LANDING_ARROW_SCHEMA.names} for record in records
    ]


def _offset(row: dict) -> int:
    return row["kafka_offset"]
