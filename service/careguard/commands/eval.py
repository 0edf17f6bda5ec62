"""``careguard eval FILE.jsonl``: the distress assessor against gold levels, next to a
plain suicide-keyword baseline (see :mod:`careguard.distress.evaluation`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from careguard.errors import InputError


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="evaluate distress assessment on labelled JSON Lines records")
    p.add_argument("file", type=Path, help="JSON Lines: messages, gold level, source")
    p.add_argument("--policy", default=None, help="policy file (default: the shipped one)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument(
        "--embedding-cache",
        type=Path,
        default=None,
        help="reuse/extend an embedding cache (.npz), e.g. .cache/distress/embeddings.npz",
    )
    p.add_argument(
        "--disagreements",
        type=Path,
        default=None,
        help="write the records where careguard and the gold label disagree about a crisis"
        " (JSON Lines: id, source, gold, predicted, kind, signal names; never text)",
    )
    p.add_argument(
        "--adjudications",
        type=Path,
        default=None,
        help="JSON Lines of {id, level}: gold levels a person has re-judged replace the"
        " file's own for these figures (the report says how many)",
    )
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from careguard.conversation import messages_from_openai, text_of_content
    from careguard.distress import build_assessor
    from careguard.distress.evaluation import (
        apply_adjudications,
        keyword_level,
        merge_imminent,
        metrics,
        read_adjudications,
        read_records,
        report,
    )
    from careguard.jsonl import read_path
    from careguard.levels import Level
    from careguard.policy import load_policy

    records = read_path(args.file, read_records)
    if not records:
        raise InputError(f"{args.file}: no records")
    adjudicated = 0
    if args.adjudications is not None:
        adjudications = read_path(args.adjudications, read_adjudications)
        records, adjudicated = apply_adjudications(records, adjudications)
    assessor = build_assessor(load_policy(args.policy))
    if args.embedding_cache is not None:
        from careguard.distress.embed_cache import CachedEmbedder

        assessor.embedder = CachedEmbedder(assessor.embedder, args.embedding_cache)
    convs = [
        messages_from_openai(r["messages"], f"record {i + 1}: $.messages")
        for i, r in enumerate(records)
    ]
    texts = [m.text for c in convs for m in c if m.role == "user"]
    assessor.cache_size = max(assessor.cache_size, len(texts))
    started = time.monotonic()
    for s in range(0, len(texts), 64):
        assessor.analyse(texts[s : s + 64])
        done = min(s + 64, len(texts))
        print(
            f"\rassessing messages {done}/{len(texts)} ({time.monotonic() - started:.0f}s)",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)
    assessments = [assessor.assess(c) for c in convs]
    pred = [a.level for a in assessments]
    gold = [Level(r["level"]) for r in records]
    if args.disagreements is not None:
        _write_disagreements(args.disagreements, records, gold, assessments)
    base = [
        keyword_level(
            text_of_content(m.get("content"), "content")
            for m in r["messages"]
            if isinstance(m, dict) and m.get("role") == "user"
        )
        for r in records
    ]
    sources = [str(r.get("source", "unknown")) for r in records]
    if args.json:
        out: dict[str, Any] = {
            "careguard": metrics(gold, pred).to_dict(),
            "careguard_imminent_as_high": merge_imminent(gold, pred).to_dict(),
            "keyword": metrics(gold, base).to_dict(),
            "adjudicated_labels": adjudicated,
        }
        print(json.dumps(out, indent=2))
    else:
        if args.adjudications is not None:
            print(
                f"gold labels: {adjudicated} of {len(records)} replaced by the adjudications in"
                f" {args.adjudications}; every figure below uses the adjudicated labels\n"
            )
        print(report(gold, pred, base, sources))
    return 0


def _write_disagreements(
    path: Path, records: list[dict[str, Any]], gold: list[Any], assessments: list[Any]
) -> None:
    """Records where careguard calls a crisis (``high`` or above) and the gold label does
    not, or the reverse: what a person adjudicating the labels needs, by id only."""
    from careguard.levels import Level

    lines = []
    for i, (r, g, a) in enumerate(zip(records, gold, assessments, strict=True)):
        said, truth = a.level.rank >= Level.HIGH.rank, g.rank >= Level.HIGH.rank
        if said == truth:
            continue
        lines.append(
            json.dumps(
                {
                    "id": str(r.get("id", f"record {i + 1}")),
                    "source": str(r.get("source", "unknown")),
                    "gold": g.value,
                    "predicted": a.level.value,
                    "kind": "false_crisis" if said else "missed_crisis",
                    "signals": sorted({s.name for s in a.signals}),
                }
            )
        )
    try:
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path} ({exc.strerror})") from None
