"""``careguard toxicity FILE|-``: score JSON Lines ``{"id", "text"}`` with the policy's model.

Writes ``{"id", "scores": {label: probability}, "toxic": bool}`` per input line. The model and
threshold come from the policy's ``toxicity`` section; the command scores even when that
section has ``enabled: false`` (asking for scores is explicit).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from careguard.errors import InputError

if TYPE_CHECKING:
    from careguard.toxicity.scorer import ToxicityScorer

__all__ = ["register"]

_DATA = Path("../shared/data")


def register(sub: Any) -> None:
    p = sub.add_parser("toxicity", help="score JSON Lines {id, text} for toxicity (detoxify)")
    p.add_argument("file", help="JSON Lines file, or - for standard input")
    p.add_argument("--policy", default=None, help="policy file (default: the shipped default)")
    p.add_argument("--models-dir", type=Path, default=None, help="models directory")
    p.set_defaults(handler=_run)
    ev = sub.add_parser(
        "toxicity-eval", help="measure the toxicity model on HateXplain and distress posts"
    )
    ev.add_argument("--policy", default=None, help="policy file (default: the shipped default)")
    ev.add_argument("--models-dir", type=Path, default=None, help="models directory")
    ev.add_argument("--hatexplain", type=Path, default=_DATA / "toxicity" / "hatexplain_val.jsonl",
                    help="HateXplain validation records (JSON Lines; default: %(default)s)")
    ev.add_argument("--distress", type=Path, default=_DATA / "distress" / "dev.jsonl",
                    help="distress posts that must not read as toxic (JSON Lines; default: "
                         "%(default)s)")
    ev.add_argument("--distress-limit", type=int, default=400,
                    help="use at most this many distress posts (default: %(default)s)")
    ev.set_defaults(handler=_eval)


def _open(name: str) -> TextIO:
    if name == "-":
        return sys.stdin
    try:
        return open(name, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {name} ({exc.strerror or exc.__class__.__name__})") from None


def _scorer(args: argparse.Namespace) -> ToxicityScorer:
    """The policy's scorer, also when the policy has toxicity turned off."""
    from careguard.policy import load_policy
    from careguard.toxicity.scorer import build_toxicity

    loaded = load_policy(args.policy)
    on = msgspec.structs.replace(loaded.policy.toxicity, enabled=True)
    policy = msgspec.structs.replace(loaded.policy, toxicity=on)
    scorer = build_toxicity(
        msgspec.structs.replace(loaded, policy=policy), models_dir=args.models_dir
    )
    assert scorer is not None  # enabled above
    return scorer


def _eval(args: argparse.Namespace) -> int:
    from careguard.toxicity.evaluate import evaluate

    if not args.hatexplain.is_file():
        raise InputError(f"evaluation data not found: {args.hatexplain}")
    distress = args.distress if args.distress.is_file() else None
    scorer = _scorer(args)
    report = evaluate(
        scorer,
        args.hatexplain,
        distress,
        distress_limit=args.distress_limit,
        log=lambda m: print(m, file=sys.stderr),
    )
    print(json.dumps(report, indent=2))
    return 0


def _run(args: argparse.Namespace) -> int:
    from careguard.toxicity.jsonl import parse_records

    fh = _open(args.file)
    try:
        records = parse_records(fh)
    except UnicodeDecodeError as exc:
        raise InputError(f"input is not UTF-8 (byte {exc.start})") from None
    finally:
        if fh is not sys.stdin:
            fh.close()
    scorer = _scorer(args)
    for start in range(0, len(records), 64):
        chunk = records[start : start + 64]
        for rec, res in zip(chunk, scorer.score([r.text for r in chunk]), strict=True):
            out = {"id": rec.id, "scores": dict(res.scores), "toxic": res.toxic}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0
