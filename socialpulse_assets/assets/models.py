"""Trained models as assets, versioned in the model registry in the lake.

`sentiment_model` trains a TF-IDF sentiment classifier on the configured training data and
publishes it as a new version (its metrics, training-data fingerprint and version as metadata);
the blocking check `sentiment_model_beats_promoted` scores it and the promoted version on the
same validation split; `promoted_sentiment_model` then promotes it. A check that fails stops the
run before the promotion, and the promotion itself refuses a version whose check did not pass,
so a worse model is never promoted. The stream picks the promoted version up without a restart.
"""

import tempfile
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    Config,
    DagsterInstance,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from socialpulse import __version__
from socialpulse.models.registry import MANIFEST_FILE, ModelRegistry, model_cache_dir
from socialpulse.models.sentiment import (
    compare_with_promoted,
    describe_data,
    publish_sentiment_model,
    validation_macro_recall,
)
from socialpulse.sentiment.datasets import LabelledTexts, load_labelled_dir
from socialpulse.sentiment.scorers import SENTIMENT_KIND
from socialpulse_assets.resources import BatchSettingsResource, LakeResource, or_setting

MODEL_ASSET = AssetKey("sentiment_model")
BEATS_PROMOTED = "sentiment_model_beats_promoted"


class SentimentModelConfig(Config):
    # A TweetEval-layout directory (<split>_text.txt + <split>_labels.txt). Default:
    # batch_settings.sentiment_training_data (SOCIALPULSE_SENTIMENT_TRAINING_DATA).
    training_data: str | None = None
    train_splits: list[str] = Field(default_factory=lambda: ["train"])
    # Held out of training; the check compares the new and the promoted model on it.
    validation_split: str = "val"
    folds: int = 5
    nested: bool = False  # nested CV: the honest estimate, about folds times slower


def model_registry(lake: LakeResource, batch_settings: BatchSettingsResource) -> ModelRegistry:
    return ModelRegistry(lake.lake(), model_cache_dir(Path(batch_settings.state_dir)))


def _labelled(directory: Path, splits: list[str]) -> LabelledTexts:
    try:
        return load_labelled_dir(directory, splits)
    except (FileNotFoundError, ValueError) as error:
        raise Failure(description=f"sentiment training data: {error}") from error


def _published_version(instance: DagsterInstance) -> str:
    """The version that the latest `sentiment_model` materialisation published."""
    event = instance.get_latest_materialization_event(MODEL_ASSET)
    materialization = event.asset_materialization if event else None
    if materialization is None or "version" not in materialization.metadata:
        raise Failure(description="sentiment_model has published no version yet: materialise it")
    return str(materialization.metadata["version"].value)


