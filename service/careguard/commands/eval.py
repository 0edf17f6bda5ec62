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
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from careguard.conversation import messages_from_openai, text_of_content
    from careguard.distress import build_assessor
    from careguard.distress.evaluation import (
        keyword_level,
        merge_imminent,
        metrics,
        read_records,
        report,
    )
    from careguard.levels import Level
    from careguard.policy import load_policy

    try:
        with args.file.open(encoding="utf-8") as fh:
            records = read_records(fh, where=str(args.file))
    except OSError as exc:
        raise InputError(f"cannot read {args.file} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{args.file}: not UTF-8") from None
    if not records:
        raise InputError(f"{args.file}: no records")
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
    pred = [assessor.assess(c).level for c in convs]
    gold = [Level(r["level"]) for r in records]
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
        out = {
            "careguard": metrics(gold, pred).to_dict(),
            "careguard_imminent_as_high": merge_imminent(gold, pred).to_dict(),
            "keyword": metrics(gold, base).to_dict(),
        }
        print(json.dumps(out, indent=2))
    else:
        print(report(gold, pred, base, sources))
    return 0
