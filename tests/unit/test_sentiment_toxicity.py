"""The offline toxicity flag: a word list, with the usual disguises seen through."""

import doctest

import pytest

import socialpulse.sentiment.toxicity_flag as toxicity_module
from socialpulse.sentiment import toxicity
from socialpulse.sentiment.toxicity_flag import toxic_lexicon


def test_docstring_examples() -> None:
    assert doctest.testmod(toxicity_module).failed == 0


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("what the fuck", ("fuck",)),
        ("f*ck this", ("fuck",)),
        ("F**K THIS", ("fuck",)),
        ("f.u.c.k you", ("fuck",)),
        ("FUUUUUCK", ("fuck",)),
        ("motherfuckers", ("fuck",)),
        ("motherf*cker", ("fuck",)),
        ("sh1t service", ("shit",)),
        ("sh!t", ("shit",)),
        ("you @sshole", ("asshole",)),
        ("$tupid idiots", ("idiot", "stupid")),
        ("𝐟𝐮𝐜𝐤", ("fuck",)),  # noqa: RUF001 (mathematical bold letters)
        ("ｆｕｃｋ", ("fuck",)),  # noqa: RUF001 (full-width letters)
        ("just kill yourself", ("kill yourself",)),
        ("KYS loser", ("kys", "loser")),
        ("I'll kill you", ("i'll kill you",)),
        ("I\u2019ll kill you", ("i'll kill you",)),
        ("shitty day", ("shit",)),
        ("#fuckoff", ("fuck",)),
        ("#fuckbitches", ("fuck",)),
        ("what a shithead", ("shit",)),
        ("apeshit", ("shit",)),
        ("bitch!shut up", ("bitch",)),
        ("women...fuck", ("fuck",)),
    ],
)
def test_flags_listed_terms_through_disguises(text: str, terms: tuple[str, ...]) -> None:
    assert toxicity(text) == (True, terms)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Great game last night!",
        "Scunthorpe and Penistone are towns",
        "the class assignment is due",
        "fire retardant foam",
        "shiitake mushrooms",
        "f*** that was close",  # too little left to tell which word it was
        "sh*",
        "Passing the cocktail to my grassy assistant",
        "Pakistan won the match",
        "assess the situation",
        "shitake risotto",
        "#parikshitsolutions",
        "Harshit scored twice",
        "watch it on #bitchute",
    ],
)
def test_leaves_clean_text_alone(text: str) -> None:
    assert toxicity(text) == (False, ())


def test_flag_unpacks_as_documented() -> None:
    flag, matched = toxicity("you idiot")
    assert flag is True and matched == ("idiot",)


def test_every_listed_term_is_found_by_itself_and_has_a_category() -> None:
    lexicon = toxic_lexicon()
    assert set(lexicon.categories.values()) == {"profanity", "insult", "hate", "threat"}
    for term in lexicon.categories:
        assert toxicity(term).matched_terms == (term,) or term in toxicity(term).matched_terms


def test_known_limit_context_is_not_understood() -> None:
    # Documented limit: a word list cannot tell a name from an insult.
    assert toxicity("Dick Smith opened a store").flag
