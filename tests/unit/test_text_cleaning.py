import doctest

import pytest

import socialpulse.text.cleaning as cleaning
from socialpulse.text import clean_text, tokenize


def test_docstring_examples() -> None:
    assert doctest.testmod(cleaning).failed == 0


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("RT @brand: Deal!!! https://t.co/abc www.x.com/y", "RT : Deal!!!"),
        ("Fish &amp; chips &lt;3", "Fish & chips <3"),
        ("nooooo 😭😭😭", "noo 😭😭😭"),
        ("  tabs\tand\nnewlines  ", "tabs and newlines"),
        ("Café olé — ¡Qué bien! 👏", "Café olé — ¡Qué bien! 👏"),
        ("email me: a@b.com", "email me: a@b.com"),
    ],
)
def test_clean_text_on_messy_posts(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_tokens_keep_hashtags_and_non_latin_words() -> None:
    assert tokenize("Über cool #München 東京 déjà-vu") == [
        "über",
        "cool",
        "#münchen",
        "東京",
        "déjà",
        "vu",
    ]
