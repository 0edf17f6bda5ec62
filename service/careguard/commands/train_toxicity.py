"""``careguard train-toxicity``: rebuild the compact toxicity head from Davidson et al. 2017.

Writes ``head.safetensors`` and ``compact.json`` (default: the package's
``careguard/data/toxicity/``). Frozen-layer features are cached under ``--cache-dir``.
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
    p.add_argument("--no-negatives", action="store_true", help="train on Davidson only")
    p.add_argument("--out", type=Path, default=None, help="output directory")
    p.add_argument("--cache-dir", type=Path, default=Path(".cache/toxicity"))
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default 2)")
    p.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    import dataclasses

    from careguard.errors import InputError
    from careguard.toxicity.assemble import compact_data_dir
    from careguard.toxicity.training import TrainSettings, train_compact

    if not args.davidson.is_file():
        raise InputError(f"training data not found: {args.davidson}")
    settings = TrainSettings()
    if args.epochs is not None:
        settings = dataclasses.replace(settings, epochs=args.epochs)
    if args.threads is not None:
        settings = dataclasses.replace(settings, threads=args.threads)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    negatives = None if args.no_negatives else args.negatives
    if negatives is not None and not negatives.is_file():
        raise InputError(f"negatives file not found: {negatives}")
    report = train_compact(
        args.davidson, args.out or compact_data_dir(), args.cache_dir, settings, log, negatives
    )
    last = report["history"][-1]
    print(
        f"trained in {report['train_seconds']} s; Davidson dev ROC AUC {last['dev_auc_toxic']:.4f}"
    )
    return 0
