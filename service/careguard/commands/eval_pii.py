"""``careguard eval-pii [FILE]``: span-level precision, recall and F2 of the redactor."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from careguard.errors import InputError

DEFAULT_DATA = Path("..") / "shared" / "data" / "pii" / "synth_dev.json"


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def default_data_path() -> Path | None:
    """``../shared/data/pii/synth_dev.json`` next to the repository, when it exists."""
    candidate = (_repo_root() / DEFAULT_DATA).resolve()
    return candidate if candidate.is_file() else None


def register(sub: Any) -> None:
    p = sub.add_parser(
        "eval-pii",
        help="score PII detection on presidio-research-style samples (precision, recall, F2)",
    )
    p.add_argument(
        "path",
        nargs="?",
        help="samples JSON (default: ../shared/data/pii/synth_dev.json beside the repository)",
    )
    p.add_argument("--policy", help="policy YAML (default: the shipped policy)")
    p.add_argument(
        "--match",
        choices=("overlap", "exact"),
        default="overlap",
        help="overlap: a same-type prediction overlapping the gold span counts (default)",
    )
    p.add_argument(
        "--strict-types",
        action="store_true",
        help="do not let a LOCATION prediction match a gold STREET_ADDRESS (see the docs)",
    )
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from careguard.pii import build_redactor
    from careguard.pii.evaluation import build_table, format_table, load_samples, score
    from careguard.policy import load_policy

    if args.path is not None:
        path = Path(args.path)
    else:
        found = default_data_path()
        if found is None:
            raise InputError(f"no FILE given and {DEFAULT_DATA} does not exist")
        path = found
    samples = load_samples(path)
    loaded = load_policy(args.policy)
    redactor = build_redactor(loaded)
    started = time.perf_counter()
    scores = score(samples, redactor.analyze, match=args.match, strict_types=args.strict_types)
    elapsed = time.perf_counter() - started
    table = build_table(scores, redactor.entities)
    print(format_table(table))
    print(
        f"\n{len(samples)} samples from {path.name}, policy {loaded.policy.name!r}, "
        f"match={args.match}{', strict types' if args.strict_types else ''}, {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0
