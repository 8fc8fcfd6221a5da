import gzip
from pathlib import Path

import orjson
import zstandard

from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.replay import read_lines, replay, stamp


def _dump(path: Path, lines: list[bytes]) -> Path:
    data = b"\n".join(lines) + b"\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif path.suffix == ".zst":
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        path.write_bytes(data)
    return path


def test_all_compressions_read_the_same_lines(tmp_path: Path) -> None:
    lines = [b'{"a": 1}', b'{"b": 2}']
    for name in ("d.ndjson", "d.ndjson.gz", "d.ndjson.zst"):
        assert list(read_lines(_dump(tmp_path / name, lines))) == lines


def test_replay_sends_in_event_time_order_stamps_and_reports_rejects(tmp_path: Path) -> None:
    messages = list(generate_messages(GeneratorConfig(count=60, malformed_rate=0.2, seed=5)))
    shuffled = list(reversed([m.value for m in messages]))
    dump = _dump(tmp_path / "dump.ndjson.gz", shuffled)
    sent: list[bytes] = []
    report = replay(dump, sent.append, clock=lambda: 1_700_000_000.0)
    bad = sum(m.malformed for m in messages)
    assert (report.sent, report.rejected) == (60 - bad, bad)
    assert sum(report.rejected_reasons.values()) == bad
    times = [int(orjson.loads(v)["itemInfos"]["createTime"]) for v in sent]
    assert times == sorted(times)
    assert {orjson.loads(v)["time_stamp"] for v in sent} == {1_700_000_000}


def test_send_rejected_sends_every_line(tmp_path: Path) -> None:
    dump = _dump(tmp_path / "d.ndjson", [b"not json", stamp(b'{"x": 1}', 0)])
    sent: list[bytes] = []
    report = replay(dump, sent.append, send_rejected=True)
    # {"x": 1} is unknown_format: both lines are rejects, sent after the (zero) good ones.
    assert (report.sent, report.rejected) == (2, 2)
    assert sent == [b"not json", b'{"x": 1}']


def test_speed_paces_by_event_time(tmp_path: Path) -> None:
    messages = [m.value for m in generate_messages(GeneratorConfig(count=5, seed=2))]
    dump = _dump(tmp_path / "d.ndjson", messages)
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    replay(dump, lambda _: None, speed=2.0, sleep=sleep, clock=lambda: now[0])
    created = [int(orjson.loads(m)["itemInfos"]["createTime"]) for m in messages]
    assert abs(sum(waits) - (created[-1] - created[0]) / 2.0) < 1e-6
