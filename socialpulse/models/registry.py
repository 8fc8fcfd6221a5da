"""A model registry in the lake: versioned artifacts, the promoted version of each kind, and a
local cache so that loaders read an S3 lake's models as plain directories.

Layout under the lake root (`MODELS_ZONE`):

- `models/<kind>/<version>/<files>`: the artifact directory as it was published (immutable);
- `models/<kind>/<version>/manifest.json`: written last, so a version exists once its manifest
  does: metrics, created_at, the training data's fingerprint, the code version and each file's
  sha256;
- `models/<kind>/promoted.json`: the promoted version and every promotion before it, one object
  replaced whole (atomically), so a reader sees the old pointer or the new one.

Plain values in: the registry is given its lake and cache directory and reads no setting.
Promotions are last-writer-wins: two people promoting at the same moment leave one of the two.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialpulse.contracts import MODELS_ZONE
from socialpulse.lake import Lake
from socialpulse.settings import Settings

MANIFEST_FILE = "manifest.json"
POINTER_FILE = "promoted.json"
MANIFEST_FORMAT = 1
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class UnknownModelError(LookupError):
    """A kind or version the registry does not hold; the message lists what it does hold."""


@dataclass(frozen=True)
class ModelVersion:
    """One published version, as its manifest describes it."""

    kind: str
    version: str
    created_at: str  # ISO 8601, UTC
    fingerprint: str  # sha256 of the training data (see `fingerprint_examples`)
    code_version: str
    metrics: dict[str, Any]
    files: dict[str, str]  # path inside the artifact -> sha256
    details: dict[str, Any] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        return {
            "format_version": MANIFEST_FORMAT,
            "kind": self.kind,
            "version": self.version,
            "created_at": self.created_at,
            "training_data_fingerprint": self.fingerprint,
            "code_version": self.code_version,
            "metrics": self.metrics,
            "files": self.files,
            "details": self.details,
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> ModelVersion:
        return cls(
            kind=manifest["kind"],
            version=manifest["version"],
            created_at=manifest["created_at"],
            fingerprint=manifest["training_data_fingerprint"],
            code_version=manifest["code_version"],
            metrics=manifest["metrics"],
            files=manifest["files"],
            details=manifest.get("details", {}),
        )


@dataclass(frozen=True)
class Promotion:
    version: str
    promoted_at: str  # ISO 8601, UTC
    previous: str | None  # the version promoted before this one


def fingerprint_examples(texts: Sequence[str], labels: Sequence[Any]) -> str:
    """sha256 of the (label, text) pairs in sorted order: the same examples give the same
    fingerprint whatever the order or the files they came from."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    pairs = sorted(json.dumps([str(y), x]) for x, y in zip(texts, labels, strict=True))
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(pair.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _check_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"model {what} {value!r}: use letters, digits, '.', '_' and '-' (not first), "
            "at most 128 characters"
        )
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_cache_dir(state_dir: Path) -> Path:
    """Where fetched versions are kept: `<state_dir>/cache/models/<kind>/<version>/`."""
    return state_dir / "cache" / "models"


