"""What a user can get wrong on the command line ends in one clear message and a non-zero exit,
never a traceback (DESIGN.md, runtime contracts)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from socialpulse import __version__
from socialpulse.cli import detect as detect_cli
from socialpulse.cli import stream as stream_cli
from socialpulse.cli.main import app
from socialpulse.services import local
from socialpulse.settings import get_settings


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def said(result: Result) -> str:
    """The output with rich's panel borders and line wrapping taken out."""
    text = result.output
    for border in "│╭╮╰╯─":
        text = text.replace(border, " ")
    return " ".join(text.split())


def assert_usage_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in said(result), said(result)


@pytest.fixture
def fresh_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings read anew from the environment each test gives, on a state directory of its
    own and never the developer's broker; yields that state directory."""
    state = tmp_path / "state"
    monkeypatch.setenv("SOCIALPULSE_STATE_DIR", str(state))
    monkeypatch.setenv("SOCIALPULSE_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    get_settings.cache_clear()
    yield state
    get_settings.cache_clear()


@pytest.fixture
def nothing_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail, rather than start or reach a service, should a check under test let a command by."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("got past the checks")

    for name in ("up", "down", "status"):
        monkeypatch.setattr(local, name, refuse)
    monkeypatch.setattr(stream_cli, "broker_problem", refuse)
    monkeypatch.setattr("streaming_flows.runner.run_flow", refuse)
    monkeypatch.setattr("uvicorn.run", refuse)


@pytest.fixture
def series(tmp_path: Path) -> Path:
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n2015-02-26 21:40:00,3\n2015-02-26 21:45:00,4\n")
    return path


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (
            "timestamp,value\n2015-02-26 21:40:00,3\nyesterday,4\n",
            ("line 3: cannot read timestamp 'yesterday'", "ISO 8601"),
        ),
        ("timestamp,value\n2015-02-26 21:40:00,many\n", ("line 2: cannot read value 'many'",)),
        ("", ("is empty; expected a header timestamp,value",)),
        ("time,count\nx,1\n", ("lacks column(s) timestamp, value",)),
        ("timestamp,value\n2015-02-26 21:40:00,3,extra,fields\n", ("is not a readable CSV",)),
    ],
    ids=["bad-timestamp", "bad-value", "empty", "missing-columns", "ragged"],
)
def test_detect_names_what_is_wrong_in_the_input(
    tmp_path: Path, content: str, fragments: tuple[str, ...]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(content)
    result = run("detect", str(source), "-o", str(tmp_path / "out.csv"))
    assert_usage_error(result, "INPUT_CSV", *fragments)
    assert not (tmp_path / "out.csv").exists()


def test_detect_rejects_a_folder_as_input(tmp_path: Path) -> None:
    result = run("detect", str(tmp_path), "-o", str(tmp_path / "out.csv"))
    assert_usage_error(result, "is a directory")


def test_detect_checks_the_output_folder_before_reading(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")  # would fail too, but only after the output is checked
    result = run("detect", str(empty), "-o", str(tmp_path / "missing" / "out.csv"))
    assert_usage_error(result, "--output", f"folder {tmp_path / 'missing'} does not exist")


def test_detect_reports_progress_on_long_inputs(
    tmp_path: Path, series: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(detect_cli, "PROGRESS_ROWS", 2)
    stamps = [f"2015-02-26 {hour:02d}:00:00" for hour in range(5)]
    source = tmp_path / "five.csv"
    pl.DataFrame({"timestamp": stamps, "value": [1, 2, 3, 4, 5]}).write_csv(source)
    result = run("detect", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert "scored 2 of 5 rows (40%)" in result.output
    assert "scored 4 of 5 rows (80%)" in result.output
    assert "scored 6" not in result.output


def test_sentiment_scores_undecodable_lines_as_empty_and_names_them(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_bytes(
        b"\xef\xbb\xbfI love this\n" + b"caf\xe9 latin-1\n" + b"awful, never again\r\n\xff\n"
    )
    output = tmp_path / "out.csv"
    result = run("sentiment", "-i", str(source), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert f"{source}: line(s) 2, 4 are not valid UTF-8; scored as empty" in said(result)
    scored = pl.read_csv(output)
    assert scored["text"].fill_null("").to_list() == ["I love this", "", "awful, never again", ""]
    assert scored["label"].to_list() == ["positive", "neutral", "negative", "neutral"]


def test_sentiment_rejects_a_folder_and_a_missing_output_folder(tmp_path: Path) -> None:
    assert_usage_error(
        run("sentiment", "-i", str(tmp_path), "-o", str(tmp_path / "o.csv")), "is a directory"
    )
    source = tmp_path / "texts.txt"
    source.write_text("hello\n")
    result = run("sentiment", "-i", str(source), "-o", str(tmp_path / "no" / "o.csv"))
    assert_usage_error(result, "--output", "does not exist")


def test_sentiment_explains_a_wrong_model_path(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_text("hello\n")
    out = str(tmp_path / "o.csv")
    missing = tmp_path / "no-model"
    result = run("sentiment", "-i", str(source), "-o", out, "--model", str(missing))
    assert_usage_error(result, "--model", f"no sentiment model at {missing}")
    not_a_model = tmp_path / "model.joblib"
    not_a_model.write_text("not a pickle")
    result = run("sentiment", "-i", str(source), "-o", out, "--model", str(not_a_model))
    assert_usage_error(result, "--model", "cannot load the sentiment model")
    result = run(
        "sentiment", "-i", str(source), "-o", out, env={"SOCIALPULSE_SENTIMENT_MODEL": str(missing)}
    )
    assert_usage_error(result, "$SOCIALPULSE_SENTIMENT_MODEL", "no sentiment model")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--shape", "instagram"), ("--shape", "expected one of tiktok, twitter, canonical")),
        (("--malformed-rate", "1.5"), ("--malformed-rate", "up to (not including) 1", "1.5")),
        (("--malformed-rate", "lots"), ("--malformed-rate", "valid number")),
        (("--count", "-5"), ("--count", "greater than or equal to 1")),
        (("--rate", "0"), ("--rate", "above 0")),
        (("--duration", "-1"), ("--duration", "above 0")),
    ],
    ids=["shape", "malformed-rate", "malformed-rate-text", "count", "rate", "duration"],
)
def test_generate_rejects_bad_options(
    tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    target = tmp_path / "posts.ndjson"
    assert_usage_error(run("generate", "--to", str(target), *args), *fragments)
    assert not target.exists()


def test_generate_checks_its_output_folders(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = run("generate", "--to", str(missing / "posts.ndjson"), "--count", "3")
    assert_usage_error(result, "--to", f"folder {missing} does not exist")
    result = run("generate", "--count", "3", "--ground-truth", str(missing / "truth.csv"))
    assert_usage_error(result, "--ground-truth", "does not exist")


def test_replay_rejects_a_folder(tmp_path: Path) -> None:
    assert_usage_error(run("replay", str(tmp_path), "--to", "-"), "is a directory")


@pytest.mark.parametrize("day", ["2026-13-01", "yesterday", "20260105", "2026-1-5"])
def test_batch_rejects_a_day_that_is_not_a_date(day: str) -> None:
    assert_usage_error(run("batch", "--day", "2026-01-05", "--day", day), f"'{day}' is not a day")


def test_demo_rejects_bad_sizes() -> None:
    assert_usage_error(run("demo", "--posts", "0"), "--posts", "greater than or equal to 1")
    assert_usage_error(run("demo", "--malformed-rate", "1"), "--malformed-rate")


def test_version_and_python_dash_m(tmp_path: Path) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"socialpulse {__version__}"
    module = subprocess.run(
        [sys.executable, "-m", "socialpulse", "--version"],
        cwd=tmp_path,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert module.returncode == 0, module.stderr
    assert module.stdout.strip() == f"socialpulse {__version__}"


def test_stream_offers_no_recovery_once() -> None:
    result = run("stream", "--help")
    assert result.exit_code == 0
    assert "--no-recovery" in result.output
    assert "--no-no-recovery" not in result.output


A_FILE = "<a file>"  # replaced by the path of a file that exists

# Environments with a bad `SOCIALPULSE_*` variable, and what the one-line error must say.
MALFORMED_SETTINGS = [
    pytest.param(
        {"SOCIALPULSE_KAFKA_PORT": "abc"},
        ("$SOCIALPULSE_KAFKA_PORT", "valid integer", "got 'abc'", "environment or in .env"),
        id="port-text",
    ),
    pytest.param(
        {"SOCIALPULSE_KAFKA_PORT": "70000"},
        ("$SOCIALPULSE_KAFKA_PORT", "less than or equal to 65535", "got '70000'"),
        id="port-range",
    ),
    pytest.param(
        {"SOCIALPULSE_SEAWEEDFS_FILER_PORT": "60000"},
        ("$SOCIALPULSE_SEAWEEDFS_FILER_PORT", "less than or equal to 55535"),
        id="grpc-port-range",
    ),
    pytest.param(
        {"SOCIALPULSE_LOG_LEVEL": "loud", "SOCIALPULSE_S3_PORT": "0"},
        ("$SOCIALPULSE_LOG_LEVEL", "got 'LOUD'", "$SOCIALPULSE_S3_PORT", "fix them"),
        id="two-at-once",
    ),
    pytest.param(
        {"SOCIALPULSE_WEBHOOK_RETRY_SECONDS": "soon"},
        ("$SOCIALPULSE_WEBHOOK_RETRY_SECONDS", "positive seconds", "got 'soon'"),
        id="retry-seconds",
    ),
    pytest.param(
        {"SOCIALPULSE_STATE_DIR": A_FILE},
        ("$SOCIALPULSE_STATE_DIR", "is a file, not a folder"),
        id="state-dir-is-a-file",
    ),
]


def with_a_file(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    return {name: str(a_file) if value == A_FILE else value for name, value in env.items()}


@pytest.mark.parametrize(
    "command",
    [
        ("services", "up"),
        ("services", "down"),
        ("services", "status"),
        ("stream",),
        ("dashboard",),
        ("alerts", "redeliver"),
        ("batch",),
        ("demo",),
        ("generate", "--to", "kafka://127.0.0.1:1/posts", "--count", "1"),
        ("sentiment", "train", "--data", "/"),
    ],
    ids=lambda command: " ".join(command[:2]),
)
@pytest.mark.parametrize(("env", "fragments"), MALFORMED_SETTINGS)
@pytest.mark.usefixtures("fresh_settings", "nothing_starts")
def test_a_malformed_setting_is_one_line_before_anything_starts(
    tmp_path: Path, command: tuple[str, ...], env: dict[str, str], fragments: tuple[str, ...]
) -> None:
    assert_usage_error(run(*command, env=with_a_file(env, tmp_path)), *fragments)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--workers", "0"), ("--workers", "greater than or equal to 1")),
        (("--workers", "many"), ("--workers", "valid integer")),
        (("--recovery-partitions", "0"), ("--recovery-partitions", "greater than or equal to 1")),
        (("--process-id", "-1"), ("--process-id", "greater than or equal to 0")),
        (("--process-id", "0"), ("--process-id", "needs --addresses", "leave out --process-id")),
        (("-a", "10.0.0.1:2101;10.0.0.2:2101"), ("--addresses", "add --process-id 0 to 1")),
        (
            ("-i", "2", "-a", "10.0.0.1:2101;10.0.0.2:2101"),
            ("--process-id", "2 is not an index of the 2 --addresses; use 0 to 1"),
        ),
        (("-i", "0", "-a", "stream-0"), ("--addresses", "'stream-0' is not host:port")),
        (("-i", "0", "-a", "h:2101;h:99999"), ("--addresses", "'h:99999' is not host:port")),
        (("--recovery-dir", A_FILE), ("--recovery-dir", "is a file; give a folder")),
    ],
    ids=[
        "workers-0",
        "workers-text",
        "recovery-partitions-0",
        "process-id-negative",
        "process-id-alone",
        "addresses-alone",
        "process-id-out-of-range",
        "address-without-port",
        "port-out-of-range",
        "recovery-dir-is-a-file",
    ],
)
@pytest.mark.usefixtures("fresh_settings", "nothing_starts")
def test_stream_rejects_bad_options_before_reaching_the_broker(
    tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    args = tuple(str(a_file) if arg == A_FILE else arg for arg in args)
    assert_usage_error(run("stream", *args), *fragments)


@pytest.mark.usefixtures("fresh_settings", "nothing_starts")
def test_stream_names_a_recovery_dir_setting_that_is_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    result = run("stream", env={"SOCIALPULSE_RECOVERY_DIR": str(a_file)})
    assert_usage_error(result, "$SOCIALPULSE_RECOVERY_DIR", f"{a_file} is a file")


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        (
            {"SOCIALPULSE_KAFKA_SECURITY_PROTOCOL": "bogus"},
            'invalid Kafka client setting: Invalid value "bogus" for configuration property '
            '"security.protocol"; check the SOCIALPULSE_KAFKA_* variables',
        ),
        (
            {"SOCIALPULSE_KAFKA_BOOTSTRAP": ""},
            "SOCIALPULSE_KAFKA_BOOTSTRAP is empty; set it to the broker's host:port",
        ),
    ],
    ids=["security-protocol", "empty-bootstrap"],
)
def test_stream_explains_a_kafka_setting_it_cannot_use(
    tmp_path: Path, env: dict[str, str], fragment: str
) -> None:
    """In a process of its own: the stream sets up logging for the whole process."""
    result = subprocess.run(
        [sys.executable, "-m", "socialpulse", "stream", "--no-recovery"],
        cwd=tmp_path,
        env={**os.environ, "SOCIALPULSE_STATE_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--port", "0"), ("--port", "greater than or equal to 1")),
        (("--port", "70000"), ("--port", "less than or equal to 65535")),
        (("--port", "web"), ("--port", "valid integer")),
        (("--poll-seconds", "0"), ("--poll-seconds", "above 0", "got 0.0")),
        (("--poll-seconds", "-2"), ("--poll-seconds", "above 0", "got -2.0")),
        (("--poll-seconds", "nan"), ("--poll-seconds", "got nan")),
        (("--poll-seconds", "inf"), ("--poll-seconds", "finite", "got inf")),
        (
            ("--host", "nohost.invalid"),
            ("--host", "cannot resolve 'nohost.invalid'", "127.0.0.1 or 0.0.0.0"),
        ),
        (
            ("--host", "192.0.2.1"),  # TEST-NET-1: never an address of this machine
            ("--host", "cannot listen on 192.0.2.1:", "127.0.0.1 or 0.0.0.0"),
        ),
    ],
    ids=[
        "port-0",
        "port-out-of-range",
        "port-text",
        "poll-0",
        "poll-negative",
        "poll-nan",
        "poll-inf",
        "host-unknown",
        "host-not-local",
    ],
)
@pytest.mark.usefixtures("fresh_settings", "nothing_starts")
def test_dashboard_rejects_bad_options_before_serving(
    args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    assert_usage_error(run("dashboard", "--port", "18050", *args), *fragments)


@pytest.mark.usefixtures("fresh_settings", "nothing_starts")
def test_dashboard_names_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("dashboard", "--port", str(port))
    assert_usage_error(result, "--port", f"port {port} on 127.0.0.1 is in use")


@pytest.mark.usefixtures("fresh_settings", "nothing_starts")
def test_dashboard_rejects_a_warehouse_url_it_cannot_read() -> None:
    result = run("dashboard", env={"SOCIALPULSE_WAREHOUSE_URL": "mysql://sp:hunter2@db/social"})
    assert_usage_error(
        result, "$SOCIALPULSE_WAREHOUSE_URL", "unsupported warehouse URL 'mysql://***@db/social'"
    )
    assert "hunter2" not in result.output


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "12:00 tomorrow"])
@pytest.mark.usefixtures("fresh_settings")
def test_alerts_redeliver_rejects_a_since_that_is_not_a_time(since: str) -> None:
    result = run("alerts", "redeliver", "--since", since)
    assert_usage_error(result, "--since", f"'{since}' is not an ISO date or time")


@pytest.mark.parametrize("kind", ["not-a-database", "a-folder"])
@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)], ids=["requeue", "dry-run"])
def test_alerts_redeliver_names_an_outbox_it_cannot_read(
    fresh_settings: Path, kind: str, dry_run: tuple[str, ...]
) -> None:
    path = fresh_settings / "outbox" / "outbox-0.sqlite3"
    if kind == "a-folder":
        path.mkdir(parents=True)
    else:
        path.parent.mkdir(parents=True)
        path.write_text("not sqlite")
    result = run("alerts", "redeliver", *dry_run)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert f"error: cannot read the webhook outbox {path} (" in said(result)
    assert f"move this one out of {path.parent}" in said(result)


