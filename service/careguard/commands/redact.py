"""``careguard redact FILE|-``: redact JSON Lines records ``{"id": ..., "text": ...}``.

Writes one JSON line per record: ``{"id", "redacted", "entities": [{"type", "start", "end",
"score"}]}`` with offsets into the original text, in the policy's PII mode. The whole input is
checked before the model loads, so a bad line fails fast: one line on stderr naming the line
number and the problem (never the text), exit status 2.

In ``pseudonymize`` mode each record is its own conversation (its ``id`` is the conversation
key) unless ``--conversation-key`` puts all records into one. The placeholder key comes from
``CAREGUARD_PSEUDONYM_KEY`` (hex) when set, else it is random for this run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, BinaryIO

from careguard.errors import InputError, ShapeError
from careguard.jsonl import json_objects, read_path


def register(sub: Any) -> None:
    p = sub.add_parser("redact", help="redact personal data in JSON Lines {id, text} records")
    p.add_argument("file", help="JSON Lines file; - reads stdin")
    p.add_argument("--policy", default=None, help="policy file (default: the shipped one)")
    p.add_argument(
        "--conversation-key",
        default=None,
        help="pseudonymize all records as one conversation with this key",
    )
    p.set_defaults(handler=_run)


def parse_records(stream: BinaryIO, name: str) -> list[tuple[Any, str]]:
    """``(id, text)`` per non-blank line; raises :class:`InputError` naming the line (or
    saying that the input is empty)."""
    out: list[tuple[Any, str]] = []
    for n, record in json_objects(stream, name):
        if "id" not in record:
            raise ShapeError(f"{name}: line {n}: missing field 'id'", field="$.id")
        if not isinstance(record.get("text"), str):
            what = "missing field" if "text" not in record else "not a string:"
            raise ShapeError(f"{name}: line {n}: {what} 'text'", field="$.text")
        out.append((record["id"], record["text"]))
    if not out:
        raise InputError(f"{name}: input is empty")
    return out


def _run(args: argparse.Namespace) -> int:
    from careguard.pii import build_redactor
    from careguard.pii.pseudonym import secret_from_env
    from careguard.policy import load_policy

    loaded = load_policy(args.policy)
    records = read_path(args.file, parse_records)
    redactor = build_redactor(loaded, secret=secret_from_env())
    shared = redactor.session(args.conversation_key) if args.conversation_key else None
    out = sys.stdout
    for record_id, text in records:
        session = shared or redactor.session(json.dumps(record_id, sort_keys=True))
        result = redactor.redact(text, session)
        line = {
            "id": record_id,
            "redacted": result.text,
            "entities": [f.as_json() for f in result.findings],
        }
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return 0
