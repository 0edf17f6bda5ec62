"""``careguard policy check PATH`` and ``careguard policy schema``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from careguard.errors import PolicyError
from careguard.policy import load_policy, policy_schema_json


def register(sub: Any) -> None:
    p = sub.add_parser("policy", help="check a policy file or print the policy JSON Schema")
    psub = p.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    check = psub.add_parser("check", help="validate a policy file; exit 1 when it is invalid")
    check.add_argument("path", nargs="+", help="policy YAML file(s)")
    check.set_defaults(handler=_check)
    schema = psub.add_parser("schema", help="print the JSON Schema generated from the types")
    schema.set_defaults(handler=_schema)


def _check(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.path:
        try:
            loaded = load_policy(path)
        except PolicyError as exc:
            print(f"invalid: {exc}", file=sys.stderr)
            bad += 1
            continue
        print(f"ok: {path}: policy {loaded.policy.name!r} version {loaded.policy.version}")
    return 1 if bad else 0


def _schema(args: argparse.Namespace) -> int:
    sys.stdout.write(policy_schema_json())
    return 0
