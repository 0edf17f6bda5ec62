"""Languages over real sockets: the proxy and the ASGI middleware say which language a
conversation is in, /v1/assess reports it, the audit line and the metrics count it, and a turn
careguard cannot read gets the policy's support — never a confident ``none``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from careguard import CareGuardMiddleware, Guard
from careguard.asgi import Route
from careguard.pipeline import Stages
from tests.integration.conftest import StartProxy, policy_with
from tests.integration.harness import (
    ScriptedUpstream,
    ServerThread,
    lifespan,
    path_of,
    read_body,
    request_body,
    sent_text,
)

pytestmark = [pytest.mark.integration, pytest.mark.models]

GERMAN = "Ich weiß nicht mehr weiter, alles ist so sinnlos geworden"
ENGLISH = "Could you help me plan a picnic for Saturday with my friends?"
APIS = ["openai", "anthropic"]


def post(server: ServerThread, api: str, text: str, **headers: str) -> httpx.Response:
    body = request_body(api, [{"role": "user", "content": text}], stream=False)
    return httpx.post(server.url + path_of(api), json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("api", APIS)
def test_proxy_names_an_unsupported_language_in_its_headers(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """A German turn through the proxy answers ``x-careguard-language: de``, not supported."""
    resp = post(proxy, api, GERMAN)
    assert resp.status_code == 200
    assert resp.headers["x-careguard-language"] == "de"
    assert resp.headers["x-careguard-language-supported"] == "false"


@pytest.mark.parametrize("api", APIS)
def test_proxy_names_english_as_supported(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """An English turn answers ``x-careguard-language: en``, supported."""
    resp = post(proxy, api, ENGLISH)
    assert resp.headers["x-careguard-language"] == "en"
    assert resp.headers["x-careguard-language-supported"] == "true"


def test_proxy_short_english_turn_is_und_and_supported(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """"ok" alone is ``und``: too short to tell, treated as supported."""
    resp = post(proxy, "openai", "ok")
    assert resp.headers["x-careguard-language"] == "und"
    assert resp.headers["x-careguard-language-supported"] == "true"


def test_unsupported_turn_sends_guidelines_and_local_lines_upstream(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """Default ``support``: the LLM's system prompt holds the guidelines and the German line."""
    post(proxy, "openai", GERMAN, **{"x-careguard-country": "DE"})
    seen = sent_text(upstream.received[-1])
    assert "cannot read the user's language" in seen and "TelefonSeelsorge" in seen


def test_report_only_sends_nothing_extra_upstream(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream,
) -> None:
    """``report``: the language is in the headers, nothing is added to the system prompt."""
    server = start_proxy(upstream_server[1].url,
                         loaded=policy_with(languages={"unsupported_action": "report"}))
    resp = post(server, "openai", "Kannst du mir ein Rezept für Apfelkuchen geben?")
    assert resp.headers["x-careguard-language-supported"] == "false"
    assert "careguard guidance" not in sent_text(upstream.received[-1])


def test_assess_reports_the_language_and_no_confident_none(proxy: ServerThread) -> None:
    """/v1/assess returns the language, the flag, the signal and a score of at most 0.5."""
    resp = httpx.post(proxy.url + "/v1/assess",
                      json={"messages": [{"role": "user", "content": GERMAN}]}, timeout=30)
    body = resp.json()
    assert (body["language"], body["language_supported"]) == ("de", False)
    assert "language:unsupported" in {s["name"] for s in body["signals"]}
    assert body["score"] <= 0.5 and body["turns"][0]["language"] == "de"
    assert resp.headers["x-careguard-language"] == "de"


def test_metrics_count_turns_by_language_and_unread_turns(proxy: ServerThread) -> None:
    """After a German assessment the scrape counts it by language and as unsupported."""

    def value(name: str) -> float:
        text = httpx.get(proxy.url + "/metrics", timeout=10).text
        line = next((ln for ln in text.splitlines() if ln.startswith(name + "{")
                     and 'language="de"' in ln), None)  # fmt: skip
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    before = [value("careguard_assessed_languages_total"),
              value("careguard_unsupported_language_turns_total")]  # fmt: skip
    httpx.post(proxy.url + "/v1/assess",
               json={"messages": [{"role": "user", "content": GERMAN}]}, timeout=30)
    after = [value("careguard_assessed_languages_total"),
             value("careguard_unsupported_language_turns_total")]  # fmt: skip
    assert after == [before[0] + 1, before[1] + 1]


def test_audit_line_holds_the_language(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The turn's audit event says ``de``, unsupported, and the support action taken."""
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CAREGUARD_AUDIT_PATH", str(path))
    server = start_proxy(upstream_server[1].url)
    post(server, "openai", GERMAN)
    event = json.loads(path.read_text().splitlines()[-1])
    assert (event["language"], event["language_supported"]) == ("de", False)
    assert {"language:unsupported", "language:support"} <= set(event["actions"])
    assert GERMAN not in path.read_text()


# -- the ASGI middleware ------------------------------------------------------------------------

CHAT = Route("/chat", message="$.message", reply="$.reply")


async def _chatbot(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return await lifespan(receive, send)
    await read_body(receive)
    body = json.dumps({"reply": "Ich höre dir zu."}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def asgi_server(stages: Stages) -> Iterator[ServerThread]:
    guard = Guard(stages.loaded, assessor=stages.assessor, redactor=stages.redactor,
                  stages=stages)  # fmt: skip
    with ServerThread(CareGuardMiddleware(_chatbot, guard=guard, routes=[CHAT])) as server:
        yield server


@pytest.mark.parametrize(("text", "code", "supported"),
                         [(GERMAN, "de", "false"), (ENGLISH, "en", "true")])
def test_asgi_middleware_names_the_language_in_its_headers(
    asgi_server: ServerThread, text: str, code: str, supported: str
) -> None:
    """The middleware's response carries the conversation's language and whether it is read."""
    resp = httpx.post(f"{asgi_server.url}/chat", json={"message": text}, timeout=30)
    assert resp.status_code == 200
    assert resp.headers["x-careguard-language"] == code
    assert resp.headers["x-careguard-language-supported"] == supported
