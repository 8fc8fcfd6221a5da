"""`socialpulse models list [KIND]` and `socialpulse models promote KIND VERSION|--back`: the
model registry in the lake (`socialpulse.models.registry`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from socialpulse.models.registry import ModelRegistry, ModelVersion

HISTORY_SHOWN = 5

models_app = typer.Typer(
    help="Trained models in the lake's model registry: list the versions, promote one (the "
    "stream and the CLI use the promoted version).",
    no_args_is_help=True,
    add_completion=False,
)


def _registry() -> ModelRegistry:
    from socialpulse.cli.checks import load_settings
    from socialpulse.models.registry import ModelRegistry

    return ModelRegistry.from_settings(load_settings())


@contextmanager
def _reaching(registry: ModelRegistry) -> Iterator[None]:
    """An unreachable lake is one line naming it and the setting, not a traceback."""
    try:
        yield
    except OSError as error:
        typer.echo(
            f"cannot read the model registry in the lake at {registry.lake.root} "
            f"($SOCIALPULSE_LAKE_URL): {error}",
            err=True,
        )
        raise typer.Exit(1) from error


def _metric(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def version_line(version: ModelVersion, promoted: str | None) -> str:
    """One version: promoted mark, name, creation, training data, code and metrics."""
    metrics = " ".join(
        f"{name}={_metric(value)}" for name, value in version.metrics.items() if value is not None
    )
    mark = "*" if version.version == promoted else " "
    return (
        f"{mark} {version.version}  created {version.created_at}  "
        f"data {version.fingerprint[:12]}  code {version.code_version}  {metrics}".rstrip()
    )


@models_app.command("list")
def list_models(
    kind: str | None = typer.Argument(
        None, metavar="[KIND]", help="Only this kind, e.g. sentiment."
    ),
) -> None:
    """Every published version, oldest first (* marks the promoted one), and the latest
    promotions."""
    registry = _registry()
    echo = typer.echo
    with _reaching(registry):
        kinds = [kind] if kind else registry.kinds()
        if not kinds:
            echo(
                f"no model is published in the lake at {registry.lake.root} yet: "
                "`socialpulse sentiment train` publishes one"
            )
            return
        for name in kinds:
            versions = registry.versions(name)
            if not versions:
                raise typer.BadParameter(
                    f"no {name} model is published in the lake at {registry.lake.root}; "
                    f"kinds with models: {', '.join(registry.kinds()) or 'none'}",
                    param_hint="KIND",
                )
            promoted = registry.promoted(name)
            echo(f"{name}: {len(versions)} version(s), promoted: {promoted or 'none'}")
            for version in versions:
                echo(version_line(version, promoted))
            promotions = registry.promotions(name)
            for promotion in promotions[-HISTORY_SHOWN:]:
                echo(f"  promoted {promotion.version} at {promotion.promoted_at}")
            if promotions and (previous := promotions[-1].previous):
                echo(f"  back to {previous}: socialpulse models promote {name} --back")


@models_app.command("promote")
def promote(
    kind: str = typer.Argument(..., metavar="KIND", help="The kind of model, e.g. sentiment."),
    version: str | None = typer.Argument(
        None,
        metavar="[VERSION]",
        help="The version to promote (`socialpulse models list KIND` shows them).",
    ),
    back: bool = typer.Option(
        False, "--back", help="Promote again the version promoted before the current one."
    ),
) -> None:
    """Make VERSION the one the stream and the CLI use (the stream switches within
    $SOCIALPULSE_MODEL_REFRESH_SECONDS, without a restart)."""
    from socialpulse.models.registry import UnknownModelError

    if version is not None and back:
        raise typer.BadParameter("give a VERSION or --back, not both", param_hint="VERSION")
    if version is None and not back:
        raise typer.BadParameter(
            f"give the version to promote (`socialpulse models list {kind}` shows them), or "
            "--back for the one promoted before the current one",
            param_hint="VERSION",
        )
    registry = _registry()
    with _reaching(registry):
        try:
            if version is not None and registry.promoted(kind) == version:
                registry.version(kind, version)  # still published
                typer.echo(f"{kind} model {version} is the promoted one already")
                return
            promotion = registry.promote_back(kind) if back else registry.promote(kind, version)
        except (UnknownModelError, ValueError) as error:
            raise typer.BadParameter(str(error), param_hint="VERSION") from error
    was = promotion.previous or "none"
    typer.echo(f"promoted {kind} model {promotion.version} (was {was})")
    if promotion.previous:
        typer.echo(f"to go back: socialpulse models promote {kind} --back")


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
