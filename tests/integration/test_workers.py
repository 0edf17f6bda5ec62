"""``careguard serve --workers 2``: one scrape returns counters summed over both workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.harness import free_port

pytestmark = [pytest.mark.integration, pytest.mark.models, pytest.mark.slow]

REQUESTS = 24
ROUTE = "/v1/chat/completions"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``careguard serve --workers 2`` (echo upstream) as a real process; yields (url, metrics
    directory) once both workers answer /readyz."""
    metrics_dir = tmp_path_factory.mktemp("metrics")
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    env.pop("CAREGUARD_AUDIT_PATH", None)
    cmd = [str(Path(sys.executable).parent / "careguard"), "serve", "--workers", "2",
           "--host", "127.0.0.1", "--port", str(port), "--upstream", "echo",
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_both_ready(url, proc)
        yield url, metrics_dir
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_both_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 240.0) -> None:
    """Ready when 10 /readyz probes in a row, each on a fresh connection, say 200."""
    deadline, streak = time.monotonic() + timeout, 0
    while streak < 10:
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("careguard --workers 2 did not become ready")
        try:
            ok = httpx.get(f"{url}/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            ok = False
        streak = streak + 1 if ok else 0
        time.sleep(0.05 if ok else 0.5)


def requests_counted(url: str) -> float:
    """careguard_requests_total for the chat route, summed over outcomes, from one scrape."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "careguard_requests_total" and s.labels.get("route") == ROUTE
    )


def test_scrape_sums_counters_over_workers(served: tuple[str, Path]) -> None:
    """Every scrape, whichever worker answers it, counts exactly the requests sent."""
    url, metrics_dir = served
    for i in range(REQUESTS):
        # a fresh connection each time, so the kernel spreads them over both workers
        body = {"model": "m", "messages": [{"role": "user", "content": f"hi number {i}"}]}
        resp = httpx.post(f"{url}{ROUTE}", json=body, timeout=60,
                          headers={"connection": "close"})  # fmt: skip
        assert resp.status_code == 200
    scrapes = [requests_counted(url) for _ in range(6)]
    assert scrapes == [float(REQUESTS)] * 6
    writers = {p.name.rsplit("_", 1)[-1] for p in metrics_dir.glob("counter_*.db")}
    assert len(writers) >= 2, "expected both worker processes to have recorded counters"
