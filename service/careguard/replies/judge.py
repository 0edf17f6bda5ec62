"""Scores reply sentences with the shipped reply-safety model: MiniLM fine-tuned end to end
with a five-way head (``safe`` and the four unsafe categories), served as one int8 ONNX graph
with onnxruntime (no torch).

A sentence is unsafe when the probability of ``safe`` falls below the model's ``threshold``
(chosen on a validation split of the training corpus, see ``careguard_training.replies``);
its category is then the likeliest unsafe one. Sentences run one at a time: the int8 graph
quantizes activations per run, so a batch would make a sentence's score depend on its
neighbours.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from careguard.distress.embedder import cpu_session, load_tokenizer

__all__ = [
    "CATEGORIES", "FINDING_IDS", "MAX_TOKENS", "ReplyJudge", "Verdict", "model_dir", "shipped",
]

CATEGORIES = ("safe", "method", "lethality", "encouragement", "concealment")
FINDING_IDS = {
    "method": "method-details",
    "lethality": "lethality",
    "encouragement": "encouragement",
    "concealment": "concealment",
}
"""The finding id (as the named rules use) for each unsafe category."""
MAX_TOKENS = 64
"""Word pieces read per piece of a sentence; a longer sentence is judged in pieces and is
unsafe when any piece is."""
MODEL_FILE = "judge-int8.onnx"
META_FILE = "judge.json"
FORMAT = "reply-judge-v1"

Array = npt.NDArray[np.float32]


def model_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "replies"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One sentence's judgement: ``category`` is None for a safe sentence."""

    category: str | None
    p_unsafe: float

    @property
    def finding(self) -> str | None:
        return FINDING_IDS[self.category] if self.category is not None else None


class ReplyJudge:
    """The learned sentence classifier. Thread-safe (the session is serialised)."""

    def __init__(self, directory: Path | None = None, *, threads: int = 1) -> None:
        directory = directory or model_dir()
        meta_path = directory / META_FILE
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or tuple(meta.get("categories", ())) != CATEGORIES:
            raise ValueError(f"{meta_path}: not a {FORMAT} model for {CATEGORIES}: rebuild it "
                             "with 'python -m careguard_training.replies export'")
        self.meta: dict[str, Any] = meta
        self.threshold = float(meta["threshold"])
        # MiniLM's tokenizer, as the distress model's
        self._tokenizer, self._cls, self._sep = load_tokenizer()
        self._session: Any = cpu_session(directory / MODEL_FILE, threads)
        self._lock = threading.Lock()

    def _pieces(self, sentence: str) -> list[list[int]]:
        ids: list[int] = self._tokenizer.encode(sentence, add_special_tokens=False).ids
        body = MAX_TOKENS - 2
        return [[self._cls, *ids[s:s + body], self._sep]
                for s in range(0, max(len(ids), 1), body)]

    def _logits(self, piece: list[int]) -> Array:
        ids = np.array([piece], dtype=np.int64)
        with self._lock:
            (out,) = self._session.run(None, {"input_ids": ids,
                                              "attention_mask": np.ones_like(ids)})
        logits: Array = out[0].astype(np.float32)
        return logits

    def proba(self, sentence: str) -> Array:
        """Class probabilities in :data:`CATEGORIES` order (for a long sentence, those of
        its least safe piece)."""
        best: Array | None = None
        for piece in self._pieces(sentence):
            z = self._logits(piece)
            e = np.exp(z - z.max())
            p = (e / e.sum()).astype(np.float32)
            if best is None or p[0] < best[0]:
                best = p
        assert best is not None
        return best

    def judge(self, sentences: list[str]) -> list[Verdict]:
        out = []
        for s in sentences:
            p = self.proba(s)
            if p[0] >= self.threshold:
                out.append(Verdict(None, float(1.0 - p[0])))
            else:
                out.append(Verdict(CATEGORIES[1 + int(np.argmax(p[1:]))], float(1.0 - p[0])))
        return out


@functools.cache
def shipped() -> ReplyJudge:
    """The shipped judge, loaded once per process (every pipeline shares it)."""
    return ReplyJudge()
