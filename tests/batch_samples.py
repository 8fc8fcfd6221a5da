"""Generated lake data with known injected trends, shared by the batch unit and integration tests.

Four days of ordinary TikTok-shaped traffic from the synthetic generator; on the last day a new
challenge, #risingstar, bursts for six hours (hundreds of posts from many authors), and one post
of #viralonce gets a million likes (one viral post is not a trend); a new sound, sound-rising, is
used by 60 posts of 30 authors that afternoon.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from socialpulse.enrichment import Enricher
from socialpulse.generator import GeneratorConfig, InjectedEvent, generate_messages
from socialpulse.generator.landing import LandingSummary, land_messages
from socialpulse.lake import LANDING_ARROW_SCHEMA, Lake, write_landing_batch
from socialpulse.text.cleaning import clean_text

START = datetime(2024, 3, 7, tzinfo=UTC)
DAYS = [date(2024, 3, 7) + timedelta(days=i) for i in range(4)]
TREND_DAY = DAYS[-1]
TRENDING_CHALLENGE = "risingstar"
VIRAL_ONCE = "viralonce"
TRENDING_SOUND = "sound-rising"
SMALL_DAY = datetime(2024, 3, 10, 9, tzinfo=UTC)


def fixed_sentiment(text: str) -> tuple[str, float]:
    return ("negative", -0.6) if "awful" in text.lower() else ("positive", 0.5)


def generated_config() -> GeneratorConfig:
    burst = InjectedEvent(
        "new_challenge",
        f"hashtag:{TRENDING_CHALLENGE}",
        START + timedelta(days=3, hours=10),
        START + timedelta(days=3, hours=16),
        "spike",
        3.0,
    )
    return GeneratorConfig(
        count=1_000_000,
        start=START,
        duration=timedelta(days=4),
        posts_per_minute=2.0,
        events=(burst,),
        seed=7,
    )


def land_sample(lake: Lake) -> LandingSummary:
    enricher = Enricher(["acme", "zestcola"], clean_text, fixed_sentiment)
    summary = land_messages(lake, generate_messages(generated_config()), enricher, batch_size=2000)
    viral = enricher.enrich(
        {
            "id": "viral-0001",
            "platform": "tiktok",
            "created_at": START + timedelta(days=3, hours=12),
            "author_id": "viral-author",
            "author_name": "Viral Author",
            "text": f"one in a million #{VIRAL_ONCE}",
            "hashtags": [VIRAL_ONCE],
            "music_id": None,
            "music_title": None,
            "music_author": None,
            "plays": 50_000_000,
            "likes": 1_000_000,
            "shares": 50_000,
            "comments": 20_000,
            "language": "en",
        }
    )
    sound = [
        enricher.enrich(
            {
                **viral,
                "id": f"sound-{i:04d}",
                "created_at": START + timedelta(days=3, hours=13, minutes=i),
                "author_id": f"sound-author-{i % 30}",
                "author_name": None,
                "text": "this sound is everything",
                "hashtags": [],
                "music_id": TRENDING_SOUND,
                "music_title": "Rising Sound",
                "music_author": "New Artist",
                "plays": 5_000,
                "likes": 400,
                "shares": 20,
                "comments": 10,
            }
        )
        for i in range(60)
    ]
    extra = [viral, *sound]
    write_landing_batch(
        lake,
        [
            {**record, "kafka_topic": "socialpulse.posts", "kafka_partition": 1, "kafka_offset": i}
            for i, record in enumerate(extra)
        ],
        "socialpulse.posts",
        1,
    )
    summary.landed += len(extra)
    return summary


def landing_record(i: int) -> dict:
    """A landed row of a tiny hand-made day: ids repeat, as replays within a day do."""
    record = {name: None for name in LANDING_ARROW_SCHEMA.names}
    record.update(
        id=f"p{i % 6}",  # ids repeat: replays within the day must collapse
        platform="tiktok",
        created_at=SMALL_DAY + timedelta(minutes=7 * i),
        author_id=f"u{i % 4}",
        author_name=f"user {i % 4}",
        text="dance time",
        hashtags=["Dance", f"tag{i % 2}"],
        music_id=f"m{i % 3}",
        likes=10,
        shares=1,
        comments=0,
        kafka_topic="socialpulse.posts",
        kafka_partition=0,
        kafka_offset=i,
        keywords=["dance"],
        sentiment_label="positive",
        sentiment_score=0.5,
        ingested_at=SMALL_DAY + timedelta(minutes=7 * i, seconds=1),
    )
    return record
