"""careguard as a proxy over real sockets: redaction, injection, restoration, resources."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any

import httpx
import pytest

from careguard.escalation import Escalator
from careguard.levels import Level
from careguard.pipeline import Stages
from careguard.policy import EscalationPolicy
from tests.fixtures import SEED
from tests.integration.conftest import StartProxy, policy_with
from tests.integration.harness import (
    ScriptedUpstream,
    ServerThread,
    path_of,
    reply_text,
    request_body,
    sent_text,
)

pytestmark = [pytest.mark.integration, pytest.mark.models]

CRISIS = "I can't go on anymore. I have decided to kill myself tonight."
PLANTED = {
    "name": "Margaret Thornbury",
    "email": "margaret.thornbury@example.com",
    "phone": "(415) 555-0173",
}
NEUTRAL = "Please convert five kilometres to miles."
APIS = ["openai", "anthropic"]
MODES = [False, True]


def post(proxy: ServerThread, api: str, messages: list[dict[str, Any]], *, stream: bool = False,
         headers: dict[str, str] | None = None) -> httpx.Response:
    body = request_body(api, messages, stream=stream)
    return httpx.post(proxy.url + path_of(api), json=body, headers=headers or {}, timeout=30)


@pytest.mark.parametrize("api", APIS)
def test_upstream_never_sees_planted_personal_data(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """Names, emails and phone numbers in any turn are replaced before the upstream sees them."""
    messages = [
        {"role": "user", "content": f"Hi, I'm {PLANTED['name']}."},
        {"role": "assistant", "content": f"Nice to meet you, {PLANTED['name']}."},
        {"role": "user", "content": f"Mail me at {PLANTED['email']} or call {PLANTED['phone']}."},
    ]
    resp = post(proxy, api, messages)
    assert resp.status_code == 200
    seen = sent_text(upstream.received[-1])
    for value in PLANTED.values():
        assert value not in seen
    assert int(resp.headers["x-careguard-redactions"]) >= 4


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", MODES)
def test_pseudonyms_are_restored_in_the_reply(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str, stream: bool
) -> None:
    """The upstream answers with a placeholder; the client reads the user's own name."""

    def greet(body: Any) -> str:
        placeholder = re.search(r"<PERSON_[A-Z0-9]+>", json.dumps(body))
        assert placeholder is not None
        return f"Hello {placeholder.group(0)}, I'm glad you wrote."

    upstream.script.reply_fn = greet
    upstream.script.chunks = 7  # split the placeholder across deltas
    resp = post(proxy, api, [{"role": "user", "content": f"My name is {PLANTED['name']}."}],
                stream=stream)
    assert resp.status_code == 200
    assert reply_text(api, resp, stream=stream).startswith(f"Hello {PLANTED['name']}, I'm glad")


