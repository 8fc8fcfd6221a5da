"""The `models` group: sentiment_model publishes a version, the blocking check compares it with
the promoted one on the validation split, promoted_sentiment_model promotes it, and a worse
model is never promoted, neither in the same run nor by materialising the promotion alone."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, DagsterInstance, materialize

from socialpulse.lake import Lake
from socialpulse.models.registry import ModelRegistry, model_cache_dir
from socialpulse.settings import Settings
from socialpulse_assets.assets import models
from socialpulse_assets.resources import BatchSettingsResource, LakeResource
from tests.unit.test_model_promotion import inverted_dir
from tests.unit.test_sentiment_model import labelled_dir

ASSETS = [
    models.sentiment_model,
    models.sentiment_model_beats_promoted,
    models.promoted_sentiment_model,
]
SMALL = {"ops": {"sentiment_model": {"config": {"folds": 3}}}}


def training_data(directory: Path, inverted: bool = False) -> Path:
    """A `train` split (its positive and negative labels swapped if `inverted`) and the same
    sane `val` split either way."""
    if inverted:
        inverted_dir(directory)
    else:
        labelled_dir(directory)
    labelled_dir(directory, per_label=6, split="val")
    return directory


def resources(tmp_path: Path, data: Path | None) -> dict[str, object]:
    settings = Settings(state_dir=tmp_path / "state", sentiment_training_data=data)
    return {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "batch_settings": BatchSettingsResource.from_settings(settings),
    }


def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(Lake.from_url(str(tmp_path / "lake")), model_cache_dir(tmp_path / "state"))


def test_a_better_model_is_promoted_and_a_worse_one_is_not(tmp_path: Path) -> None:
    instance = DagsterInstance.ephemeral()
    sane = training_data(tmp_path / "sane")
    first = materialize(
        ASSETS, resources=resources(tmp_path, sane), instance=instance, run_config=SMALL
    )
    assert first.success
    [published] = registry(tmp_path).versions("sentiment")
    assert registry(tmp_path).promoted("sentiment") == published.version
    metadata = first.asset_materializations_for_node("sentiment_model")[0].metadata
    assert metadata["version"].value == published.version
    assert metadata["training_data_fingerprint"].value == published.fingerprint
    assert metadata["validation_macro_recall"].value > 0.6
    assert published.details["validation_data"]["texts"] == 18
    [check] = first.get_asset_check_evaluations()
    assert check.passed and check.metadata["promoted"].value == "none"

    # Trained on inverted labels: it publishes, its check fails, nothing downstream runs.
    worse = training_data(tmp_path / "worse", inverted=True)
    second = materialize(
        ASSETS,
        resources=resources(tmp_path, worse),
        instance=instance,
        run_config=SMALL,
        raise_on_error=False,
    )
    assert not second.success
    versions = registry(tmp_path).versions("sentiment")
    assert len(versions) == 2 and versions[0].version == published.version
    assert registry(tmp_path).promoted("sentiment") == published.version
    [check] = second.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["candidate"].value == versions[1].version
    assert check.metadata["candidate_macro_recall"].value < 0.5
    assert "below the promoted" in (check.description or "")
    assert not second.asset_materializations_for_node("promoted_sentiment_model")

    # Materialising the promotion alone does not get the worse model past its check either.
    alone = materialize(
        [models.promoted_sentiment_model],
        resources=resources(tmp_path, worse),
        instance=instance,
        raise_on_error=False,
        selection=[AssetKey("promoted_sentiment_model")],
    )
    assert not alone.success
    [failure] = [e for e in alone.all_events if e.is_step_failure]
    assert "has not passed sentiment_model_beats_promoted" in str(failure.step_failure_data.error)
    assert registry(tmp_path).promoted("sentiment") == published.version


def test_without_training_data_the_asset_says_what_to_set(tmp_path: Path) -> None:
    result = materialize(
        [models.sentiment_model], resources=resources(tmp_path, None), raise_on_error=False
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "SOCIALPULSE_SENTIMENT_TRAINING_DATA" in str(failure.step_failure_data.error)
    assert registry(tmp_path).versions("sentiment") == []
