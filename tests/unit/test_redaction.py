"""Passwords never leave the process in printed URLs or messages."""

import pytest

from socialpulse.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://sp:hunter2@db:5432/x", "postgresql://***@db:5432/x"),
        ("postgresql://postgres@127.0.0.1:5432/x", "postgresql://***@127.0.0.1:5432/x"),
        ("postgresql://db/x?user=sp&password=hunter2", "postgresql://db/x?user=sp&password=***"),
        (
            "could not connect to postgresql://a:b@h/x: timeout",
            "could not connect to postgresql://***@h/x: timeout",
        ),
        ("s3://bucket/prefix", "s3://bucket/prefix"),
        ("duckdb:///srv/state/warehouse.duckdb", "duckdb:///srv/state/warehouse.duckdb"),
        ("https://hooks.example/x?token=abc123&v=1", "https://hooks.example/x?token=***&v=1"),
        ("sasl.password=s3cret", "sasl.password=***"),
    ],
)
def test_redact_masks_credentials_and_keeps_the_rest(text: str, expected: str) -> None:
    assert redact(text) == expected
