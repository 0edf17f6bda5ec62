"""Assembling a compact checkpoint merges shipped low-rank adapters into the base weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careguard.toxicity.assemble import ensure_compact
from careguard.toxicity.features import base_model_dir

pytestmark = pytest.mark.models

_KEY = "bert.encoder.layer.0.attention.self.query.weight"


def test_lora_pair_is_merged_as_w_plus_b_times_a(tmp_path: Path) -> None:
    """A shipped (lora_a, lora_b) pair becomes W + B @ A in the assembled checkpoint."""
    import torch
    from safetensors.torch import load_file, save_file

    gen = torch.Generator().manual_seed(0)
    a = torch.randn(4, 384, generator=gen).to(torch.float16)
    b = torch.randn(384, 4, generator=gen).to(torch.float16)
    data = tmp_path / "data"
    data.mkdir()
    save_file(
        {
            f"{_KEY}.lora_a": a,
            f"{_KEY}.lora_b": b,
            "classifier.weight": torch.zeros(2, 384, dtype=torch.float16),
            "classifier.bias": torch.zeros(2, dtype=torch.float16),
        },
        str(data / "head.safetensors"),
    )
    meta = {
        "architecture": "BertForSequenceClassification",
        "tokenizer": "BertTokenizer",
        "classes": ["toxic", "identity_hate"],
        "max_tokens": 256,
    }
    (data / "compact.json").write_text(json.dumps(meta))
    checkpoint, _ = ensure_compact(tmp_path / "models", data)
    state = torch.load(str(checkpoint), map_location="cpu", weights_only=False)["state_dict"]
    base = load_file(str(base_model_dir() / "model.safetensors"))[_KEY.removeprefix("bert.")]
    expected = base.float() + b.float() @ a.float()
    assert torch.allclose(state[_KEY], expected, atol=1e-5)
    assert not any(k.endswith((".lora_a", ".lora_b")) for k in state)
