"""The watch-list file the dashboard edits and the stream re-reads."""

from __future__ import annotations

import pytest

from socialpulse.settings import Settings
from socialpulse.watchlist import load_watchlist, read_watchlist_file, save_watchlist


def test_load_merges_settings_terms_first_then_the_file(tmp_path) -> None:
    settings = Settings(state_dir=tmp_path, watchlist="Acme, zestcola")
    (tmp_path / "watchlist.txt").write_text("# brands\nNovaPhone\n\nacme\n  Zest Cola  \n")
    assert load_watchlist(settings) == ("acme", "zestcola", "novaphone", "zest cola")


def test_without_a_file_the_settings_terms_are_the_list(tmp_path) -> None:
    assert load_watchlist(Settings(state_dir=tmp_path, watchlist="acme")) == ("acme",)
    assert load_watchlist(Settings(state_dir=tmp_path, watchlist="")) == ()


def test_save_writes_one_normalised_term_per_line_and_round_trips(tmp_path) -> None:
    settings = Settings(state_dir=tmp_path / "state", watchlist="acme")
    written = save_watchlist(settings, ["NovaPhone", " novaphone ", "", "Glow Up"])
    assert written == ("novaphone", "glow up")
    assert (tmp_path / "state" / "watchlist.txt").read_text() == "novaphone\nglow up\n"
    assert read_watchlist_file(settings) == ("novaphone", "glow up")
    assert load_watchlist(settings) == ("acme", "novaphone", "glow up")
    save_watchlist(settings, [])
    assert load_watchlist(settings) == ("acme",)
    assert not list((tmp_path / "state").glob("*.tmp"))


@pytest.mark.parametrize("bad", ["a,b", "x" * 101])
def test_save_rejects_terms_the_stream_could_not_use(tmp_path, bad: str) -> None:
    settings = Settings(state_dir=tmp_path, watchlist="")
    with pytest.raises(ValueError, match="watch-list term"):
        save_watchlist(settings, ["fine", bad])
    assert not (tmp_path / "watchlist.txt").exists()
