"""Experiment: MiniLM fine-tuned end to end for the distress level (five classes), on the
blind relabels and the rated chat conversations, measured on the same sets as the shipped
frozen-embedding model. Not wired into careguard yet; it answers whether the next distress
model should be a fine-tuned encoder (see docs/model-card-distress.md).

    python -m careguard_training.distress_finetune [--device cuda] [--shared ../shared]

Texts: a record's user turns joined by newlines, cut at 256 word pieces (conversations and
posts alike: a conversation-level call from one pass). Validation: the same fifth of the
relabelled rows and chats (by id digest) that ``careguard train-distress`` tunes on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from careguard.distress.evaluation import metrics
from careguard.levels import LEVELS, Level

DATA = Path(__file__).resolve().parent / "data" / "distress"
VAL_EVERY = 5


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m["content"]) for m in messages if m.get("role") == "user")


def _is_val(record_id: str) -> bool:
    return hashlib.sha256(record_id.encode()).digest()[0] % VAL_EVERY == 0


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def datasets(shared: Path) -> dict[str, list[tuple[str, str]]]:
    """(text, level) lists: fit, validation, adjudicated dev, chat held-out."""
    relabels = {r["id"]: r["level"] for r in _jsonl(DATA / "relabelled.jsonl")}
    fit: list[tuple[str, str]] = []
    val: list[tuple[str, str]] = []
    for r in _jsonl(shared / "data" / "distress" / "train.jsonl"):
        if r["id"] in relabels:
            (val if _is_val(r["id"]) else fit).append((_text(r["messages"]), relabels[r["id"]]))
    for c in _jsonl(DATA / "chat_train.jsonl"):
        (val if _is_val(f"chat:{c['id']}") else fit).append((_text(c["messages"]), c["level"]))
    adjudicated = {r["id"]: r["level"] for r in _jsonl(shared / "data" / "distress"
                                                        / "dev_adjudicated.jsonl")}
    dev = [(_text(r["messages"]), adjudicated[r["id"]])
           for r in _jsonl(shared / "data" / "distress" / "dev.jsonl") if r["id"] in adjudicated]
    chat = [(_text(c["messages"]), c["level"]) for c in _jsonl(DATA / "chat_heldout.jsonl")]
    return {"fit": fit, "validation": val, "dev_adjudicated": dev, "chat_heldout": chat}


def figures(gold: list[str], proba: np.ndarray[Any, Any]) -> dict[str, float | None]:
    pred = [LEVELS[int(i)] for i in proba.argmax(axis=1)]
    g = [Level(x) for x in gold]
    m = metrics(g, pred).to_dict()
    imm = [p is Level.IMMINENT for p, x in zip(pred, g, strict=True) if x is Level.IMMINENT]
    return {"macro_f1": m["macro_f1"], "crisis_recall": m["crisis_recall"],
            "false_crisis_rate": m["false_crisis_rate"],
            "imminent_recall": float(np.mean(imm)) if imm else None}


def main(argv: list[str] | None = None) -> int:
    from careguard_training import finetune as ft

    ap = argparse.ArgumentParser(prog="python -m careguard_training.distress_finetune")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args(argv)
    data = datasets(args.shared)
    y = np.array([[lv.value for lv in LEVELS].index(level) for _, level in data["fit"]])
    cfg = ft.FitConfig(epochs=args.epochs, lr=5e-5, device=args.device, max_tokens=256,
                       batch=16)
    model = ft.fit([t for t, _ in data["fit"]], y, len(LEVELS), cfg)
    report: dict[str, Any] = {"fit": len(data["fit"]), "epochs": args.epochs}
    for name in ("validation", "dev_adjudicated", "chat_heldout"):
        texts = [t for t, _ in data[name]]
        proba = ft.predict(model, texts, device=args.device, max_tokens=256)
        report[name] = {"n": len(texts), **figures([g for _, g in data[name]], proba)}
        print(json.dumps({name: report[name]}), flush=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
