"""Generated posts for the key-rule property tests, and the stream's keys of them.

Hashtags, challenges and sounds mix short ones (one character), mixed case, letters whose lower
case is longer than they are (U+0130, capital I with dot) or depends on their place in the word
(capital sigma at a word's end), digits, CJK and emoji; the texts mention watch-list terms.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from socialpulse.enrichment import Enricher
from socialpulse.text.cleaning import clean_text
from socialpulse.windows import observation_keys
from streaming_flows.pulse import Rejected, check_landing_record, parse_kafka_message
from tests.unit.flow_samples import kafka_message

START = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
WATCHLIST = ("acme", "acme cola", "\u03b1\u03c2")  # the last is Greek "ας"
# a A b Z z, dotted capital I, dotless small i, capital/small/final sigma, capital alpha,
# sharp s and its capital, E/e acute, two CJK characters, a digit, an underscore, an emoji.
TAG_ALPHABET = (
    "aAbZz\u0130\u0131\u03a3\u03c3\u03c2\u0391\u00df\u1e9e\u00c9\u00e9\u6771\u4eac0_\U0001f600"
)

names = st.text(st.sampled_from(TAG_ALPHABET), min_size=1, max_size=4)
mentions = st.sampled_from(["", "Acme", "ACME cola", "\u0391\u03a3", "acmecola", "nothing"])


@st.composite
def raw_post(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """One producer payload, canonical or TikTok-shaped, with hashtags or challenges and a sound."""
    at = START + timedelta(minutes=draw(st.integers(0, 7 * 24 * 60 - 1)))
    tags = draw(st.lists(names, max_size=4))
    text = " ".join([draw(mentions), *(f"#{t}" for t in tags[:1])]).strip()
    sound = draw(st.one_of(st.none(), st.just(""), names))
    post_id = f"post-{index:04d}"
    hashes = [draw(st.sampled_from(["", "#"])) for _ in tags]  # TikTok names may keep their '#'
    if draw(st.booleans()):
        return {
            "id": post_id,
            "platform": "tiktok",
            "created_at": at.isoformat().replace("+00:00", "Z"),
            "author_id": f"author-{index % 3}",
            "text": text,
            "hashtags": tags,
            "music_id": sound,
            "likes": index,
        }
    return {
        "itemInfos": {
            "id": post_id,
            "createTime": int(at.timestamp()),
            "authorId": f"author-{index % 3}",
            "text": text,
            "diggCount": index,
        },
        "challengeInfoList": [{"challengeName": h + t} for h, t in zip(hashes, tags, strict=True)],
        "musicInfos": {} if sound is None else {"musicId": sound, "musicName": "a sound"},
    }


@st.composite
def raw_posts(draw: st.DrawFn, max_posts: int = 12) -> list[dict[str, Any]]:
    count = draw(st.integers(1, max_posts))
    return [draw(raw_post(i)) for i in range(count)]


def fixed_sentiment(text: str) -> tuple[str, float]:
    return "neutral", 0.0


def landing_records(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the stream lands for these payloads: parsed, enriched, checked (as `build_flow`)."""
    enricher = Enricher(WATCHLIST, clean_text, fixed_sentiment)
    records = []
    for offset, payload in enumerate(payloads):
        parsed = parse_kafka_message(kafka_message(offset, json.dumps(payload).encode()))
        assert not isinstance(parsed, Rejected), parsed
        for record in parsed:
            checked = check_landing_record(enricher.enrich(record))
            assert not isinstance(checked, Rejected), checked
            records.append(checked)
    return records


def stream_keys(records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(post id, key) for every key the stream counts a post toward."""
    return {(record["id"], key) for record in records for key, _ in observation_keys(record)}
