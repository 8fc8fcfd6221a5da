"""`socialpulse generate` and `socialpulse replay`: producers that need no external account."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import typer
from rich.console import Console
from rich.progress import Progress

from socialpulse.cli.checks import load_settings, positive, share, writable_output
from socialpulse.settings import Settings, get_settings

console = Console(stderr=True)


def parse_kafka_target(target: str, settings: Settings) -> tuple[str, str]:
    """`kafka://host:port/topic` → (bootstrap, topic); host and topic default to the settings."""
    parsed = urlparse(target)
    bootstrap = parsed.netloc or settings.kafka_bootstrap
    topic = parsed.path.lstrip("/") or settings.posts_topic
    return bootstrap, topic


@contextmanager
def open_target(target: str) -> Iterator[tuple[Callable[[bytes, bytes | None], None], str]]:
    """A send function for `kafka://…`, a file path, or `-` (stdout), and a description."""
    if target.startswith("kafka://"):
        from socialpulse.kafka_producer import PostProducer

        settings = load_settings(get_settings)
        bootstrap, topic = parse_kafka_target(target, settings)
        with PostProducer(settings.model_copy(update={"kafka_bootstrap": bootstrap})) as producer:
            yield (lambda value, key: producer.send(topic, value, key=key)), f"{bootstrap}/{topic}"
        return
    if target == "-":
        out = sys.stdout.buffer
        yield (lambda value, key: out.write(value + b"\n")), "stdout"
        out.flush()
        return
    with open(target, "wb") as handle:
        yield (lambda value, key: handle.write(value + b"\n")), target


def generate(
    to: str = typer.Option("-", help="kafka://host:port/topic, a .ndjson file, or - for stdout."),
    shape: str = typer.Option("tiktok", help="tiktok (pushshift), twitter (v2) or canonical."),
    count: int = typer.Option(1000, min=1, help="Messages to produce (malformed included)."),
    duration: float | None = typer.Option(
        None,
        help="Stop after this many seconds of event time, if before --count.",
    ),
    rate: float = typer.Option(60.0, help="Posts per minute at the daily peak."),
    realtime: bool = typer.Option(False, help="Pace sending so event time follows the clock."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same stream."),
    start: datetime | None = typer.Option(
        None, help="Event time of the first post (ISO, UTC). Default: now, or now - span."
    ),
    malformed_rate: float = typer.Option(0.0, help="Share of malformed records (0 to <1)."),
    ground_truth: Path | None = typer.Option(None, help="Write the injected events here."),
    keywords: str = typer.Option("acme,zestcola", help="Comma-separated brand keywords."),
) -> None:
    """Produce a seeded synthetic stream with injected, labelled events."""
    from socialpulse.generator import GeneratorConfig, generate_messages
    from socialpulse.generator.synthetic import SHAPES, write_ground_truth

    if shape not in SHAPES:
        raise typer.BadParameter(
            f"expected one of {', '.join(SHAPES)}; got {shape!r}", param_hint="--shape"
        )
    share(malformed_rate, "--malformed-rate")
    positive(rate, "--rate")
    if duration is not None:
        positive(duration, "--duration")
    if ground_truth is not None:
        writable_output(ground_truth, "--ground-truth")
    if not to.startswith("kafka://") and to != "-":
        writable_output(Path(to), "--to")

    now = datetime.now(UTC).replace(microsecond=0)
    config = GeneratorConfig(
        count=count,
        shape=shape,
        seed=seed,
        start=now,
        posts_per_minute=rate,
        malformed_rate=malformed_rate,
        keywords=tuple(k.strip() for k in keywords.split(",") if k.strip()),
        duration=timedelta(seconds=duration) if duration else None,
    )
    if start is not None:
        config = replace(config, start=start if start.tzinfo else start.replace(tzinfo=UTC))
    elif not realtime:
        # As fast as possible: end the generated span at about now.
        config = replace(config, start=now - config.expected_duration)
    if ground_truth is not None:
        write_ground_truth(config, str(ground_truth))
    sent = malformed = 0
    began = time.monotonic()
    with open_target(to) as (send, where), Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"generating to {where}", total=count)
        for message in generate_messages(config):
            if realtime and message.post is not None:
                wait = (message.post.created_at - config.start).total_seconds() - (
                    time.monotonic() - began
                )
                if wait > 0:
                    time.sleep(wait)
            send(message.value, message.key)
            sent += 1
            malformed += message.malformed
            bar.advance(task)
    elapsed = time.monotonic() - began
    console.print(
        f"sent {sent} messages ({malformed} malformed) to {where} in {elapsed:.1f} s "
        f"({sent / max(elapsed, 1e-9):,.0f}/s)"
        + (f"; ground truth in {ground_truth}" if ground_truth else "")
    )


def replay(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="An .ndjson, .ndjson.gz or .ndjson.zst dump."
    ),
    to: str = typer.Option("kafka://", help="kafka://host:port/topic (defaults from settings)."),
    speed: float = typer.Option(0.0, min=0, help="Times real time; 0 sends as fast as possible."),
    send_rejected: bool = typer.Option(
        False, help="Also send lines that do not parse (to exercise the dead-letter topic)."
    ),
) -> None:
    """Replay a dump in event-time order, stamping `time_stamp` as the seed's producer did."""
    from socialpulse.replay import replay as run_replay

    began = time.monotonic()
    with open_target(to) as (send, where), Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"replaying {file.name} to {where}", total=None)
        report = run_replay(
            file,
            lambda line: send(line, None),
            speed=speed,
            send_rejected=send_rejected,
            progress=lambda sent: bar.update(task, completed=sent),
        )
    reasons = ", ".join(f"{k}: {v}" for k, v in sorted(report.rejected_reasons.items()))
    console.print(
        f"sent {report.sent}, rejected {report.rejected}"
        + (f" ({reasons})" if reasons else "")
        + (" (sent too)" if send_rejected and report.rejected else "")
        + f" in {time.monotonic() - began:.1f} s"
    )


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
    app.command("replay")(replay)
