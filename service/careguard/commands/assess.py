"""``careguard assess FILE|-``: distress assessment of conversations from a file or stdin.

Input is either one JSON conversation (``{"messages": [...]}``) or JSON Lines of records
that each have ``messages`` (and usually ``id``). Output is one JSON line per conversation:
``id`` (when given), ``level``, ``score``, ``trend``, ``subject``, ``signals`` (and
``turns`` with ``--turns``). Malformed input stops with a one-line error naming the line
and field; it never echoes conversation text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from careguard.errors import InputError, ShapeError


def register(sub: Any) -> None:
    p = sub.add_parser("assess", help="assess distress in conversations (JSON or JSON Lines)")
    p.add_argument("file", help="a JSON conversation or JSON Lines file; - reads stdin")
    p.add_argument("--policy", default=None, help="policy file (default: the shipped one)")
    p.add_argument("--turns", action="store_true", help="include per-user-turn results")
    p.set_defaults(handler=_run)


def _read(name: str) -> str:
    try:
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {name} ({exc.strerror or type(exc).__name__})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 (byte {exc.start})") from None


def records(text: str) -> Iterator[tuple[str, Any]]:
    """``(where, record)`` pairs: the whole document when it is one JSON value, else one
    per non-empty line."""
    stripped = text.strip()
    if not stripped:
        raise InputError("input is empty")
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    else:
        yield "input", whole
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {n}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {n}: invalid JSON ({exc.msg} at column {exc.colno})") from None


def _messages(where: str, record: Any, max_chars: int) -> tuple[Any, list[Any]]:
    from careguard.conversation import messages_from_openai

    if not isinstance(record, dict):
        raise ShapeError(f"{where}: a record must be a JSON object with messages", field="$")
    rid = record.get("id")
    if rid is not None and not isinstance(rid, str | int):
        raise ShapeError(f"{where}: $.id must be a string or an integer", field="$.id")
    if "messages" not in record:
        raise ShapeError(f"{where}: $.messages is missing", field="$.messages")
    msgs = messages_from_openai(record["messages"], f"{where}: $.messages")
    for i, m in enumerate(msgs):
        if len(m.text) > max_chars:
            raise InputError(
                f"{where}: $.messages[{i}] is longer than the policy limit"
                f" of {max_chars} characters",
                field=f"$.messages[{i}].content",
            )
    return rid, msgs


def _run(args: argparse.Namespace) -> int:
    from careguard.distress import build_assessor
    from careguard.policy import load_policy

    loaded = load_policy(args.policy)
    items = list(records(_read(args.file)))
    parsed = [_messages(w, r, loaded.policy.limits.max_message_chars) for w, r in items]
    assessor = build_assessor(loaded)
    for rid, msgs in parsed:
        result = assessor.assess(msgs).to_dict(turns=args.turns)
        out = {"id": rid, **result} if rid is not None else result
        sys.stdout.write(json.dumps(out) + "\n")
    return 0
