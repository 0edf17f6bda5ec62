"""An on-disk cache of text embeddings for training and evaluation (``.cache/distress``).

Keyed by the sha256 of the normalised text, so a change to normalisation recomputes only
the texts it changes. Stored as one ``.npz`` (keys + matrix + the embedder's ``model_id``);
written atomically. A cache written by another embedding is set aside and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from careguard.distress.embedder import DIM, FloatArray, TextEmbedder

__all__ = ["CachedEmbedder", "EmbeddingCache", "text_key"]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    def __init__(self, path: Path, model_id: str) -> None:
        self.path = path
        self.model_id = model_id
        self._rows: dict[str, FloatArray] = {}
        if path.exists():
            with np.load(path) as data:
                stored = str(data["model"]) if "model" in data.files else "unrecorded"
                keys = [str(k) for k in data["keys"]]
                vecs = data["vecs"].astype(np.float32)
            if stored != model_id:
                print(
                    f"{path}: embeddings from another model ({stored}); starting afresh",
                    file=sys.stderr,
                )
                return
            self._rows = {k: vecs[i] for i, k in enumerate(keys)}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._rows), dtype="U32")
        vecs = np.stack(list(self._rows.values())) if self._rows else np.zeros((0, DIM), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vecs=vecs, model=np.array(self.model_id))
        os.replace(tmp, self.path)

    def embed(
        self, embedder: TextEmbedder, texts: Sequence[str], *, label: str = "", batch: int = 64
    ) -> FloatArray:
        """Embeddings of ``texts`` (already normalised), computing and saving missing ones."""
        if embedder.model_id != self.model_id:
            raise ValueError(f"cache holds {self.model_id} embeddings, not {embedder.model_id}")
        keys = [text_key(t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._rows}.items()
        )
        if missing:
            started = time.monotonic()
            last_save = started
            for s in range(0, len(missing), batch):
                part = missing[s : s + batch]
                vecs = embedder.embed([t for _, t in part])
                for (k, _), v in zip(part, vecs, strict=True):
                    self._rows[k] = v
                done = s + len(part)
                rate = done / max(time.monotonic() - started, 1e-9)
                if len(missing) > batch:
                    print(
                        f"\rembedding {label}: {done}/{len(missing)} "
                        f"({rate:.0f}/s, {(len(missing) - done) / rate:.0f}s left)",
                        end="",
                        file=sys.stderr,
                        flush=True,
                    )
                if time.monotonic() - last_save > 60:
                    self.save()
                    last_save = time.monotonic()
            if len(missing) > batch:
                print(file=sys.stderr)
            self.save()
        return np.stack([self._rows[k] for k in keys]) if keys else np.zeros((0, DIM), np.float32)


class CachedEmbedder:
    """An embedder that reads and extends an :class:`EmbeddingCache` (for evaluation runs)."""

    def __init__(self, inner: TextEmbedder, path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.cache = EmbeddingCache(path, inner.model_id)

    def embed(self, texts: list[str]) -> FloatArray:
        return self.cache.embed(self.inner, texts, label="eval")
