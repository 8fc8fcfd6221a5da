"""The model registry on a local-directory lake: publish, list, promote, promote back, fetch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialpulse.lake import Lake
from socialpulse.models.registry import (
    ModelRegistry,
    UnknownModelError,
    fingerprint_examples,
)


class Clock:
    """A settable wall clock, one minute further on at every reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def artifact(directory: Path, weights: str) -> Path:
    (directory / "sub").mkdir(parents=True)
    (directory / "model.bin").write_text(weights, "utf-8")
    (directory / "sub" / "metrics.json").write_text('{"recall": 0.5}\n', "utf-8")
    return directory


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(Lake.from_url(str(tmp_path / "lake")), tmp_path / "cache", Clock())


def publish(registry: ModelRegistry, tmp_path: Path, weights: str, recall: float) -> str:
    published = registry.publish(
        "sentiment",
        artifact(tmp_path / weights, weights),
        metrics={"macro_recall": recall},
        fingerprint=fingerprint_examples([weights], [1]),
        code_version="0.1.0",
        details={"artifact": "tfidf"},
    )
    return published.version


def test_publish_writes_files_and_manifest_and_lists_oldest_first(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    first = publish(registry, tmp_path, "one", 0.6)
    second = publish(registry, tmp_path, "two", 0.7)
    assert first.startswith("20260301T120100Z-") and second.startswith("20260301T120200Z-")
    root = tmp_path / "lake" / "models" / "sentiment" / first
    assert (root / "model.bin").read_text() == "one"
    assert (root / "sub" / "metrics.json").exists()
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["metrics"] == {"macro_recall": 0.6}
    assert manifest["created_at"] == "2026-03-01T12:01:00+00:00"
    assert manifest["training_data_fingerprint"] == fingerprint_examples(["one"], [1])
    assert manifest["code_version"] == "0.1.0"
    assert sorted(manifest["files"]) == ["model.bin", "sub/metrics.json"]
    assert [v.version for v in registry.versions("sentiment")] == [first, second]
    assert registry.version("sentiment", second).metrics == {"macro_recall": 0.7}
    assert registry.kinds() == ["sentiment"]
    assert registry.versions("toxicity") == []


def test_a_version_is_never_overwritten(registry: ModelRegistry, tmp_path: Path) -> None:
    source = artifact(tmp_path / "a", "weights")
    options = {"metrics": {}, "fingerprint": "f", "code_version": "0.1.0", "version": "v1"}
    registry.publish("sentiment", source, **options)
    with pytest.raises(FileExistsError, match="v1 is already published"):
        registry.publish("sentiment", source, **options)
    with pytest.raises(ValueError, match="use letters, digits"):
        registry.publish("sentiment", source, **{**options, "version": "../escape"})
    with pytest.raises(FileNotFoundError, match="no files"):
        (tmp_path / "empty").mkdir()
        registry.publish("sentiment", tmp_path / "empty", **{**options, "version": "v2"})


def test_promote_keeps_history_and_promote_back_is_one_call(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    first = publish(registry, tmp_path, "one", 0.6)
    second = publish(registry, tmp_path, "two", 0.7)
    assert registry.promoted("sentiment") is None
    assert registry.promotions("sentiment") == []

    registry.promote("sentiment", first)
    promotion = registry.promote("sentiment", second)
    assert promotion.version == second and promotion.previous == first
    assert registry.promoted("sentiment") == second
    assert registry.promote("sentiment", second) == promotion  # already in force: no new entry

    back = registry.promote_back("sentiment")
    assert (back.version, back.previous) == (first, second)
    assert registry.promoted("sentiment") == first
    assert [(p.version, p.previous) for p in registry.promotions("sentiment")] == [
        (first, None),
        (second, first),
        (first, second),
    ]
    # The pointer is one object, replaced whole: no temporary file is left beside it.
    assert sorted(p.name for p in (tmp_path / "lake" / "models" / "sentiment").iterdir()) == [
        first,
        second,
        "promoted.json",
    ]


def test_unknown_versions_and_kinds_name_what_exists(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    with pytest.raises(UnknownModelError, match="no sentiment model is published"):
        registry.promote("sentiment", "nope")
    first = publish(registry, tmp_path, "one", 0.6)
    with pytest.raises(UnknownModelError, match=f"published versions: {first}"):
        registry.promote("sentiment", "nope")
    with pytest.raises(UnknownModelError, match="kinds with models: sentiment"):
        registry.version("toxicity", "v1")
    with pytest.raises(UnknownModelError, match="no earlier promotion"):
        registry.promote_back("sentiment")
    registry.promote("sentiment", first)
    with pytest.raises(UnknownModelError, match=f"only {first} was ever promoted"):
        registry.promote_back("sentiment")


def test_fetch_copies_into_the_cache_once_and_checks_the_files(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    first = publish(registry, tmp_path, "one", 0.6)
    local = registry.fetch("sentiment", first)
    assert local == tmp_path / "cache" / "sentiment" / first
    assert (local / "model.bin").read_text() == "one"
    assert (local / "sub" / "metrics.json").exists()
    assert registry.fetch("sentiment", first) == local  # cached: not downloaded again
    assert [p.name for p in local.parent.iterdir()] == [first]  # no partial download left

    second = publish(registry, tmp_path, "two", 0.7)
    (tmp_path / "lake" / "models" / "sentiment" / second / "model.bin").write_text("tampered")
    with pytest.raises(ValueError, match="does not match its manifest's sha256"):
        registry.fetch("sentiment", second)
    assert [p.name for p in local.parent.iterdir()] == [first]
    with pytest.raises(UnknownModelError):
        registry.fetch("sentiment", "never-published")


def test_fingerprint_is_of_the_examples_not_their_order() -> None:
    texts, labels = ["good day", "bad day", "a day"], [2, 0, 1]
    same = fingerprint_examples(texts[::-1], labels[::-1])
    assert fingerprint_examples(texts, labels) == same
    assert fingerprint_examples(texts, [2, 1, 0]) != same  # a label changed
    assert fingerprint_examples(["good day\t2"], [0]) != fingerprint_examples(["good day"], [2])
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        fingerprint_examples(texts, labels[:2])
