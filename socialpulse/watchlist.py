"""The brand watch-list: `SOCIALPULSE_WATCHLIST` plus the terms edited in the dashboard.

The dashboard saves its terms to `<state_dir>/watchlist.txt`, one per line, so the stream and the
dashboard share one list without a database. Terms are lower-cased and stripped like
`Settings.watchlist_terms`; blank lines and `#` comments in the file are ignored.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from socialpulse.settings import Settings

MAX_TERM_LENGTH = 100


def watchlist_path(settings: Settings) -> Path:
    return settings.state_dir / "watchlist.txt"


def normalise_terms(terms: Iterable[str]) -> tuple[str, ...]:
    """Lower-cased, stripped, de-duplicated terms in first-seen order; raises on a bad term."""
    seen: dict[str, None] = {}
    for raw in terms:
        term = raw.strip().lower()
        if not term or term.startswith("#"):
            continue
        if len(term) > MAX_TERM_LENGTH or "\n" in term or "," in term:
            raise ValueError(
                f"watch-list term {raw[:40]!r} is not usable: keep terms under "
                f"{MAX_TERM_LENGTH} characters, one term per entry, without commas"
            )
        seen.setdefault(term, None)
    return tuple(seen)


def read_watchlist_file(settings: Settings) -> tuple[str, ...]:
    path = watchlist_path(settings)
    if not path.exists():
        return ()
    return normalise_terms(path.read_text(encoding="utf-8").splitlines())


def load_watchlist(settings: Settings) -> tuple[str, ...]:
    """Settings.watchlist_terms first, then the file's terms not already among them."""
    return normalise_terms([*settings.watchlist_terms, *read_watchlist_file(settings)])


def save_watchlist(settings: Settings, terms: Iterable[str]) -> tuple[str, ...]:
    """Write `terms` (normalised) to the watch-list file atomically; returns what was written."""
    cleaned = normalise_terms(terms)
    path = watchlist_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a stream re-reading the file never sees half of it.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".watchlist.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write("".join(f"{term}\n" for term in cleaned))
    os.replace(temporary, path)
    return cleaned
