"""``careguard redact`` and ``careguard eval-pii`` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import SEED

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "careguard.cli", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )


@pytest.mark.parametrize("stdin", [b"", b"\n  \n"], ids=["empty", "blank-lines"])
def test_redact_empty_input_says_so(stdin: bytes) -> None:
    """An empty input is a one-line error saying so (as ``assess`` and ``eval`` do)."""
    r = _run("redact", "-", stdin=stdin)
    assert r.returncode == 2 and b"input is empty" in r.stderr
    assert r.stderr.count(b"\n") == 1


@pytest.mark.parametrize(
    ("stdin", "needle"),
    [
        (b'{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', "line 2: invalid JSON"),
        (b'{"id": 1, "text": "caf\xe9"}\n', "line 1: not UTF-8"),
        (b'\n{"text": "no id here"}\n', "line 2: missing field 'id'"),
        (b'{"id": 1}\n', "line 1: missing field 'text'"),
        (b'{"id": 1, "text": 5}\n', "line 1: not a string: 'text'"),
        (b'["id", "text"]\n', "line 1: expected a JSON object"),
    ],
    ids=["bad-json", "not-utf8", "no-id", "no-text", "text-not-string", "not-object"],
)
def test_redact_bad_input_gives_one_line_error(stdin: bytes, needle: str) -> None:
    """Bad JSON Lines give one stderr line naming the line, exit 2, no traceback."""
    r = _run("redact", "-", stdin=stdin)
    err = r.stderr.decode()
    assert r.returncode == 2
    assert r.stdout == b""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_redact_error_does_not_echo_the_text() -> None:
    """The error for a record never repeats the record's text."""
    r = _run("redact", "-", stdin=b'{"id": 1, "text": 42, "note": "secret-canary"}\n')
    assert b"secret-canary" not in r.stderr


def test_redact_missing_file_is_one_line(tmp_path: Path) -> None:
    """A file that does not exist is a one-line error, exit 2."""
    r = _run("redact", str(tmp_path / "nope.jsonl"))
    assert r.returncode == 2 and len(r.stderr.decode().strip().splitlines()) == 1


def test_eval_pii_bad_file_is_one_line(tmp_path: Path) -> None:
    """eval-pii on a file of the wrong shape says which item, exit 2, no traceback."""
    p = tmp_path / "samples.json"
    p.write_text('[{"full_text": "hi"}]')
    r = _run("eval-pii", str(p))
    err = r.stderr.decode()
    assert r.returncode == 2 and "Traceback" not in err and "$[0]" in err


@pytest.mark.models
def test_redact_leaves_seed_conversation_user_turns_unchanged(tmp_path: Path) -> None:
    """careguard redact on the seed conversation's user turns returns them unchanged."""
    messages = json.loads(SEED.read_text())["messages"]
    users = [m["content"] for m in messages if m["role"] == "user"]
    src = tmp_path / "seed.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(users)))
    r = _run("redact", str(src))
    assert r.returncode == 0, r.stderr.decode()
    out = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [o["redacted"] for o in out] == users
    assert all(o["entities"] == [] for o in out)


@pytest.mark.models
def test_redact_output_offsets_point_into_the_original() -> None:
    """Each entity's start/end select the original value; the id is echoed."""
    text = "Hi, I'm Anna Lindqvist, mail anna@lindqvist.se or call 212-555-0187."
    r = _run("redact", "-", stdin=json.dumps({"id": "r1", "text": text}).encode() + b"\n")
    assert r.returncode == 0, r.stderr.decode()
    (out,) = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert out["id"] == "r1"
    values = {(e["type"], text[e["start"] : e["end"]]) for e in out["entities"]}
    assert ("EMAIL_ADDRESS", "anna@lindqvist.se") in values
    assert ("PHONE_NUMBER", "212-555-0187") in values
    assert "anna@lindqvist.se" not in out["redacted"]
