"""A real Prometheus (Debian's package) scrapes careguard on 127.0.0.1 and finds its series."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import StartProxy
from tests.integration.harness import ScriptedUpstream, ServerThread, free_port, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.models, pytest.mark.slow]

REQUESTS = 3


@pytest.fixture
def careguard(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread]
) -> ServerThread:
    """A careguard server of its own (fresh metrics registry) in front of the scripted LLM."""
    return start_proxy(upstream_server[1].url)


@pytest.fixture
def prometheus(careguard: ServerThread, tmp_path: Path) -> Iterator[str]:
    """Prometheus on 127.0.0.1 scraping ``careguard`` every second; yields its base URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus not found: run tools/install-prometheus.sh (or `make test`)")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: careguard\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{careguard.port}']}}]\n"
    )
    port = free_port()
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{url}/-/ready", timeout=2).status_code == 200)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def query(url: str, promql: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5)
    resp.raise_for_status()
    result: list[dict[str, Any]] = resp.json()["data"]["result"]
    return result


def scalar(url: str, promql: str) -> float | None:
    result = query(url, promql)
    return float(result[0]["value"][1]) if result else None


def test_prometheus_finds_the_expected_series(
    careguard: ServerThread, prometheus: str, upstream: ScriptedUpstream
) -> None:
    """After a few chat requests Prometheus holds the request, stage and assessment series."""
    for i in range(REQUESTS):
        body = {"model": "m", "messages": [{"role": "user", "content": f"Hello there {i}"}]}
        resp = httpx.post(f"{careguard.url}/v1/chat/completions", json=body, timeout=30)
        assert resp.status_code == 200
    total = 'sum(careguard_requests_total{route="/v1/chat/completions"})'
    wait_for(lambda: scalar(prometheus, total) == REQUESTS)
    assert scalar(prometheus, 'up{job="careguard"}') == 1.0
    assert scalar(prometheus, 'sum(careguard_assessments_total)') == REQUESTS
    stages = {r["metric"]["stage"] for r in query(
        prometheus, "careguard_stage_duration_seconds_count"
    )}  # fmt: skip
    assert {"pii", "distress", "upstream", "total", "overhead"} <= stages
    info = query(prometheus, "careguard_policy_info")
    assert info and info[0]["metric"]["name"] == "default"
