"""`careguard toxicity` input handling and `careguard models fetch` without a network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from careguard.cli import main
from careguard.errors import InputError, ShapeError
from careguard.toxicity.jsonl import TextRecord, parse_records


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (['{"id": "a", "text": "hi"}'], [TextRecord("a", "hi")]),
        (
            ['{"id": 7, "text": ""}', "", '{"text": "x"}'],
            [TextRecord(7, ""), TextRecord(None, "x")],
        ),
    ],
)
def test_parse_records_accepts_valid_lines(lines: list[str], expected: list[TextRecord]) -> None:
    """Valid JSON Lines become records; blank lines are skipped; id is optional."""
    assert parse_records(lines) == expected


@pytest.mark.parametrize(
    ("line", "error", "message"),
    [
        ("{not json", InputError, "line 1: invalid JSON"),
        ("[1, 2]", ShapeError, "line 1: expected a JSON object"),
        ('{"id": "a"}', ShapeError, "line 1: missing 'text'"),
        ('{"text": 5}', ShapeError, "line 1: 'text' must be a string"),
        ('{"id": [1], "text": "x"}', ShapeError, "line 1: 'id' must be a string or a number"),
    ],
)
def test_parse_records_rejects_bad_lines(line: str, error: type[Exception], message: str) -> None:
    """Each malformed line gives an error naming the line and the problem."""
    with pytest.raises(error, match=message):
        parse_records([line])


def test_bad_input_is_a_one_line_error_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed input file ends with one stderr line and exit status 2, before any model."""
    bad = tmp_path / "in.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n')
    assert main(["toxicity", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "careguard toxicity: error: line 2: missing 'text'"


def test_missing_input_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that does not exist is reported in one line with exit status 2."""
    assert main(["toxicity", str(tmp_path / "nope.jsonl")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_models_fetch_without_network_fails_in_one_line(tmp_path: Path) -> None:
    """With the download unreachable, `models fetch` exits 2 with a one-line error, no traceback."""
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {**os.environ, "https_proxy": proxy, "HTTPS_PROXY": proxy}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "careguard.cli",
            "models",
            "fetch",
            "--dir",
            str(tmp_path / "m"),
            "--timeout",
            "5",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert proc.returncode == 2
    assert errors == [
        "careguard models: error: stage 'toxicity' failed: cannot download from github.com: "
        "[Errno 111] Connection refused"
    ]
    assert "Traceback" not in proc.stderr and not list((tmp_path / "m").glob("*/*.ckpt"))
