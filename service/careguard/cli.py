"""The ``careguard`` command line.

Each subcommand lives in its own module under :mod:`careguard.commands` and exposes
``register(subparsers)``; the module list below is the only place that knows them all.
Errors careguard raises on purpose become a one-line message on stderr and exit status 2;
nothing ends in a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import careguard
from careguard.errors import CareguardError

__all__ = ["main"]

COMMAND_MODULES = (
    "careguard.commands.serve",
    "careguard.commands.assess",
    "careguard.commands.redact",
    "careguard.commands.eval_pii",
    "careguard.commands.eval",
    "careguard.commands.train_distress",
    "careguard.commands.policy",
    "careguard.commands.openapi",
    "careguard.commands.report",
    "careguard.commands.toxicity",
    "careguard.commands.models",
    "careguard.commands.train_toxicity",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careguard", description="Conversation-safety middleware for LLM chatbots."
    )
    parser.add_argument("--version", action="version",
                        version=f"careguard {careguard.__version__}",
                        help="print careguard's version and exit")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except CareguardError as exc:
        print(f"careguard {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
