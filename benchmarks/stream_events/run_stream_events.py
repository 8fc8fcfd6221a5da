"""Event-level precision and recall of the stream's alerts on the generator's labelled events.

    PYTHONPATH=. .venv/bin/python benchmarks/stream_events/run_stream_events.py \
        --seeds 1 2 3 4 5 --hours 24 [--detector MODULE:FACTORY]

Per seed: a synthetic stream (default rates, one event of each kind in the second half of the
run, see `socialpulse.generator.events.default_events`) goes through the production dataflow
(`streaming_flows.pulse.build_flow`, in process with `TestingSource`/`TestingSink`, the
production defaults of `FlowConfig`/`MonitorConfig`, the shipped sentiment scorer) and its
alerts are matched to the events by `socialpulse.generator.evaluation.score_alerts`: strictly
(key and direction) and on the key alone. Prints markdown tables; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bytewax.connectors.kafka import KafkaSourceMessage
from bytewax.outputs import DynamicSink, StatelessSinkPartition
from bytewax.testing import TestingSink, TestingSource, run_main

from socialpulse.alerts import Alert
from socialpulse.enrichment import Enricher
from socialpulse.generator import GeneratorConfig, InjectedEvent, generate_messages
from socialpulse.generator.evaluation import StreamScore, combine, score_alerts
from socialpulse.monitoring import MonitorConfig
from socialpulse.sentiment import load_stream_scorer
from socialpulse.text import clean_text
from streaming_flows.pulse import FlowConfig, build_flow

DEFAULT_DETECTOR = "socialpulse.detection:build_detector"
KINDS = ("hashtag_burst", "keyword_burst", "collapse", "sentiment_crisis", "new_challenge")


@dataclass(frozen=True)
class SeedRun:
    seed: int
    posts: int
    seconds: float
    events: list[InjectedEvent]
    alerts: list[Alert]
    dead_letters: int


class _Discard(DynamicSink[Any]):
    """Drops the lake batches: the lake is not what is measured, and a list would grow."""

    def build(self, step_id: str, worker_index: int, worker_count: int) -> StatelessSinkPartition:
        class Partition(StatelessSinkPartition[Any]):
            def write_batch(self, items: list[Any]) -> None:
                pass

        return Partition()


def load_factory(spec: str) -> Callable[[], Any]:
    """`module:attribute` -> the detector factory it names, or a SystemExit saying what is wrong."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"--detector {spec!r}: expected MODULE:FACTORY, e.g. {DEFAULT_DETECTOR}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise SystemExit(
            f"--detector {spec!r}: cannot import {module_name!r} ({error}); "
            "run from the repository root with PYTHONPATH=."
        ) from error
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise SystemExit(f"--detector {spec!r}: {module_name} has no callable {attribute!r}")
    return factory


def flow_config(
    generator: GeneratorConfig,
    detector_factory: Callable[[], Any],
    score_threshold: float | None = None,
    early_alerts: bool | None = None,
) -> FlowConfig:
    """Production defaults, the generator's brands on the watch list, no batch baselines."""
    monitor = replace(MonitorConfig(), detector_factory=detector_factory)
    if score_threshold is not None:
        monitor = replace(monitor, score_threshold=score_threshold)
    if early_alerts is not None:
        monitor = replace(monitor, early_alerts=early_alerts)
    return FlowConfig(watchlist=generator.keywords, monitor=monitor)


def run_seed(
    seed: int,
    hours: float,
    detector_factory: Callable[[], Any],
    score_threshold: float | None = None,
    early_alerts: bool | None = None,
) -> SeedRun:
    generator = GeneratorConfig(
        count=sys.maxsize,  # the duration ends the stream
        seed=seed,
        duration=timedelta(hours=hours),
    )
    produced = 0

    def messages() -> Iterator[KafkaSourceMessage[bytes | None, bytes | None]]:
        nonlocal produced
        for offset, message in enumerate(generate_messages(generator)):
            produced += 1
            yield KafkaSourceMessage(
                message.key, message.value, topic="socialpulse.posts", partition=0, offset=offset
            )

    config = flow_config(generator, detector_factory, score_threshold, early_alerts)
    scorer = load_stream_scorer()
    dead: list[Any] = []
    alerts: list[Alert] = []
    flow = build_flow(
        source=TestingSource(messages(), batch_size=1000),
        dead_letter_sink=TestingSink(dead),
        lake_sink=_Discard(),
        alert_sinks=[TestingSink(alerts)],
        config=config,
        enricher_factory=lambda: Enricher(generator.keywords, clean_text, scorer),
    )
    began = time.perf_counter()
    run_main(flow)
    return SeedRun(
        seed=seed,
        posts=produced,
        seconds=time.perf_counter() - began,
        events=generator.resolved_events(),
        alerts=alerts,
        dead_letters=len(dead),
    )


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _delay(delays: Sequence[timedelta], window: timedelta, pick: Callable[..., Any]) -> str:
    if not delays:
        return "—"
    seconds = pick([d.total_seconds() for d in delays])
    return f"{seconds / window.total_seconds():.1f} w ({seconds:.0f} s)"


