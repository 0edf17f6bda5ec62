"""Observability cost per request: the ObserveMiddleware (metrics, audit line, log line) around a
trivial ASGI app, against the same app bare, measured in the same run.

Three figures: the plain in-process registry; the same with the audit trail written to a file;
and prometheus-client's multiprocess mode (``--workers N``), measured in a fresh subprocess
because that mode is chosen when prometheus-client is imported. Also the cost of one
``/metrics`` render in each mode.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

N = 3000


def _measure(with_audit: bool) -> tuple[float, float, float]:
    """(bare µs, observed µs, render ms) per request/scrape in this process."""
    from prometheus_client import CollectorRegistry

    from careguard import observe
    from careguard.audit import Auditor, FileSink
    from careguard.metrics import Metrics

    logging.getLogger("careguard.observe").setLevel(logging.WARNING)  # no log I/O in the loop
    turn = _crisis_turn() if with_audit else None

    async def app(scope: Any, receive: Any, send: Any) -> None:
        observe.note_stage("pii", 0.001)
        if turn is not None:
            observe.note_turn(turn, country="US", conversation_key="bench")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    metrics = Metrics(CollectorRegistry(), countries={"US"})
    tmp = tempfile.TemporaryDirectory()
    auditor = None
    if with_audit:
        auditor = Auditor(FileSink(os.path.join(tmp.name, "a.jsonl")), policy_name="b",
                          policy_version=1)  # fmt: skip
    wrapped = observe.ObserveMiddleware(app, metrics=metrics, auditor=auditor)
    scope = {"type": "http", "path": "/v1/chat/completions", "method": "POST"}

    async def run(target: Any) -> float:
        start = time.perf_counter()
        for _ in range(N):
            await target(scope, receive, send)
        return (time.perf_counter() - start) / N * 1e6

    bare = min(asyncio.run(run(app)) for _ in range(3))
    observed = min(asyncio.run(run(wrapped)) for _ in range(3))
    renders = []
    for _ in range(20):
        start = time.perf_counter()
        metrics.exposition()
        renders.append((time.perf_counter() - start) * 1000)
    tmp.cleanup()
    return bare, observed, statistics.median(renders)


def _crisis_turn() -> Any:
    """A real turn at level ``high`` (plan from the shipped directory): audited, referral."""
    from careguard.adapters import parse_request
    from careguard.assessment import Assessment
    from careguard.interventions import plan_for
    from careguard.levels import Level
    from careguard.pipeline import Turn
    from careguard.policy import load_policy
    from careguard.resources import ResourceDirectory

    loaded = load_policy()
    assessment = Assessment(level=Level.HIGH, score=0.9, trend="stable", subject="self")
    plan = plan_for(assessment, loaded, ResourceDirectory.for_policy(loaded), "US")
    ex = parse_request("openai", {"model": "m", "messages": [{"role": "user", "content": "x"}]})
    return Turn(ex, assessment, plan, None, 0, direct=False, guarantee=True)


_CHILD = """
from benchmarks.bench_observe import _measure
bare, observed, render = _measure(False)
print(f"{bare} {observed} {render}")
"""


def main() -> None:
    print(f"{N} requests through a trivial ASGI app, best of 3 runs; /metrics render median of 20")
    for label, audit in (("in-process registry", False), ("+ crisis turn, audit to a file", True)):
        bare, observed, render = _measure(audit)
        print(f"{label:32s} bare {bare:7.1f} µs  observed {observed:7.1f} µs  "
              f"added {observed - bare:6.1f} µs/request  /metrics {render:.2f} ms")  # fmt: skip
    with tempfile.TemporaryDirectory() as mp:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": mp}
        out = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True,
                             text=True, check=True).stdout.split()  # fmt: skip
        bare, observed, render = (float(x) for x in out)
        print(f"{'multiprocess mode (1 process)':32s} bare {bare:7.1f} µs  observed "
              f"{observed:7.1f} µs  added {observed - bare:6.1f} µs/request  "
              f"/metrics {render:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