def test_reference_conversation_gets_guidelines_and_no_hotline(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """The seed conversation: guidelines injected, level below high, no crisis line anywhere."""
    messages = json.loads(SEED.read_text())["messages"]
    resp = post(proxy, "openai", messages)
    assert resp.status_code == 200
    level = Level(resp.headers["x-careguard-level"])
    assert Level.LOW <= level < Level.HIGH
    seen = sent_text(upstream.received[-1])
    assert "careguard guidance: begin" in seen
    assert "988" not in seen
    assert "988" not in reply_text("openai", resp, stream=False)


@pytest.mark.parametrize("api", APIS)
def test_neutral_turn_gets_no_injection(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """A neutral question is forwarded without any careguard system block."""
    resp = post(proxy, api, [{"role": "user", "content": NEUTRAL}])
    assert resp.headers["x-careguard-level"] == "none"
    assert "careguard guidance" not in sent_text(upstream.received[-1])


@pytest.mark.parametrize("api", APIS)
def test_crisis_resources_are_injected_for_the_users_country(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """At the crisis level the upstream's system prompt lists the GB lines (Samaritans)."""
    resp = post(proxy, api, [{"role": "user", "content": CRISIS}],
                headers={"x-careguard-country": "GB"})
    assert Level(resp.headers["x-careguard-level"]) >= Level.HIGH
    seen = sent_text(upstream.received[-1])
    assert "116 123" in seen
    assert "988" not in seen


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", MODES)
def test_resources_reach_the_user_when_the_reply_omits_them(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str, stream: bool
) -> None:
    """A crisis reply without resources gets the note with Samaritans 116 123 appended."""
    upstream.script.text = "I'm really sorry you're feeling this way. I'm here with you."
    resp = post(proxy, api, [{"role": "user", "content": CRISIS}], stream=stream,
                headers={"x-careguard-country": "GB"})
    text = reply_text(api, resp, stream=stream)
    assert text.startswith("I'm really sorry you're feeling this way.")
    assert "116 123" in text


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", MODES)
def test_no_second_note_when_the_reply_has_resources(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str, stream: bool
) -> None:
    """A reply that already names the line is passed without an extra note."""
    upstream.script.text = "Please call Samaritans on 116 123, any time. I'm here with you."
    resp = post(proxy, api, [{"role": "user", "content": CRISIS}], stream=stream,
                headers={"x-careguard-country": "GB"})
    assert reply_text(api, resp, stream=stream).count("116") == 1


@pytest.mark.parametrize("api", APIS)
def test_stream_arrives_as_several_chunks(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """A streamed reply reaches the client in several network reads, not one."""
    upstream.script.text = "One sentence here. Another sentence there. And a third one. Done."
    upstream.script.chunks = 4
    upstream.script.chunk_delay = 0.05
    body = request_body(api, [{"role": "user", "content": "Tell me something."}], stream=True)
    reads = 0
    with httpx.stream("POST", proxy.url + path_of(api), json=body, timeout=30) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        for chunk in resp.iter_raw():
            reads += bool(chunk)
    assert reads >= 3


@pytest.mark.parametrize("api", APIS)
def test_careguard_headers_on_proxied_responses(proxy: ServerThread, api: str) -> None:
    """Level, redaction count and request id headers are on every proxied response."""
    resp = post(proxy, api, [{"role": "user", "content": "Hello there."}])
    assert resp.headers["x-careguard-level"] == "none"
    assert resp.headers["x-careguard-redactions"] == "0"
    assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["x-careguard-request-id"])


def test_assess_route_returns_the_assessment(proxy: ServerThread) -> None:
    """/v1/assess answers with the assessment and calls no LLM."""
    resp = httpx.post(proxy.url + "/v1/assess",
                      json={"messages": [{"role": "user", "content": CRISIS}]}, timeout=30)
    data = resp.json()
    assert Level(data["level"]) >= Level.HIGH
    assert {"score", "trend", "subject", "signals"} <= data.keys()


def test_client_credentials_are_forwarded_by_default(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """Without a configured key the client's Authorization header goes upstream."""
    httpx.post(proxy.url + "/v1/chat/completions", timeout=30,
               json=request_body("openai", [{"role": "user", "content": "Hi"}], stream=False),
               headers={"authorization": "Bearer client-key"})
    assert upstream.received[-1].headers["authorization"] == "Bearer client-key"


def test_passthrough_routes_reach_the_upstream(
    proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """Other /v1/* routes are forwarded to the configured upstream, with careguard headers."""
    resp = httpx.post(proxy.url + "/v1/embeddings", json={"input": "x"}, timeout=30)
    assert resp.status_code == 200
    assert upstream.received[-1].path == "/v1/embeddings"
    assert "x-careguard-request-id" in resp.headers


def test_configured_upstream_key_replaces_the_clients(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream,
) -> None:
    """With --upstream-key the upstream gets that key and the client never sees it."""
    proxy = start_proxy(upstream_server[1].url, key="sk-configured-1234")
    resp = httpx.post(proxy.url + "/v1/messages", timeout=30,
                      json=request_body("anthropic", [{"role": "user", "content": "Hi"}],
                                        stream=False),
                      headers={"x-api-key": "client-key", "authorization": "Bearer client"})
    got = upstream.received[-1].headers
    assert got["x-api-key"] == "sk-configured-1234"
    assert "authorization" not in got
    assert "sk-configured" not in resp.text + json.dumps(dict(resp.headers))


def test_escalation_webhook_gets_a_pii_free_event(
    start_proxy: StartProxy, stages: Stages,
    upstream_server: tuple[ScriptedUpstream, ServerThread], upstream: ScriptedUpstream,
) -> None:
    """An imminent turn fires the policy's webhook with no conversation text, not blocking."""
    webhook = ScriptedUpstream()
    with ServerThread(webhook) as hook:
        loaded = policy_with(interventions={"escalation": EscalationPolicy(
            webhook_url=hook.url + "/hook", min_level=Level.HIGH)})
        with_hook = dataclasses.replace(stages, escalation=Escalator.from_policy(loaded.policy))
        proxy = start_proxy(upstream_server[1].url, loaded=loaded, stages_override=with_hook)
        message = f"I'm {PLANTED['name']}. {CRISIS}"
        resp = post(proxy, "openai", [{"role": "user", "content": message}],
                    headers={"x-careguard-country": "GB"})
        assert resp.status_code == 200
        deadline = time.monotonic() + 10
        while not webhook.received and time.monotonic() < deadline:
            time.sleep(0.05)
    event = webhook.received[0].body
    assert event["level"] in ("high", "imminent")
    assert event["request_id"] == resp.headers["x-careguard-request-id"]
    assert PLANTED["name"] not in json.dumps(event) and "kill" not in json.dumps(event)