def score_table(labelled: Sequence[tuple[str, str, StreamScore]], window: timedelta) -> list[str]:
    """Markdown rows: one per (seed, posts) label and score, the last one usually the total."""
    lines = [
        "| seed | posts | alerts | true pos. | precision | "
        + " | ".join(k.replace("_", " ") for k in KINDS)
        + " | recall | delay median | delay max |",
        "| ---: | ---: | ---: | ---: | ---: | " + " | ".join(":---:" for _ in KINDS) + " | ---: "
        "| ---: | ---: |",
    ]
    for seed, posts, score in labelled:
        kinds = score.by_kind()
        cells = [f"{kinds[k][0]}/{kinds[k][1]}" if k in kinds else "—" for k in KINDS]
        delays = score.delays()
        lines.append(
            f"| {seed} | {posts} | {score.alerts} | {score.true_positives} | "
            f"{_ratio(score.precision)} | "
            + " | ".join(cells)
            + f" | {_ratio(score.recall)} | {_delay(delays, window, statistics.median)} | "
            f"{_delay(delays, window, max)} |"
        )
    return lines


def delay_table(
    runs: Sequence[SeedRun], scores: Sequence[StreamScore], window: timedelta
) -> list[str]:
    """Per seed and kind: windows from the event's start to its first matching alert's end."""
    lines = [
        "| seed | " + " | ".join(k.replace("_", " ") for k in KINDS) + " |",
        "| ---: | " + " | ".join("---:" for _ in KINDS) + " |",
    ]
    for run, score in zip(runs, scores, strict=True):
        by_kind = {o.event.kind: o.delay for o in score.outcomes}
        cells = [
            "missed" if by_kind.get(k) is None else f"{by_kind[k] / window:.1f}" for k in KINDS
        ]
        lines.append(f"| {run.seed} | " + " | ".join(cells) + " |")
    return lines


def false_positive_table(runs: Sequence[SeedRun], scores: Sequence[StreamScore]) -> list[str]:
    """False positives by direction and when they fall: in the history before the run's first
    event, on an event's key after that event ended (the detector re-learning), or elsewhere."""
    counts: dict[str, list[int]] = {}
    for run, score in zip(runs, scores, strict=True):
        first_start = min(e.start for e in run.events)
        for alert in score.false_positives:
            row = counts.setdefault(alert.direction, [0, 0, 0])
            key = f"{alert.key_kind}:{alert.key}"
            if alert.window_start < first_start:
                row[0] += 1
            elif any(e.key == key and alert.window_start >= e.end for e in run.events):
                row[1] += 1
            else:
                row[2] += 1
    lines = [
        "| direction | in the history | on an event's key after it | elsewhere |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {d} | {c[0]} | {c[1]} | {c[2]} |" for d, c in sorted(counts.items())]
    return lines


def report(runs: Sequence[SeedRun], window: timedelta, grace_windows: int) -> str:
    sections = []
    for title, strict in (("Key and direction", True), ("Key only", False)):
        scores = [
            score_alerts(r.events, r.alerts, window, grace_windows, match_direction=strict)
            for r in runs
        ]
        rows = [(str(r.seed), f"{r.posts:,}", s) for r, s in zip(runs, scores, strict=True)]
        rows.append(("**all**", f"{sum(r.posts for r in runs):,}", combine(scores)))
        sections.append(f"### {title}\n\n" + "\n".join(score_table(rows, window)))
        if strict:
            sections.append(
                "Detection delay per event (windows; key and direction):\n\n"
                + "\n".join(delay_table(runs, scores, window))
            )
            sections.append(
                "False positives, all seeds (key and direction):\n\n"
                + "\n".join(false_positive_table(runs, scores))
            )
    return "\n\n".join(sections)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--hours", type=float, default=24.0, help="Event time per seed.")
    parser.add_argument(
        "--detector",
        default=DEFAULT_DETECTOR,
        help="MODULE:FACTORY building one key's detector (default: the monitor's).",
    )
    parser.add_argument(
        "--grace", type=int, default=3, help="Windows after an event's end an alert still counts."
    )
    parser.add_argument(
        "--score-threshold",
        type=float,
        default=None,
        help="The monitor's alarm level of volume scores (default: MonitorConfig's).",
    )
    parser.add_argument(
        "--early-alerts",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Spike alerts while windows are open, or not (default: MonitorConfig's).",
    )
    args = parser.parse_args(argv)
    factory = load_factory(args.detector)
    window = FlowConfig().window
    runs = []
    for seed in args.seeds:
        run = run_seed(seed, args.hours, factory, args.score_threshold, args.early_alerts)
        runs.append(run)
        print(
            f"seed {seed}: {run.posts:,} posts ({run.posts / run.seconds:,.0f}/s), "
            f"{len(run.alerts)} alerts, {run.dead_letters} dead letters in {run.seconds:.1f} s",
            file=sys.stderr,
        )
    print(
        f"detector {args.detector}, {args.hours:g} h of event time per seed, window {window}, "
        f"grace {args.grace} windows, volume alarm "
        f"{args.score_threshold or MonitorConfig().score_threshold}, early alerts "
        f"{MonitorConfig().early_alerts if args.early_alerts is None else args.early_alerts}\n"
    )
    print(report(runs, window, args.grace))


if __name__ == "__main__":
    main()
