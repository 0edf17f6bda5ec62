"""``careguard policy check``: ok files exit 0, bad ones print one line and exit 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "careguard.cli", *args], capture_output=True, text=True, check=False
    )


def test_policy_check_accepts_default() -> None:
    """The shipped default policy checks clean."""
    r = _run("policy", "check", str(REPO / "policies" / "default.yaml"))
    assert r.returncode == 0, r.stderr


def test_policy_check_rejects_unknown_key_in_one_line(tmp_path: Path) -> None:
    """An unknown key gives a one-line error with file and $.path, exit 1, no traceback."""
    p = tmp_path / "bad.yaml"
    p.write_text("version: 1\nname: x\npii: {colour: red}\n")
    r = _run("policy", "check", str(p))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "$.pii" in lines[0] and str(p) in lines[0] and "colour" in lines[0]
