"""Log level and format come from the settings; the JSON format is one object per line."""

import io
import json
import logging

import pytest

from socialpulse.logging_setup import configure_logging
from socialpulse.settings import Settings


@pytest.fixture(autouse=True)
def _restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_format_writes_one_object_per_record_at_the_chosen_level() -> None:
    settings = Settings(log_level="warning", log_format="json")
    out = io.StringIO()
    configure_logging(settings.log_level, settings.log_format, out)
    log = logging.getLogger("socialpulse.test")
    log.info("not shown at WARNING")
    log.warning("topic %s partition %d", "posts", 3)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = out.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["level"], r["logger"], r["message"]) for r in records] == [
        ("WARNING", "socialpulse.test", "topic posts partition 3"),
        ("ERROR", "socialpulse.test", "failed"),
    ]
    assert "ValueError: boom" in records[1]["exception"]
    assert records[0]["time"].endswith("+00:00")


def test_text_format_names_level_and_logger() -> None:
    out = io.StringIO()
    configure_logging("DEBUG", "text", out)
    logging.getLogger("socialpulse.test").debug("hello")
    assert out.getvalue().rstrip().endswith("DEBUG socialpulse.test: hello")


def test_settings_reject_an_unknown_level_or_format() -> None:
    with pytest.raises(ValueError, match="log_level"):
        Settings(log_level="LOUD")
    with pytest.raises(ValueError, match="log_format"):
        Settings(log_format="xml")
