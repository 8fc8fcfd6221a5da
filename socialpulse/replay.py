"""Replay an ndjson dump (plain, .gz or .zst) to Kafka in event-time order.

Each line is parsed to find its event time; lines are sent sorted by it (stable, so equal times
keep file order), paced at `speed` times real time (0 = as fast as possible). Like the seed's
producer, TikTok-shaped records get a `time_stamp` (epoch seconds of sending). Lines that do not
parse are counted and reported; with `send_rejected` they are sent too (after the good ones), so
the stream's dead-letter topic can be exercised with real bad input.
"""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import zstandard

from socialpulse.adapters import parse_message


@dataclass
class ReplayReport:
    sent: int = 0
    rejected: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=dict)


def read_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as raw:
        if path.suffix == ".gz":
            stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw)
        elif path.suffix == ".zst":
            stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw))
        else:
            stream = raw
        for line in stream:
            line = line.strip()
            if line:
                yield line


def stamp(line: bytes, now: float) -> bytes:
    """Add the seed's streaming `time_stamp` to TikTok-shaped records; others pass unchanged."""
    try:
        payload = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line
    if isinstance(payload, dict) and "itemInfos" in payload:
        payload["time_stamp"] = int(now)
        return orjson.dumps(payload)
    return line


def plan(path: Path) -> tuple[list[tuple[float, bytes]], list[tuple[str, bytes]]]:
    """Good lines with their event time (sorted), and rejected lines with their reason."""
    good: list[tuple[float, bytes]] = []
    bad: list[tuple[str, bytes]] = []
    for line in read_lines(path):
        result = parse_message(line)
        if result.reason is not None:
            bad.append((result.reason, line))
        else:
            good.append((min(p.created_at.timestamp() for p in result.posts), line))
    good.sort(key=lambda item: item[0])
    return good, bad


def replay(
    path: Path,
    send: Callable[[bytes], None],
    speed: float = 0.0,
    send_rejected: bool = False,
    progress: Callable[[int], None] = lambda sent: None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> ReplayReport:
    good, bad = plan(path)
    report = ReplayReport(rejected=len(bad))
    for reason, _ in bad:
        report.rejected_reasons[reason] = report.rejected_reasons.get(reason, 0) + 1
    started_wall = clock()
    first_event = good[0][0] if good else 0.0
    for event_time, line in good:
        if speed > 0:
            due = started_wall + (event_time - first_event) / speed
            if (wait := due - clock()) > 0:
                sleep(wait)
        send(stamp(line, clock()))
        report.sent += 1
        progress(report.sent)
    if send_rejected:
        for _, line in bad:
            send(line)
            report.sent += 1
            progress(report.sent)
    return report
