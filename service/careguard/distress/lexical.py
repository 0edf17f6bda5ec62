"""The lexical signal: logistic regression over hashed word unigrams and bigrams.

Sentence embeddings capture the gist of a message; this model captures the words people
actually use ("kms", "od", "no point anymore") that a general-purpose embedding blurs.
Features are the presence of each unigram/bigram of the normalised, lower-cased text,
hashed (crc32) into ``BUCKETS`` columns and scaled to unit length. Pure numpy: training
uses a hand-rolled sparse gradient, inference is one gather and sum.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from careguard.distress.model import CLASSES, Array, softmax

__all__ = ["BUCKETS", "SparseRows", "fit_lexical", "hashed", "lexical_logits"]

BUCKETS = 1 << 16
_TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
"""Words and single punctuation marks (dev selected this over words only, though
punctuation partly tells the sources apart: the Twitter set has none)."""


class SparseRows:
    """A CSR-like batch: ``cols[ptr[i]:ptr[i+1]]`` with one shared value per row."""

    def __init__(self, rows: Sequence[npt.NDArray[np.int64]]) -> None:
        self.ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        self.ptr[1:] = np.cumsum([len(r) for r in rows])
        self.cols = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        lengths = np.diff(self.ptr).astype(np.float32)
        self.value = (1.0 / np.sqrt(np.maximum(lengths, 1.0))).astype(np.float32)
        self.row_of = np.repeat(np.arange(len(rows)), np.diff(self.ptr))

    def __len__(self) -> int:
        return len(self.ptr) - 1

    def take(self, idx: npt.NDArray[np.int64]) -> SparseRows:
        return SparseRows([self.cols[self.ptr[i] : self.ptr[i + 1]] for i in idx])

    def dot(self, w: Array) -> Array:
        """``X @ w`` for ``w`` of shape (BUCKETS, k)."""
        out = np.zeros((len(self), w.shape[1]), dtype=np.float32)
        np.add.at(out, self.row_of, w[self.cols])
        result: Array = out * self.value[:, None]
        return result

    def tdot(self, g: Array) -> Array:
        """``X.T @ g`` as a dense (BUCKETS, k) array."""
        out = np.zeros((BUCKETS, g.shape[1]), dtype=np.float32)
        np.add.at(out, self.cols, g[self.row_of] * self.value[self.row_of][:, None])
        return out


def hashed(text: str) -> npt.NDArray[np.int64]:
    """The distinct hashed unigram and bigram columns of ``text`` (normalised)."""
    toks = _TOKEN.findall(text.lower())
    grams = toks + [f"{a} {b}" for a, b in itertools.pairwise(toks)]
    cols = {zlib.crc32(g.encode("utf-8")) % BUCKETS for g in grams}
    return np.fromiter(sorted(cols), dtype=np.int64, count=len(cols))


def lexical_logits(w: Array, b: Array, rows: SparseRows) -> Array:
    out: Array = rows.dot(w) + b
    return out


def fit_lexical(
    rows: SparseRows,
    y: npt.NDArray[np.int64],
    *,
    l2: float = 1e-6,
    epochs: int = 8,
    lr: float = 0.05,
    batch: int = 512,
    seed: int = 0,
    sample_weight: Array | None = None,
) -> tuple[Array, Array]:
    """Class-balanced softmax regression with Adagrad on the hashed features (rows
    weighted by ``sample_weight``, classes balanced on the weighted counts)."""
    rng = np.random.default_rng(seed)
    k = len(CLASSES)
    sw = np.ones(len(y), np.float32) if sample_weight is None else sample_weight
    counts = np.bincount(y, weights=sw, minlength=k).astype(np.float32)
    cw = (float(sw.sum()) / (k * np.maximum(counts, 1.0))).astype(np.float32)
    w = np.zeros((BUCKETS, k), np.float32)
    b = np.zeros(k, np.float32)
    gw2 = np.full((BUCKETS, k), 1e-8, np.float32)
    gb2 = np.full(k, 1e-8, np.float32)
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for s in range(0, len(y), batch):
            idx = order[s : s + batch]
            part = rows.take(idx)
            yb = y[idx]
            p = softmax(lexical_logits(w, b, part))
            p[np.arange(len(yb)), yb] -= 1.0
            g = (p * (cw[yb] * sw[idx])[:, None] / len(yb)).astype(np.float32)
            grad_w = part.tdot(g)
            touched = np.unique(part.cols)
            grad_w[touched] += l2 * w[touched]
            grad_b = g.sum(axis=0)
            gw2[touched] += grad_w[touched] ** 2
            w[touched] -= lr * grad_w[touched] / np.sqrt(gw2[touched])
            gb2 += grad_b**2
            b -= lr * grad_b / np.sqrt(gb2)
    return w, b