@asset(
    group_name="models",
    kinds={"python", "scikit-learn"},
    code_version=__version__,
    description="A TF-IDF + lexicon sentiment classifier trained on the configured training "
    "data, published as a new version in the model registry in the lake (models/sentiment/).",
)
def sentiment_model(
    context: AssetExecutionContext,
    config: SentimentModelConfig,
    lake: LakeResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    from socialpulse.sentiment.model import save_model, train_classifier

    source = or_setting(config.training_data, batch_settings.sentiment_training_data)
    if not source:
        raise Failure(
            description="no sentiment training data: set SOCIALPULSE_SENTIMENT_TRAINING_DATA "
            "to a TweetEval-layout directory (train_text.txt + train_labels.txt, and val_*), "
            "or give this asset's run config `training_data`"
        )
    directory = Path(source)
    training = _labelled(directory, config.train_splits)
    validation = _labelled(directory, [config.validation_split])
    context.log.info(
        f"training on {len(training.texts)} texts, validating on {len(validation.texts)}"
    )
    try:
        trained = train_classifier(
            training, folds=config.folds, nested=config.nested, progress=context.log.info
        )
    except ValueError as error:  # too few examples of a label for the folds
        raise Failure(description=f"sentiment training data: {error}") from error
    recall = validation_macro_recall(trained.scorer, validation)
    registry = model_registry(lake, batch_settings)
    with tempfile.TemporaryDirectory() as scratch:
        published = publish_sentiment_model(
            registry,
            save_model(trained, Path(scratch) / "model"),
            trained.metrics,
            training,
            validation={
                **describe_data(validation),
                "path": str(directory),
                "split": config.validation_split,
                "macro_recall": round(recall, 4),
            },
        )
    context.log.info(f"published {SENTIMENT_KIND} model {published.version}")
    return MaterializeResult(
        metadata={
            "version": published.version,
            "training_data_fingerprint": published.fingerprint,
            **{
                name: MetadataValue.float(float(value))
                for name, value in published.metrics.items()
                if value is not None
            },
            "training_texts": MetadataValue.int(len(training.texts)),
            "validation_texts": MetadataValue.int(len(validation.texts)),
            "params": MetadataValue.json(trained.metrics["params"]),
            "manifest": MetadataValue.path(
                registry.lake.path("models", SENTIMENT_KIND, published.version, MANIFEST_FILE)
            ),
        },
        data_version=DataVersion(published.version),
    )


@asset_check(
    asset=sentiment_model,
    blocking=True,
    description="The new version's macro recall on the validation split is not below the "
    "promoted version's on the same texts (passes while nothing is promoted).",
)
def sentiment_model_beats_promoted(
    context: AssetCheckExecutionContext,
    lake: LakeResource,
    batch_settings: BatchSettingsResource,
) -> AssetCheckResult:
    registry = model_registry(lake, batch_settings)
    candidate = _published_version(context.instance)
    recorded = registry.version(SENTIMENT_KIND, candidate).details.get("validation_data")
    if not recorded:
        return AssetCheckResult(
            passed=False,
            description=f"{candidate} records no validation data: retrain it with this asset",
            metadata={"candidate": candidate},
        )
    validation = _labelled(Path(recorded["path"]), [recorded["split"]])
    comparison = compare_with_promoted(registry, candidate, validation)
    return AssetCheckResult(
        passed=comparison.candidate_may_be_promoted,
        description=comparison.summary(),
        metadata={
            "candidate": candidate,
            "candidate_macro_recall": comparison.candidate_recall,
            "promoted": comparison.promoted or "none",
            "promoted_macro_recall": MetadataValue.float(comparison.promoted_recall)
            if comparison.promoted_recall is not None
            else MetadataValue.null(),
            "validation_texts": comparison.validation_texts,
            # The validation texts changed since training: both were scored on today's.
            "validation_data_changed": describe_data(validation)["fingerprint"]
            != recorded["fingerprint"],
        },
    )


def _check_passed_for(instance: DagsterInstance, version: str) -> bool:
    record = instance.get_latest_asset_check_evaluation_record(
        AssetCheckKey(MODEL_ASSET, BEATS_PROMOTED)
    )
    evaluation = record.event.asset_check_evaluation if record and record.event else None
    if evaluation is None:
        return False
    checked = evaluation.metadata.get("candidate")
    return evaluation.passed and checked is not None and checked.value == version


@asset(
    deps=[sentiment_model],
    group_name="models",
    kinds={"python"},
    description="Promotes the sentiment_model version that passed sentiment_model_beats_promoted: "
    "the stream and the CLI use it from then on (`socialpulse models promote sentiment --back` "
    "undoes it).",
)
def promoted_sentiment_model(
    context: AssetExecutionContext,
    lake: LakeResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    candidate = _published_version(context.instance)
    # Materialised on its own, after a failed check, it must not promote the worse model.
    if not _check_passed_for(context.instance, candidate):
        raise Failure(
            description=f"{candidate} has not passed {BEATS_PROMOTED}: materialise "
            "sentiment_model with its checks first"
        )
    promotion = model_registry(lake, batch_settings).promote(SENTIMENT_KIND, candidate)
    context.log.info(f"promoted {SENTIMENT_KIND} model {candidate} (was {promotion.previous})")
    return MaterializeResult(
        metadata={
            "version": candidate,
            "previous": promotion.previous or "none",
            "promoted_at": promotion.promoted_at,
        },
        data_version=DataVersion(candidate),
    )
