"""``careguard assess FILE|-``: one JSON line per conversation; bad input gives a one-line
error and exit 2, never a traceback, and never echoes conversation text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CANARY = "zebra-canary-8812"


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "careguard.cli", "assess", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def _one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert CANARY not in r.stderr
    return r.stderr


@pytest.mark.models
def test_single_conversation(tmp_path: Path) -> None:
    """One JSON conversation gives one line with level, score, trend and subject."""
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"messages": [{"role": "user", "content": "I want to die"}]}))
    r = _run(str(f))
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.splitlines()
    out = json.loads(line)
    assert out["level"] == "high" and {"score", "trend", "subject"} <= out.keys()


@pytest.mark.models
def test_json_lines_from_stdin_keep_ids_and_order() -> None:
    """JSON Lines on stdin: one output line per record, with its id, in order."""
    recs = [
        {"id": "a", "messages": [{"role": "user", "content": "What's a good pasta recipe?"}]},
        {"id": 7, "messages": []},
        {"id": "c", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
    ]
    r = _run("-", stdin="\n".join(json.dumps(x) for x in recs) + "\n")
    assert r.returncode == 0, r.stderr
    outs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in outs] == ["a", 7, "c"]
    assert [o["level"] for o in outs] == ["none", "none", "none"]


@pytest.mark.parametrize(
    ("stdin", "needle"),
    [
        ("", "empty"),
        ("{not json " + CANARY, "line 1: invalid JSON"),
        (json.dumps({"msgs": []}), "$.messages is missing"),
        (json.dumps({"messages": [{"role": "wizard", "content": CANARY}]}), "role"),
        (json.dumps({"messages": [{"role": "user", "content": 5}]}), "content"),
        (json.dumps({"messages": [{"role": "user", "content": [{"type": "text"}]}]}), "text"),
        (json.dumps([1, 2]), "object"),
        (json.dumps({"id": [1], "messages": []}), "$.id"),
        (json.dumps({"messages": [{"role": "user", "content": "x" * 100_001}]}), "limit"),
    ],
    ids=["empty", "bad-json", "no-messages", "unknown-role", "number-content",
         "text-part-without-text", "not-an-object", "bad-id", "over-limit"],
)  # fmt: skip
def test_bad_input_is_a_one_line_error(stdin: str, needle: str) -> None:
    """Malformed input exits 2 with one line naming the problem."""
    assert needle in _one_line_error(_run("-", stdin=stdin))


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    """A file that does not exist is a one-line error."""
    assert "cannot read" in _one_line_error(_run(str(tmp_path / "nope.json")))


def test_non_utf8_is_a_one_line_error(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are a one-line error naming the byte."""
    f = tmp_path / "bad.json"
    f.write_bytes(b'{"messages": "\xff"}')
    assert "not UTF-8" in _one_line_error(_run(str(f)))
