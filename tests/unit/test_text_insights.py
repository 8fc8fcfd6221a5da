"""Characteristic phrases, word clouds and toxicity flags of a day, from the warehouse's posts."""

import pytest
from dagster import materialize

from socialpulse.lake import Lake, write_landing_batch
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import lake_ingest, text_insights
from socialpulse_assets.resources import BatchSettingsResource, LakeResource, WarehouseResource
from tests.batch_samples import SMALL_DAY, landing_record

TEXTS = [
    ("love this new flavour so much", "positive", ["Dance"]),
    ("love this new flavour honestly", "positive", ["Dance"]),
    ("worst delivery ever again", "negative", ["Dance"]),
    ("worst delivery ever what an idiot driver", "negative", ["rant"]),
    ("just a normal day at work", "neutral", ["rant"]),
]


def test_text_insights_writes_phrases_clouds_and_flags(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    records = [
        {
            **landing_record(i),
            "id": f"t{i}",
            "text": text,
            "sentiment_label": label,
            "hashtags": tags,
            "keywords": ["acme"] if i < 2 else [],
        }
        for i, (text, label, tags) in enumerate(TEXTS)
    ]
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=url),
        "batch_settings": BatchSettingsResource.from_settings(Settings(state_dir=tmp_path)),
    }
    result = materialize(
        [lake_ingest.cleansed_tables, text_insights.text_insights],
        resources=resources,
        partition_key=SMALL_DAY.date().isoformat(),
    )
    assert result.success
    with Warehouse(url) as db:
        phrases = db.query("SELECT grp, phrase FROM characteristic_phrases ORDER BY grp, rank")
        flags = db.query("SELECT post_id, toxic, matched_terms FROM post_flags ORDER BY post_id")
    by_group = {g: list(p) for g, p in phrases.group_by("grp").agg("phrase").iter_rows()}
    assert "worst delivery" in by_group["sentiment:negative"]
    assert (
        "love new" in by_group["sentiment:positive"]
        or "new flavour" in by_group["sentiment:positive"]
    )
    assert "keyword:acme" in by_group
    assert flags.filter(flags["toxic"])["post_id"].to_list() == ["t3"]
    assert flags.filter(flags["toxic"])["matched_terms"].to_list() == [["idiot"]]
    clouds = lake.fs.glob(lake.path("reports", "wordclouds", f"dt={SMALL_DAY.date()}", "*.png"))
    names = sorted(c.rsplit("/", 1)[1] for c in clouds)
    assert "sentiment-negative.png" in names and "hashtag-dance.png" in names
    with open(clouds[0], "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    metadata = result.asset_materializations_for_node("text_insights")[0].metadata
    assert metadata["toxic_posts"].value == 1
    assert "data:image/png;base64," in metadata["word_clouds_preview"].value


@pytest.mark.parametrize("scorer", ["trained", "accurate"])
def test_a_trained_model_re_scores_the_day_and_reports_agreement(tmp_path, scorer) -> None:
    from socialpulse.sentiment.datasets import load_labelled_dir
    from socialpulse.sentiment.model import save_model, train_classifier
    from tests.unit.test_sentiment_model import labelled_dir

    trained = train_classifier(load_labelled_dir(labelled_dir(tmp_path / "data")), folds=3)
    model_dir = save_model(trained, tmp_path / "model")
    chosen = {
        "trained": {"sentiment_model": str(model_dir)},
        "accurate": {"accurate_sentiment": True},
    }
    lake = Lake.from_url(str(tmp_path / "lake"))
    records = [
        {**landing_record(i), "id": f"t{i}", "text": text, "sentiment_label": label}
        for i, (text, label, _) in enumerate(TEXTS)
    ]
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=url),
        "batch_settings": BatchSettingsResource.from_settings(Settings(state_dir=tmp_path)),
    }
    result = materialize(
        [lake_ingest.cleansed_tables, text_insights.text_insights],
        resources=resources,
        partition_key=SMALL_DAY.date().isoformat(),
        run_config={"ops": {"text_insights": {"config": chosen[scorer]}}},
    )
    assert result.success
    metadata = result.asset_materializations_for_node("text_insights")[0].metadata
    assert 0.0 <= metadata["model_agreement_with_stream"].value <= 1.0
    with Warehouse(url) as db:
        labels = db.query("SELECT model_label FROM post_flags")["model_label"].to_list()
    assert len(labels) == len(TEXTS)
    assert set(labels) <= {"negative", "neutral", "positive"}
