"""``careguard models fetch``: download official detoxify weights into a models directory.

Needs the network (detoxify's release URLs and the Hugging Face hub); where they cannot be
reached it ends with a one-line error and exit status 2. The compact model needs no fetch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    from careguard.toxicity.scorer import OFFICIAL_MODELS

    p = sub.add_parser("models", help="manage model files (official detoxify weights)")
    psub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    fetch = psub.add_parser("fetch", help="download official detoxify weights (needs network)")
    fetch.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="models directory (default: $CAREGUARD_MODELS_DIR or ~/.cache/careguard/models)",
    )
    fetch.add_argument(
        "--model",
        action="append",
        choices=OFFICIAL_MODELS,
        default=None,
        help="model to fetch (repeatable; default: original)",
    )
    fetch.add_argument("--timeout", type=float, default=30.0, help="seconds per network operation")
    fetch.set_defaults(handler=_fetch)


def _fetch(args: argparse.Namespace) -> int:
    from careguard.toxicity.assemble import default_models_dir
    from careguard.toxicity.fetch import fetch_models

    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    fetch_models(
        args.model or ["original"], args.dir or default_models_dir(), timeout=args.timeout, log=log
    )
    return 0
