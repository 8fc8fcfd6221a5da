"""Promoted sentiment models: `sentiment train` publishes, `models list/promote`, the CLI and the
stream load the promoted version, the stream swaps in a new one without a restart, and the
comparison on validation data that gates a promotion. Small models trained on hand-made texts:
a sane one, and an inverted one (positive and negative labels swapped) that no built-in scorer
could be mistaken for."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from socialpulse.cli.main import app
from socialpulse.lake import Lake
from socialpulse.models.registry import ModelRegistry
from socialpulse.models.sentiment import compare_with_promoted, publish_sentiment_model
from socialpulse.sentiment import NgramScorer, load_stream_scorer
from socialpulse.sentiment.datasets import load_labelled_dir
from socialpulse.sentiment.model import ModelScorer, save_model, train_classifier
from socialpulse.sentiment.scorers import PromotedModelScorer
from socialpulse.settings import Settings
from tests.unit.test_cli_errors import said
from tests.unit.test_sentiment_model import labelled_dir

NEGATIVE_TEXT = "the hotel was terrible and awful"
POSITIVE_TEXT = "what a brilliant wonderful film"


def inverted_dir(directory: Path, split: str = "train") -> Path:
    """`labelled_dir` with negative and positive swapped: a model that gets everything wrong."""
    labelled_dir(directory, split=split)
    labels = directory / f"{split}_labels.txt"
    swap = {"0": "2", "2": "0", "1": "1"}
    labels.write_text("".join(swap[c] + "\n" for c in labels.read_text().split()), "utf-8")
    return directory


@dataclass(frozen=True)
class Trained:
    sane: Path
    inverted: Path
    data: Path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    root = tmp_path_factory.mktemp("trained")
    data = labelled_dir(root / "data")
    labelled_dir(root / "data", split="val")
    artifacts = {}
    for name, source in (("sane", data), ("inverted", inverted_dir(root / "inverted"))):
        model = train_classifier(load_labelled_dir(source, ["train"]), folds=3, nested=False)
        artifacts[name] = save_model(model, root / name)
    return Trained(artifacts["sane"], artifacts["inverted"], data)


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def publish(registry: ModelRegistry, artifact: Path, data: Path) -> str:
    import json

    metrics = json.loads((artifact / "metrics.json").read_text())
    training = load_labelled_dir(data, ["train"])
    return publish_sentiment_model(registry, artifact, metrics, training).version


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(Lake.from_url(str(tmp_path / "lake")), tmp_path / "cache")


def test_stream_scorer_swaps_in_a_newly_promoted_model_without_restart(
    registry: ModelRegistry,
    trained: Trained,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("SOCIALPULSE_SENTIMENT_MODEL", raising=False)
    sane = publish(registry, trained.sane, trained.data)
    inverted = publish(registry, trained.inverted, trained.data)
    clock = Seconds()
    scorer = load_stream_scorer(registry=registry, refresh_seconds=60, clock=clock)
    assert isinstance(scorer, PromotedModelScorer)
    assert scorer.version is None  # nothing promoted: the built-in fast scorer
    assert scorer(NEGATIVE_TEXT)[0] == "negative"

    registry.promote("sentiment", inverted)
    clock.now = 59
    assert scorer.version is None and scorer(NEGATIVE_TEXT)[0] == "negative"  # not re-read yet
    clock.now = 60
    assert scorer(NEGATIVE_TEXT)[0] == "positive"  # the inverted model, without a restart
    assert scorer.version == inverted
    assert scorer.score_batch([POSITIVE_TEXT, ""])[0][0] == "negative"

    registry.promote("sentiment", sane)
    clock.now = 130
    assert scorer(NEGATIVE_TEXT)[0] == "negative" and scorer.version == sane

    # A promoted version that cannot be loaded leaves the one in use, and says why.
    broken = registry.publish(
        "sentiment",
        _broken_artifact(registry.cache_dir.parent / "broken"),
        metrics={},
        fingerprint="-",
        code_version="test",
    ).version
    registry.promote("sentiment", broken)
    clock.now = 200
    with caplog.at_level(logging.WARNING, logger="socialpulse.sentiment.scorers"):
        assert scorer(NEGATIVE_TEXT)[0] == "negative"
    assert scorer.version == sane
    assert f"keeping sentiment model {sane}" in caplog.text


def _broken_artifact(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "model.joblib").write_bytes(b"not a pickle")
    return directory


def test_stream_starts_on_the_promoted_version_and_a_model_path_wins(
    registry: ModelRegistry, trained: Trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOCIALPULSE_SENTIMENT_MODEL", raising=False)
    registry.promote("sentiment", publish(registry, trained.inverted, trained.data))
    scorer = load_stream_scorer(registry=registry)
    assert scorer(NEGATIVE_TEXT)[0] == "positive"
    # An explicit model path (argument or $SOCIALPULSE_SENTIMENT_MODEL) is used as it is.
    assert isinstance(load_stream_scorer(trained.sane, registry=registry), ModelScorer)
    monkeypatch.setenv("SOCIALPULSE_SENTIMENT_MODEL", str(trained.sane))
    assert load_stream_scorer(registry=registry)(NEGATIVE_TEXT)[0] == "negative"
    monkeypatch.delenv("SOCIALPULSE_SENTIMENT_MODEL")
    assert isinstance(load_stream_scorer(), NgramScorer)  # no registry: as before


def test_comparison_on_validation_data_gates_promotion(
    registry: ModelRegistry, trained: Trained
) -> None:
    validation = load_labelled_dir(trained.data, ["val"])
    sane = publish(registry, trained.sane, trained.data)
    inverted = publish(registry, trained.inverted, trained.data)

    first = compare_with_promoted(registry, inverted, validation)
    assert first.promoted is None and first.candidate_may_be_promoted  # nothing to beat
    assert "no version promoted yet" in first.summary()

    registry.promote("sentiment", sane)
    worse = compare_with_promoted(registry, inverted, validation)
    assert worse.promoted == sane and worse.validation_texts == 30
    assert worse.candidate_recall < 0.5 < worse.promoted_recall  # type: ignore[operator]
    assert not worse.candidate_may_be_promoted
    assert "below the promoted" in worse.summary()

    registry.promote("sentiment", inverted)
    better = compare_with_promoted(registry, sane, validation)
    assert better.candidate_may_be_promoted and "not below" in better.summary()
    same = compare_with_promoted(registry, inverted, validation)
    assert same.candidate_recall == same.promoted_recall and same.candidate_may_be_promoted


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def published_version(result: Result) -> str:
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("published"))
    return line.split()[4].rstrip(";")


def test_cli_trains_publishes_lists_promotes_and_scores_with_the_promoted_model(
    process_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOCIALPULSE_SENTIMENT_MODEL", raising=False)
    train = ("sentiment", "train", "--folds", "3", "--no-nested", "--data")
    sane = published_version(run(*train, str(labelled_dir(tmp_path / "d"))))
    inverted = published_version(run(*train, str(inverted_dir(tmp_path / "inv"))))
    state = process_settings.state_dir
    assert (state / "lake" / "models" / "sentiment" / sane / "model.joblib").exists()
    assert list((state / "models" / "sentiment").iterdir())  # the local artifact, as before
    skipped = run(*train, str(labelled_dir(tmp_path / "d2", per_label=11)), "--no-publish")
    assert skipped.exit_code == 0 and "published" not in skipped.output

    listed = run("models", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == "sentiment: 2 version(s), promoted: none"
    assert lines[1].startswith(f"  {sane}  created ") and "cv_macro_recall=" in lines[1]
    assert lines[2].startswith(f"  {inverted}  created ")

    unknown = run("models", "promote", "sentiment", "v-nope")
    assert unknown.exit_code == 2
    assert f"published versions: {sane}, {inverted}" in said(unknown)
    assert "give the version" in said(run("models", "promote", "sentiment"))

    promoted = run("models", "promote", "sentiment", inverted)
    assert promoted.exit_code == 0, promoted.output
    assert promoted.output.splitlines()[0] == f"promoted sentiment model {inverted} (was none)"
    assert run("models", "list", "sentiment").output.splitlines()[2].startswith(f"* {inverted}")

    texts = tmp_path / "texts.txt"
    texts.write_text(f"{NEGATIVE_TEXT}\n{POSITIVE_TEXT}\n", "utf-8")
    out = tmp_path / "out.csv"
    scored = run("sentiment", "--input", str(texts), "--output", str(out))
    assert scored.exit_code == 0, scored.output
    assert pl.read_csv(out)["label"].to_list() == ["positive", "negative"]  # the inverted model
    fast = run("sentiment", "-i", str(texts), "-o", str(out), "--scorer", "fast")
    assert fast.exit_code == 0, fast.output
    assert pl.read_csv(out)["label"].to_list() == ["negative", "positive"]  # asked for built-in

    run("models", "promote", "sentiment", sane)
    back = run("models", "promote", "sentiment", "--back")
    assert back.output.splitlines()[0] == f"promoted sentiment model {inverted} (was {sane})"
    again = run("models", "promote", "sentiment", inverted)
    assert again.output.strip() == f"sentiment model {inverted} is the promoted one already"
    history = run("models", "list", "sentiment").output.splitlines()[3:]
    assert [line.split()[1] for line in history[:3]] == [inverted, sane, inverted]
    assert history[3] == f"  back to {sane}: socialpulse models promote sentiment --back"


def test_cli_lists_an_empty_registry_and_unknown_kinds(process_settings: Settings) -> None:
    empty = run("models", "list")
    assert empty.exit_code == 0 and "no model is published" in empty.output
    unknown = run("models", "list", "toxicity")
    assert unknown.exit_code == 2 and "no toxicity model is published" in said(unknown)
