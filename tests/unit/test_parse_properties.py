"""Property tests: the parser never raises, and always returns posts or a reason, never both."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from socialpulse.adapters import parse_message

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
