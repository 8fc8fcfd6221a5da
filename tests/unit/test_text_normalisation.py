"""Stopword removal and stemming on messy, multilingual posts with emoji."""

import doctest

import pytest

import socialpulse.text.pipeline as pipeline
import socialpulse.text.stemming as stemming
import socialpulse.text.stopwords as stopwords
from socialpulse.text import content_tokens, porter_stem, remove_stopwords, stopwords_for
from socialpulse.text.stemming import stem


@pytest.mark.parametrize("module", [pipeline, stemming, stopwords])
def test_docstring_examples(module: object) -> None:
    assert doctest.testmod(module).failed == 0


# Porter's published examples (Porter 1980, and the reference vocabulary's outputs).
PORTER = {
    "caresses": "caress", "ponies": "poni", "ties": "ti", "cats": "cat", "feed": "feed",
    "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor", "sing": "sing",
    "conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop",
    "tanned": "tan", "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail",
    "filing": "file", "happy": "happi", "sky": "sky", "relational": "relat",
    "conditional": "condit", "rational": "ration", "digitizer": "digit",
    "vietnamization": "vietnam", "predication": "predic", "operator": "oper",
    "feudalism": "feudal", "decisiveness": "decis", "hopefulness": "hope",
    "callousness": "callous", "triplicate": "triplic", "formative": "form",
    "formalize": "formal", "electrical": "electr", "hopeful": "hope", "goodness": "good",
    "revival": "reviv", "allowance": "allow", "inference": "infer", "airliner": "airlin",
    "adjustable": "adjust", "defensible": "defens", "irritant": "irrit",
    "replacement": "replac", "adjustment": "adjust", "dependent": "depend",
    "adoption": "adopt", "communism": "commun", "activate": "activ", "effective": "effect",
    "bowdlerize": "bowdler", "probate": "probat", "rate": "rate", "cease": "ceas",
    "controll": "control", "roll": "roll", "generalizations": "gener",
}  # fmt: skip


def test_porter_reference_examples() -> None:
    assert {word: porter_stem(word) for word in PORTER} == PORTER


def test_inflections_share_a_stem() -> None:
    assert len({porter_stem(w) for w in ["connect", "connected", "connecting", "connection"]}) == 1


@pytest.mark.parametrize(
    "token", ["#running", "été", "mañana", "東京", "москва", "2026", "😀", "ok"]
)
def test_non_english_and_special_tokens_are_not_stemmed(token: str) -> None:
    assert porter_stem(token) == token


# Inflections of one word per language that share a Snowball stem, and a word of another.
INFLECTIONS = {
    "en": (["connect", "connected", "connecting", "connection"], "happy"),
    "es": (["canción", "canciones"], "corriendo"),
    "pt": (["cantando", "cantaram", "cantar"], "coisa"),
    "fr": (["chanter", "chantait", "chanteront"], "meilleur"),
    "de": (["haus", "häuser", "häusern"], "laufen"),
    "it": (["cantare", "cantava", "cantando"], "bellissimo"),
}


@pytest.mark.parametrize("language", sorted(INFLECTIONS))
def test_each_language_is_stemmed_with_its_own_rules(language: str) -> None:
    forms, other = INFLECTIONS[language]
    stems = {stem(word, language) for word in forms}
    assert len(stems) == 1, stems
    assert stem(other, language) not in stems


def test_a_post_in_an_unknown_language_is_stemmed_as_english() -> None:
    assert stem("connections", None) == stem("connections", "ja") == "connect"
    assert stem("canciones", "es-MX") == "cancion"
    # The language matters: English rules do not know Spanish or German endings.
    assert (stem("corriendo", "en"), stem("corriendo", "es")) == ("corriendo", "corr")
    assert (stem("häusern", "en"), stem("häusern", "de")) == ("häusern", "haus")


def test_content_tokens_stem_in_the_posts_language() -> None:
    assert content_tokens("Les chanteurs chantaient", ("fr",), stem=True) == ["chanteur", "chant"]
    assert content_tokens("Die Häuser und Häusern", ("de",), stem=True) == ["haus", "haus"]
    # Several candidate languages: the post's is not known, so English stems it.
    assert content_tokens("connections corriendo", ("en", "es"), stem=True) == [
        "connect",
        "corriendo",
    ]


def test_stopwords_per_language_and_collisions() -> None:
    assert {"the", "rt", "amp"} <= stopwords_for(("en",))
    assert "die" in stopwords_for(("de",)) and "die" not in stopwords_for(("en",))
    assert {"el", "le", "der", "il", "the"} <= stopwords_for(("en", "es", "fr", "de", "it"))
    with pytest.raises(ValueError, match="available"):
        stopwords_for(("xx",))


def test_sentiment_words_and_hashtags_survive_stopword_removal() -> None:
    assert remove_stopwords(["not", "no", "never", "good", "#the", "the"]) == [
        "not",
        "no",
        "never",
        "good",
        "#the",
    ]


@pytest.mark.parametrize(
    ("raw", "languages", "stem", "expected"),
    [
        (
            "RT @acme: Sooooo the NEW phones are AMAZING!!! 😍😍 https://t.co/x #Launch",
            ("en",),
            False,
            ["soo", "new", "phones", "amazing", "#launch"],
        ),
        (
            "RT @acme: the new phones are amazing, loving them!!!",
            ("en",),
            True,
            ["new", "phone", "amaz", "love"],
        ),
        (
            "¡El servicio de la tienda es muy malo! 😡",
            ("es",),
            False,
            ["servicio", "tienda", "malo"],
        ),
        (
            "C'est le meilleur café de Paris &amp; du monde",
            ("fr",),
            False,
            ["meilleur", "café", "paris", "monde"],
        ),
        ("Die Bahn ist wieder zu spät… #DB", ("de",), False, ["bahn", "wieder", "spät", "#db"]),
        ("東京 の 天気 は 晴れ 🌞", ("en",), True, ["東京", "の", "天気", "は", "晴れ"]),
        ("😀😀😀 !!! ...", ("en",), True, []),
        ("", ("en",), False, []),
    ],
)
def test_content_tokens_on_messy_posts(
    raw: str, languages: tuple[str, ...], stem: bool, expected: list[str]
) -> None:
    assert content_tokens(raw, languages, stem=stem) == expected
