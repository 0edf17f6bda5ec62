"""The learned signal: small numpy classifiers over sentence embeddings and words.

Four classes — ``none``, ``low``, ``moderate``, ``high`` (no training row is ``imminent``;
the rules add it). Two models are blended in log-probability space with weight ``alpha``:

- over the MiniLM embedding + rule flags: multinomial logistic regression or one hidden
  ReLU layer, trained with Adam on class-balanced cross-entropy (:func:`fit`);
- over hashed word unigrams/bigrams: logistic regression (:mod:`.lexical`).

``alpha``, the temperature (calibration) and the per-class decision offsets are chosen on
the dev split only, by :mod:`careguard.distress.training`. Weights live in one ``.npz``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from careguard.distress.lexical import SparseRows

__all__ = [
    "CLASSES",
    "DEFAULT_LANGUAGES",
    "DistressModel",
    "fit",
    "log_softmax",
    "softmax",
    "weights_path",
]

CLASSES = ("none", "low", "moderate", "high")
Array = npt.NDArray[np.float32]


def weights_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "distress" / "model.npz"


DEFAULT_LANGUAGES = ("en",)
"""What a model that records no ``languages`` reads (every model trained before 2026-12)."""


@dataclass
class DistressModel:
    """Weights plus the dev-chosen calibration (``temperature``) and decision ``offsets``."""

    params: dict[str, Array]
    alpha: float = 0.0
    """Weight of the lexical model's log-probabilities (0 = embedding model only)."""
    temperature: float = 1.0
    offsets: Array = field(default_factory=lambda: np.zeros(len(CLASSES), np.float32))
    no_evidence_penalty: float = 2.0
    """Log-odds taken from ``high`` when a long message has no death/suicide/self-harm word
    (see :mod:`careguard.distress.message`); dev-chosen."""
    short_message_words: int = 20
    """Below this many words a message with no crisis word is never ``high`` from the model
    alone (an infinite no-evidence penalty); chosen on validation (20 before 2026-12-04)."""
    imminent_threshold: float = 1.0
    """Probability from the imminence head (``imm_W``/``imm_b``: logistic regression over
    the same features, trained on relabelled ``high`` vs ``imminent`` rows) at which a
    ``high`` message becomes ``imminent``; above 1 when the model has no such head."""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this model reads (ISO 639-1): ``meta["languages"]``, recorded by the
        training command; a model that records none was trained on English alone. This is the
        one place careguard's supported languages come from (``languages.supported`` in a
        policy can only narrow it)."""
        recorded = self.meta.get("languages")
        if not isinstance(recorded, list) or not recorded:
            return DEFAULT_LANGUAGES
        return tuple(str(code) for code in recorded)

    def imminent_proba(self, x: Array) -> Array | None:
        """P(imminent | crisis) for each row, or None when the model has no imminence head."""
        if "imm_W" not in self.params:
            return None
        z = (x @ self.params["imm_W"]).reshape(-1) + self.params["imm_b"].reshape(-1)[0]
        out: Array = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return out

    def embedding_logits(self, x: Array) -> Array:
        h = x
        if "W1" in self.params:
            h = np.maximum(h @ self.params["W1"] + self.params["b1"], 0.0)
        out: Array = h @ self.params["W"] + self.params["b"]
        return out

    def logits(self, x: Array, rows: SparseRows | None = None) -> Array:
        """Blended log-probabilities before calibration."""
        out = log_softmax(self.embedding_logits(x))
        if self.alpha and rows is not None and "lex_W" in self.params:
            from careguard.distress.lexical import lexical_logits

            lex = log_softmax(lexical_logits(self.params["lex_W"], self.params["lex_b"], rows))
            out = (1.0 - self.alpha) * out + self.alpha * lex
        return out

    def proba(self, x: Array, rows: SparseRows | None = None) -> Array:
        """Calibrated class probabilities, shape ``(n, 4)``."""
        return softmax(self.logits(x, rows) / self.temperature)

    def decide(self, proba: Array) -> npt.NDArray[np.int64]:
        """Class indices: argmax of log-probability plus the dev-chosen offsets."""
        out: npt.NDArray[np.int64] = np.argmax(
            np.log(np.maximum(proba, 1e-12)) + self.offsets, axis=-1
        )
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = dict(
            self.meta,
            alpha=self.alpha,
            temperature=self.temperature,
            offsets=self.offsets.tolist(),
            no_evidence_penalty=self.no_evidence_penalty,
            imminent_threshold=self.imminent_threshold,
            short_message_words=self.short_message_words,
        )
        arrays = {
            k: v.astype(np.float16 if k == "lex_W" else np.float32) for k, v in self.params.items()
        }
        arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
        with path.open("wb") as fh:
            np.savez_compressed(fh, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path) -> DistressModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            params = {k: data[k].astype(np.float32) for k in data.files if k != "meta"}
        return cls(
            params,
            alpha=float(meta.pop("alpha", 0.0)),
            temperature=float(meta.pop("temperature")),
            offsets=np.array(meta.pop("offsets"), dtype=np.float32),
            no_evidence_penalty=float(meta.pop("no_evidence_penalty", 2.0)),
            imminent_threshold=float(meta.pop("imminent_threshold", 1.0)),
            short_message_words=int(meta.pop("short_message_words", 20)),
            meta=meta,
        )


def log_softmax(z: Array) -> Array:
    z = z - z.max(axis=-1, keepdims=True)
    out: Array = (z - np.log(np.exp(z).sum(axis=-1, keepdims=True))).astype(np.float32)
    return out


def softmax(z: Array) -> Array:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: Array = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out


def fit(
    x: Array,
    y: npt.NDArray[np.int64],
    *,
    hidden: int = 0,
    l2: float = 1e-4,
    epochs: int = 40,
    lr: float = 2e-3,
    batch: int = 256,
    seed: int = 0,
    sample_weight: Array | None = None,
    classes: int = len(CLASSES),
) -> dict[str, Array]:
    """Train on features ``x`` and class indices ``y`` (class-balanced loss, Adam); rows
    weighted by ``sample_weight``, classes balanced on the weighted counts."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    k = classes
    sw = np.ones(n, np.float32) if sample_weight is None else sample_weight
    counts = np.bincount(y, weights=sw, minlength=k).astype(np.float32)
    cw = (float(sw.sum()) / (k * np.maximum(counts, 1.0))).astype(np.float32)
    params: dict[str, Array] = {}
    if hidden:
        params["W1"] = (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32)
        params["b1"] = np.zeros(hidden, np.float32)
        params["W"] = (rng.standard_normal((hidden, k)) * np.sqrt(1.0 / hidden)).astype(np.float32)
    else:
        params["W"] = np.zeros((d, k), np.float32)
    params["b"] = np.zeros(k, np.float32)
    m = {p: np.zeros_like(v) for p, v in params.items()}
    v2 = {p: np.zeros_like(v) for p, v in params.items()}
    step = 0
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s : s + batch]
            xb, yb = x[idx], y[idx]
            w = (cw[yb] * sw[idx])[:, None]
            h = xb
            if hidden:
                pre = xb @ params["W1"] + params["b1"]
                h = np.maximum(pre, 0.0)
            p = softmax(h @ params["W"] + params["b"])
            g = p.copy()
            g[np.arange(len(yb)), yb] -= 1.0
            g = (g * w / len(yb)).astype(np.float32)
            grads = {"W": h.T @ g + l2 * params["W"], "b": g.sum(axis=0)}
            if hidden:
                gh = (g @ params["W"].T) * (pre > 0)
                grads["W1"] = xb.T @ gh + l2 * params["W1"]
                grads["b1"] = gh.sum(axis=0)
            step += 1
            for name, grad in grads.items():
                m[name] = 0.9 * m[name] + 0.1 * grad
                v2[name] = 0.999 * v2[name] + 0.001 * grad * grad
                mh = m[name] / (1 - 0.9**step)
                vh = v2[name] / (1 - 0.999**step)
                params[name] = (params[name] - lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return params
