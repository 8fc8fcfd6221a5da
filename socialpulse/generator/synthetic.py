"""The synthetic stream: realistic structure, seeded, in any of the supported shapes.

Structure: Zipf-distributed hashtags/challenges and sounds, a Zipf author pool, diurnal and
weekly seasonality of the rate, heavy-tailed engagement, multilingual text with emoji in three
moods, brand keywords mentioned now and then, and the injected events of `events.py`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from socialpulse.generator.events import InjectedEvent, default_events
from socialpulse.generator.vocabulary import (
    EMOJI,
    HASHTAG_STEMS,
    LANGUAGES,
    PHRASES,
    SONG_WORDS,
)
from socialpulse.schema import CanonicalPost

SHAPES = ("tiktok", "twitter", "canonical")
MALFORMED_KINDS = ("not_json", "truncated", "missing_id", "missing_time", "wrong_type", "oversize")


@dataclass(frozen=True)
class GeneratorConfig:
    count: int = 1000
    shape: str = "tiktok"
    seed: int = 42
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)
    posts_per_minute: float = 60.0  # at the daily peak
    malformed_rate: float = 0.0
    keywords: tuple[str, ...] = ("acme", "zestcola")
    events: tuple[InjectedEvent, ...] | None = None  # None: one of each kind, spread over the run
    duration: timedelta | None = None  # stop at start + duration of event time, if sooner
    authors: int = 500
    sounds: int = 60

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, got {self.shape!r}")
        if not 0 <= self.malformed_rate < 1:
            raise ValueError(f"malformed_rate must be in [0, 1), got {self.malformed_rate}")

    @property
    def expected_duration(self) -> timedelta:
        """About how much event time `count` posts span, following the seasonal rate."""
        if self.duration is not None:
            return self.duration
        minutes, produced = 0, 0.0
        while produced < self.count:
            produced += self.posts_per_minute * seasonal_factor(
                self.start + timedelta(minutes=minutes)
            )
            minutes += 1
        return timedelta(minutes=minutes)

    def resolved_events(self) -> list[InjectedEvent]:
        if self.events is not None:
            return list(self.events)
        return default_events(self.start, self.expected_duration, self.keywords)


@dataclass(frozen=True)
class GeneratedMessage:
    value: bytes
    key: bytes | None
    malformed: bool = False
    malformed_kind: str | None = None
    post: CanonicalPost | None = field(default=None, repr=False)


def seasonal_factor(at: datetime) -> float:
    """Relative posting rate: a daily cycle peaking around 20:00 UTC, quieter weekends' mornings."""
    hour = at.hour + at.minute / 60
    daily = 0.6 + 0.4 * math.cos((hour - 20) / 24 * 2 * math.pi)
    weekly = 1.1 if at.weekday() >= 5 else 1.0
    return daily * weekly


def _zipf_weights(n: int, exponent: float = 1.1) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, n + 1)]


class _World:
    """The fixed cast of a seeded run: authors, hashtags, sounds."""

    def __init__(self, config: GeneratorConfig, rng: random.Random) -> None:
        self.hashtags = list(HASHTAG_STEMS)
        self.hashtag_weights = _zipf_weights(len(self.hashtags))
        self.sounds = [
            (f"{7000000 + i}", f"{rng.choice(SONG_WORDS)} {rng.choice(SONG_WORDS)}", f"artist{i}")
            for i in range(config.sounds)
        ]
        self.sound_weights = _zipf_weights(config.sounds)
        self.authors = [(f"{6000000000 + i}", f"user_{i:04d}") for i in range(config.authors)]
        self.author_weights = _zipf_weights(config.authors, 0.8)


