"""A property-based fuzz run (schemathesis, bounded) against careguard on 127.0.0.1 finds no
5xx: whatever a client sends, careguard answers with a 2xx or a 4xx in its error envelope."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import StartProxy

pytestmark = [pytest.mark.integration, pytest.mark.models, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = 15


def test_fuzzed_requests_get_no_server_error(start_proxy: StartProxy, tmp_path: Path) -> None:
    """schemathesis' generated requests (valid and invalid) never get a 5xx."""
    server = start_proxy("echo")  # the built-in echo upstream: no LLM, nothing can fail there
    cmd = [
        str(Path(sys.executable).parent / "schemathesis"), "run",
        str(ROOT / "openapi" / "openapi.json"), "--url", server.url,
        "--checks", "not_a_server_error", "--max-examples", str(MAX_EXAMPLES),
        "--phases", "examples,coverage,fuzzing", "--seed", "20261125", "--workers", "1",
        "--generation-database", "none", "--request-timeout", "30", "--no-color",
        "--exclude-path", "/metrics",
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=540)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
