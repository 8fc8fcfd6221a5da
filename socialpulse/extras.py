"""Optional parts of the install (pyproject's extras): a missing one is named, with the command."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional distribution is not installed; the message says which extra brings it."""


def missing_extra_message(distribution: str, extra: str, purpose: str) -> str:
    return (
        f"{purpose} needs {distribution}, which is not installed: "
        f"pip install 'socialpulse[{extra}]'"
    )


def require(module: str, distribution: str, extra: str, purpose: str) -> ModuleType:
    """Import `module`, or raise MissingExtraError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        # Only the optional package itself (or a parent) missing means the extra; a module that
        # it fails to import is a broken install, reported as it is.
        missing = error.name or ""
        if not (module == missing or module.startswith(f"{missing}.")):
            raise
        raise MissingExtraError(missing_extra_message(distribution, extra, purpose)) from error