@pytest.mark.parametrize(
    ("data", "args", "fragments"),
    [
        ("missing", (), ("--data", "does not exist")),
        ("empty-dir", (), ("empty-dir: no <split>_text.txt with its _labels.txt",)),
        ("headers.tsv", (), ("headers.tsv: no ['label', 'text'] column",)),
        ("notes.txt", (), ("notes.txt: give a directory of <split>_text.txt pairs or a .tsv",)),
        ("few.tsv", (), ("at least 5 examples for --folds=5", "lower --folds")),
        ("words.tsv", (), ("words.tsv:2: label 'positive' is not one of 0, 1",)),
        ("empty-dir", ("--folds", "1"), ("--folds", "greater than or equal to 2")),
        ("empty-dir", ("--kind", "bert"), ("--kind", "'bert' is not one of")),
        ("empty-dir", ("--exclude", "missing.txt"), ("--exclude", "does not exist")),
    ],
    ids=[
        "missing",
        "empty-dir",
        "tsv-header",
        "not-tsv",
        "few",
        "label-word",
        "folds",
        "kind",
        "exclude",
    ],
)
def test_sentiment_train_rejects_bad_data_and_options(
    tmp_path: Path, data: str, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "headers.tsv").write_text("a\tb\n1\t2\n")
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "few.tsv").write_text("label\ttext\n2\tgreat\n")
    (tmp_path / "words.tsv").write_text("label\ttext\npositive\tgreat\n")
    args = tuple(str(tmp_path / arg) if arg == "missing.txt" else arg for arg in args)
    output = tmp_path / "model"
    result = run(
        "sentiment", "train", "--data", str(tmp_path / data), "--output", str(output), *args
    )
    assert_usage_error(result, *fragments)
    assert not output.exists()
