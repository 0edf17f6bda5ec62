"""``careguard train-toxicity``: rebuild the compact toxicity model's trained tensors.

Data: Davidson et al. 2017, GoEmotions/Counsel Chat texts as non-toxic, and careguard's own
synthetic set (:mod:`careguard.toxicity.mix`). Writes ``head.safetensors`` and ``compact.json``
(default: the package's ``careguard/data/toxicity/``). Frozen-layer features are cached under
``--cache-dir``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

_DEFAULT_DATA = Path("../shared/data/toxicity/davidson_labeled_data.csv")
_DEFAULT_NEGATIVES = Path("../shared/data/distress/train.jsonl")


def register(sub: Any) -> None:
    p = sub.add_parser("train-toxicity", help="train the compact toxicity model (CPU, minutes)")
    p.add_argument("--davidson", type=Path, default=_DEFAULT_DATA, help="Davidson labeled_data.csv")
    p.add_argument(
        "--negatives",
        type=Path,
        default=_DEFAULT_NEGATIVES,
        help="distress train.jsonl: its GoEmotions and Counsel Chat texts are added as non-toxic",
    )
    p.add_argument("--no-negatives", action="store_true", help="leave those texts out")
    p.add_argument("--out", type=Path, default=None, help="output directory")
    p.add_argument("--cache-dir", type=Path, default=Path(".cache/toxicity"),
                   help="cache of tokenised data between runs (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=None,
                   help="training epochs (default: the training settings' own)")
    p.add_argument("--full-layers", type=int, default=None, help="last layers trained in full")
    p.add_argument("--lora-layers", type=int, default=None, help="layers before them with LoRA")
    p.add_argument("--synthetic-weight", type=int, default=None, help="synthetic repeats")
    p.add_argument("--davidson-weight", type=int, default=None, help="Davidson repeats (0: none)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default 2)")
    p.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    import dataclasses

    from careguard.errors import InputError
    from careguard.toxicity.assemble import compact_data_dir
    from careguard.toxicity.mix import MixSettings
    from careguard.toxicity.training import TrainSettings, train_compact

    if not args.davidson.is_file():
        raise InputError(f"training data not found: {args.davidson}")
    changes = {
        "epochs": args.epochs,
        "threads": args.threads,
        "full_layers": args.full_layers,
        "lora_layers": args.lora_layers,
    }
    settings = dataclasses.replace(
        TrainSettings(), **{k: v for k, v in changes.items() if v is not None}
    )
    if not 1 <= settings.full_layers + settings.lora_layers <= 6 or settings.full_layers < 1:
        raise InputError("need 1 <= full-layers and full-layers + lora-layers <= 6")
    weights = {"synthetic_weight": args.synthetic_weight, "davidson_weight": args.davidson_weight}
    mix = dataclasses.replace(MixSettings(), **{k: v for k, v in weights.items() if v is not None})

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    negatives = None if args.no_negatives else args.negatives
    if negatives is not None and not negatives.is_file():
        raise InputError(f"negatives file not found: {negatives}")
    report = train_compact(
        args.davidson, args.out or compact_data_dir(), args.cache_dir, settings, log, negatives, mix
    )
    last = report["history"][-1]
    figures = ", ".join(f"{k} {v:.4f}" for k, v in last.items() if k.startswith("dev_auc"))
    print(f"trained in {report['train_seconds']} s; {figures}")
    return 0
