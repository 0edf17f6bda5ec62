"""``careguard serve``'s start-up lines, from a real process's stderr (JSON log lines)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

import pytest

from tests.integration.harness import free_port

pytestmark = [pytest.mark.integration]


def start_lines(*flags: str) -> list[dict[str, Any]]:
    """The JSON log lines ``careguard serve`` writes before it starts serving (the process is
    stopped once the careguard start-up line has appeared)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREGUARD_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "careguard.cli", "serve", "--port", str(free_port()), *flags],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    lines: list[dict[str, Any]] = []
    found: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    threading.Thread(target=_pump, args=(proc.stderr, found), daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while not any(ln.get("event") == "careguard serve starting" for ln in lines):
            raw = found.get(timeout=max(0.1, deadline - time.monotonic()))
            if raw.startswith("{"):
                lines.append(json.loads(raw))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return lines


def _pump(stream: Iterable[str], out: queue.Queue[str]) -> None:
    for raw in stream:
        out.put(raw)


def test_serve_without_upstream_warns_that_echo_answers() -> None:
    """No --upstream (and no CAREGUARD_UPSTREAM): a warning says the echo upstream answers."""
    warnings = [ln for ln in start_lines() if ln["level"] == "warning"]
    assert any(ln.get("upstream") == "echo" and "echo" in ln["event"] for ln in warnings)


def test_serve_logs_host_port_upstream_and_policy_in_one_line() -> None:
    """One start-up line names the host, port, upstream and policy in force."""
    port_flag_lines = start_lines("--host", "127.0.0.1", "--upstream",
                                  "https://user:secret@llm.example.com/v1?key=abc")
    (line,) = [ln for ln in port_flag_lines if ln["event"] == "careguard serve starting"]
    assert line["host"] == "127.0.0.1" and isinstance(line["port"], int)
    assert line["upstream"] == "https://llm.example.com/v1"  # no credentials, no query
    assert line["policy"].endswith("default.yaml")
    assert "secret" not in json.dumps(port_flag_lines)
