"""The README's configuration section must name every setting the code reads."""

from pathlib import Path

from socialpulse.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text()
    missing = [
        f"SOCIALPULSE_{name.upper()}"
        for name in Settings.model_fields
        if f"SOCIALPULSE_{name.upper()}" not in text
    ]
    assert missing == []
