from datetime import UTC, datetime

from socialpulse.enrichment import Enricher, keyword_pattern, match_keywords

TERMS = ("acme", "acme cola", "zest")


def test_whole_word_matches_prefer_the_longest_term() -> None:
    pattern = keyword_pattern(TERMS)
    text = "Tried ACME   Cola today, acmeish is not acme. #zest"
    assert match_keywords(pattern, text, [], TERMS) == ["acme", "acme cola", "zest"]
    assert match_keywords(pattern, "acmeish zesty", [], TERMS) == []


def test_hashtag_spelling_of_a_multiword_term_counts() -> None:
    pattern = keyword_pattern(TERMS)
    assert match_keywords(pattern, "no mention here", ["AcmeCola"], TERMS) == ["acme cola"]


def test_empty_watchlist_matches_nothing() -> None:
    assert keyword_pattern([" ", ""]) is None
    assert match_keywords(None, "acme", ["acme"], ()) == []


def test_enrich_adds_clean_text_keywords_and_sentiment() -> None:
    enricher = Enricher(["Acme"], clean=str.lower, sentiment=lambda text: ("negative", -0.5))
    record = {"id": "p", "text": "I hate ACME", "hashtags": [], "created_at": datetime.now(UTC)}
    enriched = enricher.enrich(record)
    assert enriched["clean_text"] == "i hate acme"
    assert enriched["tokens"] == ["i", "hate", "acme"]
    assert enriched["keywords"] == ["acme"]
    assert (enriched["sentiment_label"], enriched["sentiment_score"]) == ("negative", -0.5)
    assert enriched["ingested_at"].tzinfo is UTC
    assert enriched["id"] == "p"


def test_the_watch_list_is_re_read_while_running() -> None:
    from socialpulse.enrichment import Enricher

    now = [0.0]
    source = iter([("acme", "newbrand"), OSError("file busy")])

    def terms():
        value = next(source)
        if isinstance(value, Exception):
            raise value
        return value

    enricher = Enricher(
        ["acme"],
        lambda text: text,
        lambda text: ("neutral", 0.0),
        terms_source=terms,
        refresh_seconds=30,
        clock=lambda: now[0],
    )
    record = {"text": "loving newbrand today", "hashtags": []}
    assert enricher.enrich(record)["keywords"] == []
    now[0] = 31.0
    assert enricher.enrich(record)["keywords"] == ["newbrand"]
    now[0] = 62.0  # a failed re-read keeps the last good list
    assert enricher.enrich(record)["keywords"] == ["newbrand"]
    assert enricher.terms == ("acme", "newbrand")
