"""Other /v1/* routes: JSON strings redacted before they leave, unreadable bodies refused."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import StartProxy, policy_with
from tests.integration.harness import ScriptedUpstream, ServerThread

pytestmark = [pytest.mark.integration, pytest.mark.models]

EMAIL = "dana.whitfield@example.org"
BODY = {
    "model": "text-embedding-3-small",
    "input": [f"Write to me at {EMAIL} please", "nothing personal here"],
    "dimensions": 256,
    "metadata": {"note": f"contact {EMAIL}", "flag": True, "n": None},
}


def test_json_strings_are_redacted_before_the_upstream(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """A planted email in nested JSON strings never reaches the upstream."""
    resp = httpx.post(proxy.url + "/v1/embeddings", json=BODY, timeout=30)
    assert resp.status_code == 200
    sent = upstream.received[-1]
    assert sent.path == "/v1/embeddings"
    assert EMAIL not in str(sent.body)
    assert int(resp.headers["x-careguard-redactions"]) == 2


def test_non_string_values_and_keys_are_kept(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """Redaction changes string values only: keys, numbers, booleans and null stay."""
    httpx.post(proxy.url + "/v1/embeddings", json=BODY, timeout=30)
    sent = upstream.received[-1].body
    assert sent["model"] == BODY["model"]
    assert sent["input"][1] == "nothing personal here"
    assert (sent["dimensions"], sent["metadata"]["flag"], sent["metadata"]["n"]) == (
        256,
        True,
        None,
    )


def test_a_body_careguard_cannot_read_is_refused(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """A non-JSON body on a pass-through route gets 415 and is not forwarded."""
    resp = httpx.post(
        proxy.url + "/v1/audio/transcriptions",
        content=f"{EMAIL}".encode(),
        headers={"content-type": "text/plain"},
        timeout=30,
    )
    assert resp.status_code == 415
    assert "error" in resp.json()
    assert EMAIL not in resp.text
    assert upstream.received == []


def test_get_without_body_is_forwarded(proxy: ServerThread, upstream: ScriptedUpstream) -> None:
    """A GET pass-through (no body) reaches the upstream."""
    assert httpx.get(proxy.url + "/v1/models", timeout=30).status_code == 200
    assert upstream.received[-1].path == "/v1/models"


def test_forward_mode_relays_unchanged(
    start_proxy: StartProxy,
    upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream,
) -> None:
    """With pii.passthrough: forward the body goes upstream as sent (operator's choice)."""
    server = start_proxy(upstream_server[1].url, loaded=policy_with(pii={"passthrough": "forward"}))
    httpx.post(server.url + "/v1/embeddings", json=BODY, timeout=30)
    assert upstream.received[-1].body == BODY


def test_refuse_mode_answers_404(
    start_proxy: StartProxy,
    upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream,
) -> None:
    """With pii.passthrough: refuse other /v1/* routes get 404 and nothing is forwarded."""
    server = start_proxy(upstream_server[1].url, loaded=policy_with(pii={"passthrough": "refuse"}))
    resp = httpx.post(server.url + "/v1/embeddings", json=BODY, timeout=30)
    assert resp.status_code == 404
    assert upstream.received == []
