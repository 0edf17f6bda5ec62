"""``careguard train-distress``: rebuild the shipped distress model from the shared data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from careguard.errors import InputError

_SHARED = Path("../shared/data/distress")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "train-distress",
        help="train the distress model on train.jsonl, choose thresholds on dev.jsonl",
    )
    p.add_argument("--train", type=Path, default=_SHARED / "train.jsonl", help="training records")
    p.add_argument(
        "--dev", type=Path, default=_SHARED / "dev.jsonl", help="model-selection records"
    )
    p.add_argument(
        "--out", type=Path, default=None, help="weights file (default: the shipped model.npz)"
    )
    p.add_argument(
        "--cache-dir", type=Path, default=Path(".cache/distress"), help="embedding cache"
    )
    p.add_argument(
        "--relabelled", type=Path, default=None,
        help="JSON Lines {id, level}: blind relabels that replace proxy labels; a fifth of"
        " them become the validation split thresholds are tuned on (e.g."
        " service/careguard_training/data/distress/relabelled.jsonl)",
    )
    p.add_argument(
        "--chat", type=Path, default=None,
        help="JSON Lines of rated chat conversations {id, messages, level} to train on too"
        " (e.g. service/careguard_training/data/distress/chat_train.jsonl)",
    )
    p.add_argument("--seed", type=int, default=5753,
                   help="random seed of the data splits and training (default: %(default)s)")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from careguard.distress.model import weights_path
    from careguard.distress.training import TrainConfig, train

    for name in ("relabelled", "chat"):
        extra: Path | None = getattr(args, name)
        if extra is not None and not extra.is_file():
            raise InputError(f"--{name}: no such file: {extra}")
    for name in ("train", "dev"):
        path: Path = getattr(args, name)
        if not path.is_file():
            raise InputError(f"--{name}: no such file: {path}")
    train(
        TrainConfig(
            train=args.train,
            dev=args.dev,
            out=args.out or weights_path(),
            cache_dir=args.cache_dir,
            seed=args.seed,
            relabelled=args.relabelled,
            chat=args.chat,
        )
    )
    return 0
