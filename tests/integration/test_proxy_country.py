"""The user's country over real sockets: what the client sent, resolved to the country whose
crisis resources were shown, in the response header, the audit trail and the metrics."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import StartProxy
from tests.integration.harness import (
    ScriptedUpstream,
    ServerThread,
    path_of,
    request_body,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.models]

CRISIS = "I can't go on anymore. I have decided to kill myself tonight."


def crisis_turn(url: str, country: str) -> httpx.Response:
    body = request_body("openai", [{"role": "user", "content": CRISIS}], stream=False)
    return httpx.post(url + path_of("openai"), json=body, timeout=30,
                      headers={"x-careguard-country": country})  # fmt: skip


@pytest.mark.parametrize(("sent", "shown"), [
    ("GB", "GB"), ("UK", "GB"), ("United Kingdom", "GB"), ("USA", "US"), ("XX", "US"),
    ("PL", "ZZ"),
])  # fmt: skip
def test_response_names_the_country_whose_resources_were_used(
    proxy: ServerThread, upstream: ScriptedUpstream, sent: str, shown: str
) -> None:
    """x-careguard-resources-country: the directory country of the lines (ZZ: international)."""
    resp = crisis_turn(proxy.url, sent)
    assert resp.status_code == 200
    assert resp.headers["x-careguard-resources-country"] == shown


@pytest.fixture
def audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_proxy: StartProxy,
            upstream_server: tuple[ScriptedUpstream, ServerThread]) -> tuple[ServerThread, Path]:
    """A proxy writing its audit trail to a fresh file."""
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CAREGUARD_AUDIT_PATH", str(path))
    return start_proxy(upstream_server[1].url), path


def _audit(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(("sent", "recorded"), [("UK", "GB"), ("XX", "US")])
def test_audit_records_the_resolved_country_not_the_raw_header(
    audited: tuple[ServerThread, Path], upstream: ScriptedUpstream, sent: str, recorded: str
) -> None:
    """The audit (and so ``careguard report``'s SB 243 figures) counts the shown country."""
    server, path = audited
    crisis_turn(server.url, sent)
    wait_for(lambda: len(_audit(path)) == 1, timeout=10)
    assert _audit(path)[0]["country"] == recorded


def test_referrals_are_counted_under_the_country_of_the_lines_shown(
    audited: tuple[ServerThread, Path], upstream: ScriptedUpstream
) -> None:
    """careguard_crisis_referrals_total counts a user in a country without lines of its own
    under ZZ (the international lines shown), not under ``other``."""
    server, _ = audited
    crisis_turn(server.url, "PL")

    def count(country: str) -> float:
        text = httpx.get(server.url + "/metrics", timeout=30).text
        line = f'careguard_crisis_referrals_total{{country="{country}"}} '
        return sum(float(ln.split()[-1]) for ln in text.splitlines() if ln.startswith(line))

    wait_for(lambda: count("ZZ") == 1, timeout=10)
    assert count("other") == 0
