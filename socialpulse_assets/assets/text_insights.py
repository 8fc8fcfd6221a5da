"""What people say: characteristic phrases, word clouds and toxicity flags per day.

For each day: the bigrams most characteristic of each sentiment label, each watch-list keyword
and the day's five biggest challenges (a bigram language model per group against the whole
day's, `socialpulse.text.language_model`), word clouds of the same groups as PNG files in the
lake (`reports/wordclouds/dt=<day>/`), and the offline toxicity flag of every post.
"""

import base64
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from socialpulse.contracts import report_folder
from socialpulse.lake import utc_day_bounds
from socialpulse.sentiment import toxicity
from socialpulse.text.language_model import characteristic_phrases
from socialpulse.text.wordclouds import write_word_clouds
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import (
    BatchSettingsResource,
    LakeResource,
    WarehouseResource,
    or_setting,
)

TOP_CHALLENGES = 5


class TextInsightsConfig(Config):
    # A `socialpulse sentiment train` artifact: the day's posts are re-scored with it and the
    # agreement with the stream's labels reported. Default: batch_settings.sentiment_model
    # (SOCIALPULSE_SENTIMENT_MODEL), if set.
    sentiment_model: str | None = None
    # Without a model: re-score with the built-in accurate scorer (the multilingual encoder and
    # its shipped head; about a dozen posts per second and core, so off by default).
    accurate_sentiment: bool = False


PHRASE_SCHEMA = {
    "day": pl.Date,
    "grp": pl.String,
    "rank": pl.Int32,
    "phrase": pl.String,
    "count": pl.Int64,
    "log_ratio": pl.Float64,
}


def text_groups(posts: pl.DataFrame) -> dict[str, list[str]]:
    """Texts per group: sentiment:<label>, keyword:<term>, hashtag:<top challenge>."""
    groups: dict[str, list[str]] = {}
    for label, texts in posts.group_by("sentiment_label").agg("text").iter_rows():
        if label is not None:
            groups[f"sentiment:{label}"] = texts
    words = posts.select("text", "keywords").explode("keywords").drop_nulls("keywords")
    for keyword, texts in words.group_by("keywords").agg("text").iter_rows():
        groups[f"keyword:{keyword}"] = texts
    tags = (
        posts.select("text", "hashtags")
        .explode("hashtags")
        .drop_nulls("hashtags")
        .with_columns(pl.col("hashtags").str.to_lowercase())
    )
    top = tags.group_by("hashtags").len().sort(["len", "hashtags"], descending=[True, False])
    for tag in top.head(TOP_CHALLENGES)["hashtags"]:
        groups[f"hashtag:{tag}"] = tags.filter(pl.col("hashtags") == tag)["text"].to_list()
    return groups


@asset(deps=["posts"], partitions_def=daily, group_name="analytics", kinds={"python"})
def text_insights(
    context: AssetExecutionContext,
    config: TextInsightsConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    """Characteristic phrases and word clouds per sentiment, keyword and top challenge; toxicity."""
    sentiment_model = or_setting(config.sentiment_model, batch_settings.sentiment_model)
    day = date.fromisoformat(context.partition_key)
    start, end = utc_day_bounds(day)
    with warehouse.connect() as db:
        posts = db.query(
            "SELECT id, text, sentiment_label, keywords, hashtags FROM posts "
            "WHERE created_at >= ? AND created_at < ?",
            (start, end),
        )
    if posts.is_empty():
        return MaterializeResult(metadata={"posts": 0})
    posts = posts.with_columns(pl.col("text").fill_null(""))
    groups = text_groups(posts)
    phrases = characteristic_phrases(groups, top=10)
    phrase_rows = pl.DataFrame(
        [
            (day, group, rank, p.text, p.count, p.log_ratio)
            for group, found in phrases.items()
            for rank, p in enumerate(found, start=1)
        ],
        schema=PHRASE_SCHEMA,
        orient="row",
    )
    flags = [toxicity(text) for text in posts["text"]]
    model_labels: list[str | None] = [None] * posts.height
    model_metadata = {}
    if sentiment_model or config.accurate_sentiment:
        from socialpulse.sentiment import load_model
        from socialpulse.sentiment.encoder import load_encoder_scorer

        model = load_model(sentiment_model) if sentiment_model else load_encoder_scorer()
        scored = model.score_batch(posts["text"].to_list())
        model_labels = [label for label, _ in scored]
        agree = sum(a == b for a, b in zip(model_labels, posts["sentiment_label"], strict=True))
        model_metadata = {
            "sentiment_model": sentiment_model or "accurate (shipped encoder head)",
            "model_agreement_with_stream": round(agree / posts.height, 4),
        }
    post_flags = pl.DataFrame(
        {
            "post_id": posts["id"],
            "day": [day] * posts.height,
            "toxic": [f.flag for f in flags],
            "matched_terms": [list(f.matched_terms) for f in flags],
            "model_label": model_labels,
        },
        schema={
            "post_id": pl.String,
            "day": pl.Date,
            "toxic": pl.Boolean,
            "matched_terms": pl.List(pl.String),
            "model_label": pl.String,
        },
    )
    with warehouse.connect() as db:
        db.replace_where("characteristic_phrases", phrase_rows, "day = ?", (day,), key=[])
        db.replace_where("post_flags", post_flags, "day = ?", (day,), key=["post_id"])

    the_lake = lake.lake()
    with tempfile.TemporaryDirectory() as scratch:
        clouds = write_word_clouds(groups, Path(scratch))
        paths = {}
        folder = the_lake.path(report_folder("wordclouds", day))
        the_lake.fs.makedirs(folder, exist_ok=True)  # a directory for a local lake; no-op on S3
        for group, png in clouds.items():
            target = f"{folder}/{png.name}"
            the_lake.fs.put(str(png), target)
            paths[group] = target
        shown = [g for g in ("sentiment:negative", "sentiment:positive") if g in clouds]
        images = "\n\n".join(
            f"**{g}**\n\n![{g}](data:image/png;base64,"
            f"{base64.b64encode(clouds[g].read_bytes()).decode()})"
            for g in shown
        )
    toxic = post_flags.filter("toxic")
    terms = (
        toxic.explode("matched_terms").group_by("matched_terms").len().sort("len", descending=True)
    )
    context.log.info(
        f"{day}: {len(groups)} groups, {len(clouds)} word clouds, {toxic.height} toxic"
    )
    return MaterializeResult(
        metadata={
            "posts": posts.height,
            "groups": len(groups),
            **model_metadata,
            "toxic_posts": toxic.height,
            "toxic_share": round(toxic.height / posts.height, 4),
            "top_toxic_terms": MetadataValue.json(dict(terms.head(10).iter_rows())),
            "characteristic_phrases": MetadataValue.md(
                "\n".join(
                    f"- **{group}**: " + ", ".join(p.text for p in found[:5])
                    for group, found in sorted(phrases.items())
                    if found
                )
                or "no phrase seen twice"
            ),
            "word_clouds": MetadataValue.json(paths),
            "word_clouds_preview": MetadataValue.md(images or "no words"),
        }
    )