class _Generator:
    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.world = _World(config, self.rng)
        self.events = config.resolved_events()
        self.sequence = 0

    def _text(self, mood: str, language: str, keyword: str | None, tags: list[str]) -> str:
        phrases = PHRASES[mood].get(language) or PHRASES[mood]["en"]
        words = [self.rng.choice(phrases)]
        if keyword:
            words.insert(0 if self.rng.random() < 0.5 else 1, keyword.title())
        text = " ".join(words) + " " + self.rng.choice(EMOJI[mood])
        return (text.strip() + " " + " ".join(f"#{t}" for t in tags)).strip()

    def post(
        self,
        at: datetime,
        *,
        hashtags: list[str] | None = None,
        mood: str | None = None,
        keyword: str | None = None,
    ) -> CanonicalPost:
        rng = self.rng
        self.sequence += 1
        at = at.replace(microsecond=0)  # platforms publish whole seconds
        if hashtags is None:
            hashtags = sorted(
                set(
                    rng.choices(
                        self.world.hashtags, self.world.hashtag_weights, k=rng.randint(0, 3)
                    )
                )
            )
        if keyword is None and self.config.keywords and rng.random() < 0.06:
            keyword = rng.choice(self.config.keywords)
        mood = mood or rng.choices(("positive", "neutral", "negative"), (0.45, 0.4, 0.15))[0]
        language = rng.choice(LANGUAGES)
        author_id, author_name = rng.choices(self.world.authors, self.world.author_weights)[0]
        music_id, music_title, music_author = rng.choices(
            self.world.sounds, self.world.sound_weights
        )[0]
        plays = int(rng.paretovariate(1.2) * 200)
        likes = int(plays * rng.uniform(0.02, 0.15))
        return CanonicalPost(
            id=f"{7100000000000000000 + self.config.seed * 10_000_000 + self.sequence}",
            platform="twitter" if self.config.shape == "twitter" else "tiktok",
            created_at=at,
            author_id=author_id,
            author_name=author_name,
            text=self._text(mood, language, keyword, hashtags),
            hashtags=tuple(hashtags),
            music_id=None if self.config.shape == "twitter" else music_id,
            music_title=None if self.config.shape == "twitter" else music_title,
            music_author=None if self.config.shape == "twitter" else music_author,
            plays=plays,
            likes=likes,
            shares=int(likes * rng.uniform(0, 0.2)),
            comments=int(likes * rng.uniform(0, 0.3)),
            language=language,
        )

    def posts_at(self, at: datetime) -> list[CanonicalPost]:
        """The ordinary post due at `at`, reshaped by active events, plus event extras."""
        base = self.post(at)
        posts = [base]
        for event in self.events:
            if not event.active(at):
                continue
            kind, _, value = event.key.partition(":")
            if event.direction == "drop" and kind == "hashtag" and value in base.hashtags:
                if self.rng.random() > event.intensity:
                    posts[0] = self.post(at, hashtags=[t for t in base.hashtags if t != value])
                continue
            # Bursts: extra posts for the key at `intensity` per minute on top of the base rate.
            gap_minutes = 1 / (self.config.posts_per_minute * seasonal_factor(at))
            extra = self._poisson(event.intensity * gap_minutes)
            for _ in range(extra):
                if kind == "hashtag":
                    posts.append(self.post(at, hashtags=[value]))
                else:
                    mood = "negative" if event.direction == "sentiment_drop" else None
                    posts.append(self.post(at, keyword=value, mood=mood, hashtags=[]))
        return posts

    def _poisson(self, mean: float) -> int:
        threshold, k, product = math.exp(-mean), 0, self.rng.random()
        while product > threshold:
            k += 1
            product *= self.rng.random()
        return k

    def malformed(self, kind: str, post: CanonicalPost) -> bytes:
        good = encode(post, self.config.shape)
        if kind == "not_json":
            return b"<html>502 Bad Gateway</html>"
        if kind == "truncated":
            return good[: len(good) // 2]
        payload = orjson.loads(good)
        if kind == "missing_id":
            _drop_id(payload, self.config.shape)
        elif kind == "missing_time":
            _drop_time(payload, self.config.shape)
        elif kind == "wrong_type":
            _wrong_type(payload, self.config.shape)
        elif kind == "oversize":
            return orjson.dumps({**payload, "padding": "x" * (1 << 20)})
        return orjson.dumps(payload)


def encode(post: CanonicalPost, shape: str) -> bytes:
    if shape == "canonical":
        return orjson.dumps(post.to_canonical_json())
    if shape == "twitter":
        return orjson.dumps(_twitter_payload(post))
    return orjson.dumps(_tiktok_payload(post))


def _tiktok_payload(post: CanonicalPost) -> dict[str, Any]:
    return {
        "authorInfos": {"userId": post.author_id, "uniqueId": post.author_name, "verified": False},
        "challengeInfoList": [{"challengeName": tag} for tag in post.hashtags],
        "itemInfos": {
            "id": post.id,
            "createTime": str(int(post.created_at.timestamp())),
            "text": post.text,
            "playCount": post.plays,
            "diggCount": post.likes,
            "shareCount": post.shares,
            "commentCount": post.comments,
            "language": post.language,
        },
        "musicInfos": {
            "musicId": post.music_id,
            "musicName": post.music_title,
            "authorName": post.music_author,
        },
    }


def _twitter_payload(post: CanonicalPost) -> dict[str, Any]:
    return {
        "data": [
            {
                "id": post.id,
                "author_id": post.author_id,
                "created_at": post.created_at.isoformat().replace("+00:00", "Z"),
                "text": post.text,
                "lang": post.language,
                "entities": {"hashtags": [{"tag": tag} for tag in post.hashtags]},
                "public_metrics": {
                    "like_count": post.likes,
                    "retweet_count": post.shares,
                    "quote_count": 0,
                    "reply_count": post.comments,
                    "impression_count": post.plays,
                },
            }
        ],
        "includes": {"users": [{"id": post.author_id, "username": post.author_name}]},
    }


def _drop_id(payload: dict[str, Any], shape: str) -> None:
    if shape == "tiktok":
        payload["itemInfos"].pop("id")
    elif shape == "twitter":
        payload["data"][0].pop("id")
    else:
        payload.pop("id")


def _drop_time(payload: dict[str, Any], shape: str) -> None:
    if shape == "tiktok":
        payload["itemInfos"].pop("createTime")
    elif shape == "twitter":
        payload["data"][0].pop("created_at")
    else:
        payload.pop("created_at")


def _wrong_type(payload: dict[str, Any], shape: str) -> None:
    if shape == "tiktok":
        payload["itemInfos"]["diggCount"] = {"value": 3}
    elif shape == "twitter":
        payload["data"][0]["public_metrics"]["like_count"] = "lots"
    else:
        payload["likes"] = [1, 2]


def generate_messages(config: GeneratorConfig) -> Iterator[GeneratedMessage]:
    """`config.count` messages in event-time order; a `malformed_rate` share is malformed."""
    generator = _Generator(config)
    at = config.start
    end = config.start + config.duration if config.duration is not None else None
    emitted = 0
    while emitted < config.count and (end is None or at < end):
        for post in generator.posts_at(at):
            if emitted >= config.count:
                return
            emitted += 1
            if generator.rng.random() < config.malformed_rate:
                kind = MALFORMED_KINDS[emitted % len(MALFORMED_KINDS)]
                yield GeneratedMessage(
                    generator.malformed(kind, post), post.id.encode(), True, kind, post
                )
            else:
                yield GeneratedMessage(encode(post, config.shape), post.id.encode(), post=post)
        rate_per_second = config.posts_per_minute * seasonal_factor(at) / 60
        at += timedelta(seconds=generator.rng.expovariate(rate_per_second))


def write_ground_truth(config: GeneratorConfig, path: str) -> list[InjectedEvent]:
    events = config.resolved_events()
    with open(path, "wb") as handle:
        for event in events:
            handle.write(orjson.dumps(event.to_json()) + b"\n")
    return events
