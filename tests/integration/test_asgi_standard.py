"""CareGuardMiddleware's default routes (OpenAI, Anthropic), app failures and metrics, over real
sockets with the real models."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from careguard import CareGuardMiddleware, Guard
from careguard.asgi import Route
from careguard.metrics import Metrics
from careguard.observe import setup
from careguard.pipeline import Pipeline, Stages
from tests.integration.conftest import policy_with
from tests.integration.harness import ServerThread, lifespan, read_body, wait_for

pytestmark = [pytest.mark.models, pytest.mark.integration]

NAME = "Dana Whitfield"
CRISIS = f"I am {NAME}. I can't go on anymore. I want to die and I have been thinking about how."


@pytest.fixture(scope="module")
def guard(stages: Stages) -> Guard:
    """A Guard over the session's real stages."""
    return Guard(stages.loaded, assessor=stages.assessor, redactor=stages.redactor,
                 stages=stages)  # fmt: skip


class AppBroke(RuntimeError):
    """What the test app raises on ``/raise``."""


def sse(obj: Any) -> bytes:
    return f"data: {json.dumps(obj)}\n\n".encode()


async def llm_app(scope: Any, receive: Any, send: Any) -> None:
    """A chatbot backend that answers in the standard shapes, echoing the last user text.

    ``/fail`` answers 500, ``/raise`` raises; ``stream: true`` gets OpenAI SSE chunks.
    """
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    body = json.loads(await read_body(receive))
    if scope["path"] == "/raise":
        raise AppBroke("the chatbot backend broke")
    last = body["messages"][-1]["content"]
    reply = f"I hear you. You said: {last}"
    if scope["path"] == "/fail":
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b"boom"})
        return
    if body.get("stream"):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})  # fmt: skip
        base = {"id": "c1", "object": "chat.completion.chunk", "model": "m"}
        for piece in ("I hear you. ", f"You said: {last}"):
            chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece},
                                          "finish_reason": None}]}  # fmt: skip
            await send({"type": "http.response.body", "body": sse(chunk), "more_body": True})
        done = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await send({"type": "http.response.body", "body": sse(done), "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
        return
    if scope["path"] == "/v1/messages":
        out: dict[str, Any] = {"type": "message", "role": "assistant",
                               "content": [{"type": "text", "text": reply}]}  # fmt: skip
    else:
        out = {"choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}]}
    payload = json.dumps(out).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": payload})


@pytest.fixture(scope="module")
def server(guard: Guard) -> Iterator[tuple[str, Metrics]]:
    metrics = setup(guard.loaded, registry=CollectorRegistry()).metrics
    routes = [Route.openai(), Route.anthropic(), Route.openai("/fail"), Route.openai("/raise")]
    app = CareGuardMiddleware(llm_app, guard=guard, routes=routes, metrics=metrics)
    with ServerThread(app) as srv:
        yield srv.url, metrics


def test_openai_stream_is_restored_and_gets_resources_before_finish(
    server: tuple[str, Metrics],
) -> None:
    """An OpenAI SSE stream at a crisis turn: restored deltas, the note before the finish."""
    url, _ = server
    req = {"model": "m", "stream": True, "messages": [{"role": "user", "content": CRISIS}]}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=req, timeout=30) as r:
        lines = [ln for ln in r.iter_lines() if ln.startswith("data: ")]
    assert r.headers["x-careguard-level"] in ("high", "imminent")
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert NAME in text and "988" in text.split(NAME, 1)[1]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_anthropic_reply_gets_resources_as_its_own_block(server: tuple[str, Metrics]) -> None:
    """An Anthropic JSON reply at a crisis turn gains a text block with the resources."""
    url, _ = server
    req = {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": CRISIS}]}
    r = httpx.post(f"{url}/v1/messages", json=req, timeout=30)
    blocks = r.json()["content"]
    assert NAME in blocks[0]["text"]
    assert len(blocks) == 2 and "988" in blocks[1]["text"]


def test_app_failure_on_a_crisis_turn_still_reaches_the_user(
    server: tuple[str, Metrics],
) -> None:
    """When the app answers 5xx at the crisis level, careguard sends its safe message."""
    url, _ = server
    r = httpx.post(f"{url}/fail", json={"messages": [{"role": "user", "content": CRISIS}]},
                   timeout=30)  # fmt: skip
    assert r.status_code == 200 and r.headers["x-careguard-upstream"] == "failed"
    assert "988" in r.json()["choices"][0]["message"]["content"]


def test_app_raising_on_a_crisis_turn_still_reaches_the_user(
    server: tuple[str, Metrics],
) -> None:
    """When the app raises at the crisis level, careguard sends its safe message (not a 500)."""
    url, _ = server
    r = httpx.post(f"{url}/raise", json={"messages": [{"role": "user", "content": CRISIS}]},
                   timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["x-careguard-upstream"] == "failed"
    assert r.headers["x-careguard-level"] in ("high", "imminent")
    assert "988" in r.json()["choices"][0]["message"]["content"]


def test_app_raising_on_a_crisis_turn_reaches_the_server_log(
    server: tuple[str, Metrics],
) -> None:
    """The app's exception is re-raised to the server (uvicorn logs it), never swallowed."""
    url, _ = server
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]  # a list as a log sink
    server_log = logging.getLogger("uvicorn.error")
    server_log.addHandler(handler)
    try:
        httpx.post(f"{url}/raise", json={"messages": [{"role": "user", "content": CRISIS}]},
                   timeout=30)  # fmt: skip
        wait_for(lambda: any(r.exc_info for r in seen), timeout=10)
    finally:
        server_log.removeHandler(handler)
    errors = [r.exc_info[1] for r in seen if r.exc_info]
    assert any(isinstance(e, AppBroke) for e in errors)


def test_app_raising_on_a_crisis_turn_is_counted_as_an_upstream_error(
    server: tuple[str, Metrics],
) -> None:
    """The failure the user never saw is still counted (the CareguardUpstreamErrors alert)."""
    url, metrics = server

    def count() -> float:
        return metrics.registry.get_sample_value(
            "careguard_upstream_errors_total", {"kind": "error"}) or 0.0

    before = count()
    httpx.post(f"{url}/raise", json={"messages": [{"role": "user", "content": CRISIS}]},
               timeout=30)  # fmt: skip
    wait_for(lambda: count() == before + 1, timeout=10)


def test_response_names_the_country_whose_resources_were_used(
    server: tuple[str, Metrics],
) -> None:
    """A country given by name resolves; the header names the directory country used."""
    url, _ = server
    req = {"model": "m", "messages": [{"role": "user", "content": CRISIS}]}
    r = httpx.post(f"{url}/v1/chat/completions", json=req, timeout=30,
                   headers={"x-careguard-country": "United Kingdom"})  # fmt: skip
    assert r.headers["x-careguard-resources-country"] == "GB"
    assert "116 123" in r.json()["choices"][0]["message"]["content"]


def test_configured_routes_are_labelled_by_their_path_in_metrics(
    server: tuple[str, Metrics],
) -> None:
    """Turns on a configured route (``/fail``) are counted under it, not as ``other``."""
    url, metrics = server

    def count(route: str) -> float:
        return sum(s.value for fam in metrics.registry.collect() for s in fam.samples
                   if s.name == "careguard_requests_total" and s.labels["route"] == route)

    before, other = count("/fail"), count("other")
    httpx.post(f"{url}/fail", json={"messages": [{"role": "user", "content": "Hello!"}]},
               timeout=30)  # fmt: skip
    wait_for(lambda: count("/fail") == before + 1, timeout=10)
    assert count("other") == other


def test_app_failure_on_an_ordinary_turn_passes_through(server: tuple[str, Metrics]) -> None:
    """Below the crisis level the app's own error reaches the client unchanged."""
    url, _ = server
    r = httpx.post(f"{url}/fail", json={"messages": [{"role": "user", "content": "Hello!"}]},
                   timeout=30)  # fmt: skip
    assert r.status_code == 500 and r.content == b"boom"
    assert r.headers["x-careguard-level"] == "none"


def test_turns_are_recorded_in_the_given_metrics(server: tuple[str, Metrics]) -> None:
    """A guarded turn counts a request, an assessment and PII entity types."""
    url, metrics = server
    before = metrics.registry.get_sample_value(
        "careguard_requests_total", {"route": "/v1/chat/completions", "outcome": "ok"}) or 0.0
    text = "Hi, I am Rosalind Okafor from the metrics test."  # not analysed before (cache)
    req = {"model": "m", "messages": [{"role": "user", "content": text}]}
    httpx.post(f"{url}/v1/chat/completions", json=req, timeout=30)

    def counted() -> bool:  # recorded when the app returns, a moment after the reply
        return metrics.registry.get_sample_value(
            "careguard_requests_total", {"route": "/v1/chat/completions", "outcome": "ok"}
        ) == before + 1

    wait_for(counted, timeout=10)
    assert (metrics.registry.get_sample_value(
        "careguard_pii_entities_total", {"entity_type": "PERSON"}) or 0) >= 1


def test_imminent_turn_under_respond_is_answered_without_the_app(stages: Stages) -> None:
    """``imminent_action: respond``: careguard answers with resources; the app is not called."""
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await llm_app(scope, receive, send)
            return
        calls.append(scope["path"])
        payload = b'{"reply": "app answer"}'
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": payload})

    loaded = policy_with(interventions={"imminent_action": "respond"})
    pipeline = Pipeline(dataclasses.replace(stages, loaded=loaded))
    route = Route("/chat", message="$.message", reply="$.reply")
    with ServerThread(CareGuardMiddleware(app, pipeline=pipeline, routes=[route],
                                          warm_up=False)) as srv:  # fmt: skip
        r = httpx.post(f"{srv.url}/chat", timeout=30, json={
            "message": "I want to kill myself tonight, I have the pills ready."})
    assert r.headers["x-careguard-level"] == "imminent", r.headers
    assert r.headers["x-careguard-direct"] == "true" and calls == []
    assert "988" in r.json()["reply"]
