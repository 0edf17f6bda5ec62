"""Access control and header hygiene over real sockets: client keys (hashed, a policy per key),
the upstream key never echoed, logged or forwarded elsewhere, hop-by-hop and internal headers
dropped both ways."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from careguard.logs import configure_logging
from careguard.pipeline import Stages
from careguard.policy import load_policy
from careguard.proxy.app import create_app
from careguard.proxy.auth import hash_key
from careguard.settings import ServeSettings
from tests.integration.conftest import StartProxy, wait_ready
from tests.integration.harness import (
    ScriptedUpstream,
    ServerThread,
    path_of,
    request_body,
)
from tests.integration.test_faults import FaultUpstream, response, whole

pytestmark = [pytest.mark.integration, pytest.mark.models]

KEY_A = "sk-client-aaaa-1111"
KEY_B = "sk-client-bbbb-2222"
UPSTREAM_KEY = "sk-upstream-zzzz-9999"
APIS = ["openai", "anthropic"]


@pytest.fixture(scope="module")
def keyed(
    stages: Stages, upstream_server: tuple[ScriptedUpstream, ServerThread],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerThread]:
    """careguard with two client keys: A on the service's policy, B on one whose
    max_message_chars is 20."""
    tmp = tmp_path_factory.mktemp("keys")
    default = Path(load_policy().source).read_text(encoding="utf-8")
    assert "max_message_chars: 32000" in default
    (tmp / "short.yaml").write_text(default.replace("max_message_chars: 32000",
                                                    "max_message_chars: 20"))  # fmt: skip
    (tmp / "keys.yaml").write_text(
        f"version: 1\nkeys:\n  - name: app-a\n    sha256: {hash_key(KEY_A)}\n"
        f"  - name: app-b\n    sha256: {hash_key(KEY_B)}\n    policy: short.yaml\n")
    settings = ServeSettings(upstream=upstream_server[1].url, upstream_key=UPSTREAM_KEY,
                             keys_file=str(tmp / "keys.yaml"))  # fmt: skip
    app = create_app(settings, stages_factory=lambda lp: dataclasses.replace(stages, loaded=lp))
    with ServerThread(app) as server:
        wait_ready(server.url)
        yield server


def chat(server: ServerThread, api: str, headers: dict[str, str],
         text: str = "Hello there.") -> httpx.Response:  # fmt: skip
    body = request_body(api, [{"role": "user", "content": text}], stream=False)
    return httpx.post(server.url + path_of(api), json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer sk-wrong"}, {"x-api-key": KEY_A[:-1]},
     {"authorization": f"Basic {KEY_A}"}],
    ids=["none", "wrong-bearer", "truncated", "basic-scheme"],
)
def test_a_missing_or_unknown_key_is_401_in_the_envelope(
    keyed: ServerThread, upstream: ScriptedUpstream, api: str, headers: dict[str, str]
) -> None:
    """Without a known key a chat turn is refused with 401 in the API's own envelope, and
    nothing reaches the upstream."""
    resp = chat(keyed, api, headers)
    assert resp.status_code == 401
    data = resp.json()
    if api == "anthropic":
        assert data["error"]["type"] == "authentication_error"
    else:
        assert data["error"]["code"] == "invalid_api_key"
    assert upstream.received == []


@pytest.mark.parametrize(
    "headers",
    [{"authorization": f"Bearer {KEY_A}"}, {"x-api-key": KEY_A}, {"x-careguard-key": KEY_A}],
    ids=["bearer", "x-api-key", "x-careguard-key"],
)
def test_a_known_key_passes_and_is_never_forwarded(
    keyed: ServerThread, upstream: ScriptedUpstream, headers: dict[str, str]
) -> None:
    """A known key in any of the accepted headers is let through; the upstream gets the
    configured upstream key and never the client's."""
    resp = chat(keyed, "openai", headers)
    assert resp.status_code == 200
    sent = upstream.received[-1].headers
    assert sent["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert KEY_A not in str(sent)


def test_each_key_gets_its_own_policy(keyed: ServerThread, upstream: ScriptedUpstream) -> None:
    """Key B's policy (max_message_chars 20) refuses a 30-character message that key A's
    policy lets through."""
    text = "I would like to talk, please."
    assert chat(keyed, "openai", {"x-api-key": KEY_A}, text).status_code == 200
    resp = chat(keyed, "openai", {"x-api-key": KEY_B}, text)
    assert resp.status_code == 413
    assert "longer than 20 characters" in resp.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_metrics_need_no_key(keyed: ServerThread, path: str) -> None:
    """Liveness, readiness and the metrics scrape stay open with client keys on."""
    assert httpx.get(keyed.url + path, timeout=10).status_code == 200


def test_pass_through_routes_need_a_key(keyed: ServerThread, upstream: ScriptedUpstream) -> None:
    """Other /v1/* routes (forwarded unchanged) are behind the key too."""
    assert httpx.get(keyed.url + "/v1/models", timeout=10).status_code == 401
    assert upstream.received == []


def test_a_bad_keys_file_stops_start_up(tmp_path: Path) -> None:
    """create_app refuses a keys file with a plain key in it (PolicyError, not a 500 later)."""
    from careguard.errors import PolicyError

    keys = tmp_path / "keys.yaml"
    keys.write_text("version: 1\nkeys:\n  - name: a\n    key: sk-plain\n")
    with pytest.raises(PolicyError):
        create_app(ServeSettings(upstream="echo", keys_file=str(keys)))


# ---------------------------------------------------------------- the upstream key


@pytest.fixture(scope="module")
def raw_upstream() -> Iterator[FaultUpstream]:
    up = FaultUpstream()
    yield up
    up.close()


@pytest.mark.parametrize(
    "answer",
    [response(200, whole("openai", "Fine.")), response(500, b""),
     response(401, b'{"error": {"type": "invalid_api_key", "message": "bad key sk-ups..."}}')],
    ids=["ok", "500", "401-from-upstream"],
)
def test_the_upstream_key_is_never_echoed_or_logged(
    start_proxy: StartProxy, raw_upstream: FaultUpstream, logs: io.StringIO, answer: bytes
) -> None:
    """Whatever the upstream answers, its key appears in no response header, body or log
    line; a client's own Authorization is replaced, not forwarded."""
    server = start_proxy(raw_upstream.url, key=UPSTREAM_KEY)
    configure_logging("DEBUG", logs)

    async def behave(w: asyncio.StreamWriter) -> None:
        w.write(answer)
        await w.drain()

    raw_upstream.behaviour = behave
    resp = chat(server, "openai", {"authorization": "Bearer sk-client-own-5555"})
    seen = resp.text + str(resp.headers) + logs.getvalue()
    assert UPSTREAM_KEY not in seen and "zzzz-9999" not in seen
    sent = raw_upstream.requests[-1].decode("latin-1").lower()
    assert f"authorization: bearer {UPSTREAM_KEY}" in sent
    assert "sk-client-own-5555" not in sent


# ---------------------------------------------------------------- header hygiene

HOP_BY_HOP = {"connection": "keep-alive, x-secret-hop", "keep-alive": "timeout=5", "te": "trailers",
              "trailer": "x-foo", "upgrade": "websocket", "proxy-authorization": "Basic eA==",
              "x-secret-hop": "1"}  # fmt: skip
INTERNAL = {"x-careguard-country": "GB", "x-careguard-conversation-id": "conv-1",
            "x-forwarded-for": "10.0.0.1", "cookie": "session=abc", "x-internal-user": "u-42"}


def test_hop_by_hop_and_internal_request_headers_are_not_forwarded(
    start_proxy: StartProxy, raw_upstream: FaultUpstream
) -> None:
    """Connection-scoped headers, careguard's own x-careguard-* headers, cookies and
    forwarding headers stay at careguard; the upstream gets an allow-list only."""
    server = start_proxy(raw_upstream.url)

    async def behave(w: asyncio.StreamWriter) -> None:
        w.write(response(200, whole("openai", "Fine.")))
        await w.drain()

    raw_upstream.behaviour = behave
    resp = chat(server, "openai", {**HOP_BY_HOP, **INTERNAL})
    assert resp.status_code == 200
    head = raw_upstream.requests[-1].split(b"\r\n\r\n")[0].decode("latin-1").lower()
    names = {line.split(":")[0] for line in head.split("\r\n")[1:]}
    assert names & (set(HOP_BY_HOP) - {"connection"} | set(INTERNAL)) == set()
    assert "x-secret-hop" not in head and "websocket" not in head


RESPONSE_HEADERS = ("set-cookie: upstream_session=1\r\nx-internal-trace: node-7\r\n"
                    "server: upstream-llm/1.2\r\nvia: 1.1 lb\r\nkeep-alive: timeout=5\r\n"
                    "x-request-id: req_123\r\n")  # fmt: skip


@pytest.mark.parametrize("route", ["/v1/chat/completions", "/v1/models"])
def test_upstream_response_headers_are_filtered(
    start_proxy: StartProxy, raw_upstream: FaultUpstream, route: str
) -> None:
    """Cookies, server banners and internal trace headers from the upstream do not reach the
    client (chat and pass-through routes); on pass-through its request id does."""
    server = start_proxy(raw_upstream.url)

    async def behave(w: asyncio.StreamWriter) -> None:
        w.write(response(200, whole("openai", "Fine."), extra=RESPONSE_HEADERS))
        await w.drain()

    raw_upstream.behaviour = behave
    if route == "/v1/models":
        resp = httpx.get(server.url + route, timeout=30)
    else:
        resp = chat(server, "openai", {})
    assert resp.status_code == 200
    names = {k.lower() for k in resp.headers}
    assert names & {"set-cookie", "x-internal-trace", "via", "keep-alive"} == set()
    assert resp.headers.get("server") != "upstream-llm/1.2"
    if route == "/v1/models":
        assert resp.headers["x-request-id"] == "req_123"
