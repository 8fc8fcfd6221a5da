"""The stream's default sentiment scorer: hashed word n-grams and a softmax layer, in numpy."""

import doctest
import os
import subprocess
import sys
import zlib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

import socialpulse.sentiment.ngrams as ngrams_module
from socialpulse.sentiment import NgramScorer, load_stream_scorer
from socialpulse.sentiment.fast import LABELS
from socialpulse.sentiment.ngrams import hashed_features, tokens, word_hashes


@pytest.fixture(scope="module")
def scorer() -> NgramScorer:
    return NgramScorer.load()


def test_docstring_examples() -> None:
    assert doctest.testmod(ngrams_module).failed == 0


def test_tokens_keep_emoticons_emoji_and_punctuation_runs() -> None:
    assert tokens("LOVED it!!!! :-) 😍😍 soooo good, @bob https://t.co/x #win 2nd") == [
        "loved", "it", "!!!", "!", ":-)", "😍", "😍", "soo", "good", "usertoken", "urltoken",
        "win", "0nd",
    ]  # fmt: skip
    assert tokens("it\\u2019s &amp; <3") == ["it's", "♥"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this so much, best day ever 😍", "positive"),
        ("this is awful, worst service ever, never again", "negative"),
        ("not happy with the update at all", "negative"),
        ("the store opens at 9am on Monday", "neutral"),
        ("C'est nul, vraiment horrible", "negative"),
        ("Bravo, excellent travail !", "positive"),
        ("Odio este producto, es horrible", "negative"),
        ("Gracias, qué bonito día!", "positive"),
        ("Ich hasse das, total schlecht", "negative"),
        ("Danke, super Sache!", "positive"),
        ("Que merda, odeio", "negative"),
        ("Amei, muito bom! Obrigado", "positive"),
        ("", "neutral"),
        ("   ", "neutral"),
    ],
)
def test_shipped_scorer_labels_clear_cases(scorer: NgramScorer, text: str, label: str) -> None:
    assert scorer(text)[0] == label


@pytest.mark.xfail(
    strict=True,
    reason="UMSAB's French train tweets (mostly news and politics) hold no 'déteste' and no "
    "'magnifique' and one 'adore' (in a neutral tweet); VADER's lexicon is English: neutral",
)
@pytest.mark.parametrize(
    ("text", "label"),
    [("Je déteste ce produit", "negative"), ("J'adore ce film, il est magnifique", "positive")],
)
def test_known_misses_in_french(scorer: NgramScorer, text: str, label: str) -> None:
    assert scorer(text)[0] == label


def test_score_is_bounded_and_agrees_with_the_label(scorer: NgramScorer) -> None:
    for text in ["great!!!", "terrible :(", "meeting moved to 3pm", "ok", "😭😭😭😭", "?"]:
        label, score = scorer(text)
        assert label in LABELS and -1 <= score <= 1
        if label == "positive":
            assert score > 0
        if label == "negative":
            assert score < 0


def test_batch_path_equals_per_text_path(scorer: NgramScorer) -> None:
    texts = [
        "I love it!!",
        "",
        "worst. day. ever :(",
        "a",
        "   ",
        "Je déteste ce produit",
        "@user http://t.co/x 😍😍😍",
        "no no no no no no no no no no no no no no no no no no no no",
    ]
    batch = scorer.score_batch(texts)
    assert len(batch) == len(texts)
    for text, (label, score) in zip(texts, batch, strict=True):
        one = scorer(text)
        assert label == one[0]
        assert score == pytest.approx(one[1], abs=1e-9)
    assert scorer.score_batch([]) == []


def test_hash_is_stable_across_processes() -> None:
    # Python's hash() of a str changes with PYTHONHASHSEED; the buckets must not.
    code = (
        "from socialpulse.sentiment.ngrams import hashed_features, word_hashes;"
        "print(word_hashes(['déteste', '😍']), hashed_features('Je déteste ce produit', 2**18))"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(run.stdout.strip())
    here = f"{word_hashes(['déteste', '😍'])} {hashed_features('Je déteste ce produit', 2**18)}"
    assert outputs == {here}
    assert word_hashes(["déteste"]) == [zlib.crc32("déteste".encode())]


def test_shipped_weights_are_package_data_with_provenance() -> None:
    resource = files("socialpulse.sentiment").joinpath("data/fast_ngrams.npz")
    assert resource.is_file()
    assert len(resource.read_bytes()) < 4_000_000
    loaded = NgramScorer.load()
    assert loaded.buckets == 2**18 and loaded.weights.dtype == np.float32
    provenance = loaded.provenance
    assert provenance["measured"]["tweeteval_val_macro_recall"] > 0.6
    assert provenance["texts"] == sum(provenance["label_counts"].values())
    assert "tweeteval-sentiment-val" in provenance["trained_on"]  # named as removed


def test_save_load_round_trip(scorer: NgramScorer, tmp_path: Path) -> None:
    path = tmp_path / "weights.npz"
    scorer.save(path)
    again = NgramScorer.load(path)
    assert again("so happy today") == scorer("so happy today")
    assert again.provenance == scorer.provenance


def test_bucket_count_must_be_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="2\\*\\*k"):
        NgramScorer(np.zeros((100, 3)), [0.0, 0.0, 0.0], np.zeros((5, 3)))


def test_stream_scorer_defaults_to_the_ngram_scorer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIALPULSE_SENTIMENT_MODEL", raising=False)
    scorer = load_stream_scorer()
    assert isinstance(scorer, NgramScorer)
    assert load_stream_scorer() is scorer  # one per process
    assert scorer("I love it")[0] == "positive"
