"""Secrets kept out of everything the project prints, logs or answers.

Connection URLs carry passwords (`postgresql://user:password@host/db`, `?password=...`); every
place that shows a URL or a message that may contain one passes it through `redact` first.
"""

from __future__ import annotations

import re

MASK = "***"

# The user-info part of any `scheme://user[:password]@` in the text.
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s@?#]+@")
# Query or key=value parameters that carry a credential (libpq accepts `?password=...`).
_SECRET_PARAMETER = re.compile(
    r"(?P<name>\b[\w.]*(?:password|passwd|secret|token|api_key|apikey)[\w.]*=)[^&\s;'\"]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with the user and password of every URL and credential parameters masked.

    >>> redact("postgresql://sp:hunter2@db:5432/socialpulse?sslmode=require&password=x")
    'postgresql://***@db:5432/socialpulse?sslmode=require&password=***'
    >>> redact("duckdb:///srv/state/warehouse.duckdb")
    'duckdb:///srv/state/warehouse.duckdb'
    """
    masked = _USERINFO.sub(rf"\g<scheme>{MASK}@", text)
    return _SECRET_PARAMETER.sub(rf"\g<name>{MASK}", masked)