def _stamp(moment: datetime) -> str:
    """ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _now() -> datetime:
    return datetime.now(UTC)


class ModelRegistry:
    """Versions of trained models in `lake`, fetched into `cache_dir` when a loader needs one."""

    def __init__(self, lake: Lake, cache_dir: Path, clock: Callable[[], datetime] = _now) -> None:
        self.lake = lake
        self.cache_dir = cache_dir
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelRegistry:
        """The registry in the settings' lake, cached under `<state_dir>/cache/models`."""
        return cls(Lake.from_settings(settings), model_cache_dir(settings.state_dir))

    def _path(self, kind: str, *parts: str) -> str:
        return self.lake.path(MODELS_ZONE, _check_name(kind, "kind"), *parts)

    # --- publishing and listing -----------------------------------------------------------------

    def publish(
        self,
        kind: str,
        directory: Path,
        *,
        metrics: dict[str, Any],
        fingerprint: str,
        code_version: str,
        details: dict[str, Any] | None = None,
        version: str | None = None,
    ) -> ModelVersion:
        """Copy the artifact `directory` into the lake as a new version of `kind` (named
        `<created>-<content hash>` unless `version` is given); never overwrites a version."""
        files = {
            path.relative_to(directory).as_posix(): _sha256(path)
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }
        if not files:
            raise FileNotFoundError(f"{directory} holds no files to publish as a {kind} model")
        # Microseconds kept: versions published within one second still list in order.
        created = self._clock().astimezone(UTC)
        content = hashlib.sha256(
            "".join(f"{name}\0{sha}\n" for name, sha in sorted(files.items())).encode()
        ).hexdigest()
        version = _check_name(version or f"{created:%Y%m%dT%H%M%SZ}-{content[:8]}", "version")
        manifest_path = self._path(kind, version, MANIFEST_FILE)
        if self.lake.fs.exists(manifest_path):
            raise FileExistsError(f"{kind} model version {version} is already published")
        published = ModelVersion(
            kind=kind,
            version=version,
            created_at=created.isoformat(),
            fingerprint=fingerprint,
            code_version=code_version,
            metrics=metrics,
            files=files,
            details=details or {},
        )
        for name in files:
            target = self._path(kind, version, name)
            self.lake.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            self.lake.fs.put_file(str(directory / name), target)
        # Last: until the manifest is there, listings and fetches do not see the version.
        self.lake.write_bytes(manifest_path, _json_bytes(published.manifest()))
        return published

    def kinds(self) -> list[str]:
        """Every kind with at least one published version."""
        found = self.lake.fs.glob(self.lake.path(MODELS_ZONE, "*", "*", MANIFEST_FILE))
        return sorted({path.split("/")[-3] for path in found})

    def versions(self, kind: str) -> list[ModelVersion]:
        """Published versions of `kind`, oldest first."""
        found = self.lake.fs.glob(self._path(kind, "*", MANIFEST_FILE))
        versions = [ModelVersion.from_manifest(_json(self.lake.read_bytes(p))) for p in found]
        return sorted(versions, key=lambda v: (v.created_at, v.version))

    def version(self, kind: str, version: str) -> ModelVersion:
        """The manifest of one version; UnknownModelError (naming the known ones) if absent."""
        try:
            manifest = _json(self.lake.read_bytes(self._path(kind, version, MANIFEST_FILE)))
        except FileNotFoundError:
            raise self._unknown(kind, version) from None
        return ModelVersion.from_manifest(manifest)

    def _unknown(self, kind: str, version: str) -> UnknownModelError:
        known = [v.version for v in self.versions(kind)]
        if not known:
            kinds = ", ".join(self.kinds()) or "none"
            return UnknownModelError(
                f"no {kind} model is published in the lake at {self.lake.root} "
                f"(kinds with models: {kinds})"
            )
        return UnknownModelError(
            f"no {kind} model version {version!r}; published versions: {', '.join(known)}"
        )

    # --- promotion ------------------------------------------------------------------------------

    def _pointer(self, kind: str) -> dict[str, Any] | None:
        try:
            return _json(self.lake.read_bytes(self._path(kind, POINTER_FILE)))
        except FileNotFoundError:
            return None

    def promoted(self, kind: str) -> str | None:
        """The promoted version of `kind`, or None if none was ever promoted."""
        pointer = self._pointer(kind)
        return pointer["version"] if pointer else None

    def promotions(self, kind: str) -> list[Promotion]:
        """Every promotion of `kind`, oldest first; the last one is in force."""
        pointer = self._pointer(kind)
        history = pointer["history"] if pointer else []
        before = [None, *(entry["version"] for entry in history)]
        return [
            Promotion(entry["version"], entry["promoted_at"], previous)
            for entry, previous in zip(history, before, strict=False)
        ]

    def promote(self, kind: str, version: str) -> Promotion:
        """Make `version` the one loaders use: the pointer is replaced in one write, the earlier
        promotions kept. Promoting the version already in force changes nothing."""
        self.version(kind, version)  # it must be published
        pointer = self._pointer(kind) or {"kind": kind, "history": []}
        history: list[dict[str, str]] = pointer["history"]
        current = history[-1]["version"] if history else None
        if current == version:
            return self.promotions(kind)[-1]
        entry = {"version": version, "promoted_at": _stamp(self._clock())}
        pointer = {**pointer, "version": version, "history": [*history, entry]}
        self.lake.write_bytes(self._path(kind, POINTER_FILE), _json_bytes(pointer))
        return Promotion(version, entry["promoted_at"], current)

    def promote_back(self, kind: str) -> Promotion:
        """Promote again the version that was in force before the current one (twice in a row
        returns to where it started, like `cd -`)."""
        promotions = self.promotions(kind)
        if not promotions or promotions[-1].previous is None:
            raise UnknownModelError(
                f"no earlier promotion of {kind} to go back to"
                + (f" (only {promotions[-1].version} was ever promoted)" if promotions else "")
            )
        return self.promote(kind, promotions[-1].previous)

    # --- fetching -------------------------------------------------------------------------------

    def fetch(self, kind: str, version: str) -> Path:
        """A local directory holding the version's files (checked against their sha256): the
        cached copy, or downloaded into the cache first."""
        target = self.cache_dir / _check_name(kind, "kind") / _check_name(version, "version")
        if (target / MANIFEST_FILE).exists():
            return target
        published = self.version(kind, version)
        partial = target.parent / f".{version}.{uuid.uuid4().hex}.partial"
        try:
            for name, sha in published.files.items():
                local = partial / name
                local.parent.mkdir(parents=True, exist_ok=True)
                self.lake.fs.get_file(self._path(kind, version, name), str(local))
                if _sha256(local) != sha:
                    raise ValueError(
                        f"{kind} model {version}: {name} in the lake does not match its "
                        "manifest's sha256 (changed after publishing?)"
                    )
            (partial / MANIFEST_FILE).write_bytes(_json_bytes(published.manifest()))
            try:
                partial.rename(target)
            except OSError:
                if not (target / MANIFEST_FILE).exists():  # not another process's copy
                    raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return target


def _json_bytes(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _json(data: bytes) -> dict[str, Any]:
    return json.loads(data.decode("utf-8"))
