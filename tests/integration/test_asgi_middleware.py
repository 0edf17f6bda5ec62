"""CareGuardMiddleware on real ASGI apps served by uvicorn on 127.0.0.1, with the real models."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest

from careguard import CareGuardMiddleware, Guard
from careguard.asgi import CareGuardState, Route
from careguard.pipeline import Stages
from tests.integration.harness import ServerThread, lifespan, read_body

pytestmark = [pytest.mark.models, pytest.mark.integration]

NAME, EMAIL = "Dana Whitfield", "dana.whitfield@example.com"
PII_MESSAGE = f"Hi, I am {NAME}, you can write to me at {EMAIL}. Work is getting to me."
CRISIS_MESSAGE = "I can't go on anymore. I want to die and I have been thinking about how."
CALM_MESSAGE = "Could you help me plan a picnic for Saturday?"
CHAT = Route("/chat", message="$.message", history="$.history[*].content",
             history_roles="$.history[*].role", reply="$.reply")  # fmt: skip
STREAM = Route("/chat/stream", message="$.message", reply="$.reply")
EVENTS = Route("/chat/events", message="$.message", reply="$.reply", stream_delta="$.delta")
NDJSON = Route("/chat/ndjson", message="$.message", reply="$.reply")


@pytest.fixture(scope="module")
def guard(stages: Stages) -> Guard:
    """A Guard over the session's real stages (built once for all integration tests)."""
    return Guard(stages.loaded, assessor=stages.assessor, redactor=stages.redactor,
                 stages=stages)  # fmt: skip


class Chatbot:
    """A custom-shaped chatbot (``{"message"}`` → ``{"reply"}``) that echoes what it saw.

    ``/chat`` answers JSON, ``/chat/stream`` chunked text, ``/chat/events`` SSE; every request
    body it receives and the careguard state it is handed are recorded. ``gate``, when set,
    holds a stream after its first chunk until the test releases it.
    """

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.states: list[CareGuardState | None] = []
        self.gate: threading.Event | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        raw = await read_body(receive)
        self.bodies.append(raw)
        self.states.append(scope.get("state", {}).get("careguard"))
        if scope["path"] == "/other" or not raw.startswith(b"{"):
            await self._send(send, 200, b"text/plain", raw)
            return
        seen = json.loads(raw)["message"]
        parts = ["I hear you. That sounds hard. ", f"You said: {seen} ", "I'm here with you."]
        if scope["path"] == "/chat":
            body = json.dumps({"reply": "".join(parts), "mood": "warm"}).encode()
            await self._send(send, 200, b"application/json", body)
            return
        if scope["path"] == "/chat/ndjson":
            body = b"".join(json.dumps({"delta": p}).encode() + b"\n" for p in parts)
            await self._send(send, 200, b"application/x-ndjson", body)
            return
        sse = scope["path"] == "/chat/events"
        ctype = b"text/event-stream" if sse else b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", ctype)]})  # fmt: skip
        for i, part in enumerate(parts):
            chunk = f"data: {json.dumps({'delta': part})}\n\n".encode() if sse else part.encode()
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if i == 0 and self.gate is not None:
                await anyio.to_thread.run_sync(self.gate.wait, 10)
        tail = b"data: [DONE]\n\n" if sse else b""
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    @staticmethod
    async def _send(send: Any, status: int, ctype: bytes, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def chatbot_server(guard: Guard) -> Iterator[tuple[Chatbot, ServerThread]]:
    bot = Chatbot()
    app = CareGuardMiddleware(bot, guard=guard, routes=[CHAT, STREAM, EVENTS, NDJSON])
    with ServerThread(app) as server:
        yield bot, server


@pytest.fixture
def chatbot(chatbot_server: tuple[Chatbot, ServerThread]) -> tuple[Chatbot, str]:
    bot, server = chatbot_server
    bot.bodies.clear()
    bot.states.clear()
    bot.gate = None
    return bot, server.url


def test_bare_asgi_app_gets_redacted_openai_body_and_restored_reply(guard: Guard) -> None:
    """A ten-line ASGI app behind the default routes sees placeholders; the client its own data."""
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        body = json.loads(await read_body(receive))
        seen.append(body)
        text = body["messages"][-1]["content"]
        out = json.dumps({"choices": [{"index": 0, "message": {
            "role": "assistant", "content": f"Noted: {text}"}}]}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": out})

    with ServerThread(CareGuardMiddleware(app, guard=guard)) as server:
        r = httpx.post(f"{server.url}/v1/chat/completions", timeout=30,
                       json={"model": "m", "messages": [{"role": "user", "content": PII_MESSAGE}]})
    assert r.status_code == 200
    assert NAME not in json.dumps(seen) and EMAIL not in json.dumps(seen)
    assert NAME in r.json()["choices"][0]["message"]["content"]
    assert int(r.headers["x-careguard-redactions"]) >= 2
    assert r.headers["x-careguard-level"] in ("none", "low")
    assert len(r.headers["x-careguard-request-id"]) == 32
    assert int(r.headers["content-length"]) == len(r.content)


def test_custom_json_route_redacts_and_restores(chatbot: tuple[Chatbot, str]) -> None:
    """The app never sees the planted personal data; the JSON reply comes back restored."""
    bot, url = chatbot
    r = httpx.post(f"{url}/chat", json={"message": PII_MESSAGE, "history": []}, timeout=30)
    assert r.status_code == 200
    assert NAME.encode() not in bot.bodies[0] and EMAIL.encode() not in bot.bodies[0]
    assert NAME in r.json()["reply"] and EMAIL in r.json()["reply"]
    assert r.json()["mood"] == "warm"
    assert int(r.headers["content-length"]) == len(r.content)


def test_history_is_redacted_too(chatbot: tuple[Chatbot, str]) -> None:
    """Every history text declared by the route reaches the app redacted."""
    bot, url = chatbot
    history = [{"role": "user", "content": f"My email is {EMAIL}"},
               {"role": "assistant", "content": "Thanks, noted."}]  # fmt: skip
    r = httpx.post(f"{url}/chat", json={"message": CALM_MESSAGE, "history": history}, timeout=30)
    assert r.status_code == 200
    assert EMAIL.encode() not in bot.bodies[0]
    assert json.loads(bot.bodies[0])["history"][1]["content"] == "Thanks, noted."


@pytest.mark.parametrize("path", ["/chat/stream", "/chat/events"])
def test_streamed_reply_is_restored_and_gets_resources_at_high(
    chatbot: tuple[Chatbot, str], path: str
) -> None:
    """A streamed crisis turn: restored text, then the crisis resources appended."""
    bot, url = chatbot
    msg = f"I am {NAME}. {CRISIS_MESSAGE}"
    with httpx.stream("POST", f"{url}{path}", json={"message": msg}, timeout=30) as r:
        text = "".join(r.iter_text())
    assert r.headers["x-careguard-level"] in ("high", "imminent")
    assert NAME.encode() not in bot.bodies[0]
    if path == "/chat/events":
        deltas = [json.loads(line[6:])["delta"] for line in text.splitlines()
                  if line.startswith("data: {")]  # fmt: skip
        assert text.rstrip().endswith("data: [DONE]")
        text = "".join(deltas)
    assert NAME in text
    state = bot.states[0]
    assert state is not None and state.resources
    assert state.resources[0].service in text.split("I'm here with you.", 1)[1]


def test_stream_stays_a_stream(chatbot: tuple[Chatbot, str]) -> None:
    """The first sentence reaches the client while the app is still holding the rest back."""
    bot, url = chatbot
    bot.gate = threading.Event()
    try:
        with httpx.stream("POST", f"{url}/chat/stream", json={"message": CALM_MESSAGE},
                          timeout=30) as r:  # fmt: skip
            chunks = r.iter_text()
            first = next(chunks)
            released_before_end = not bot.gate.is_set()
            bot.gate.set()
            rest = "".join(chunks)
    finally:
        bot.gate.set()
    assert released_before_end and first.startswith("I hear you.")
    assert "here with you" in rest
    assert "content-length" not in r.headers


def test_scope_state_carries_assessment_and_guidelines(chatbot: tuple[Chatbot, str]) -> None:
    """At a distressed turn the app gets the level and guideline text in scope["state"]."""
    bot, url = chatbot
    r = httpx.post(f"{url}/chat", json={"message": CRISIS_MESSAGE}, timeout=30)
    state = bot.states[0]
    assert isinstance(state, CareGuardState)
    assert state.level.value == r.headers["x-careguard-level"]
    assert state.request_id == r.headers["x-careguard-request-id"]
    assert state.guidelines and state.resources[0].service in state.guidelines


def test_concurrent_requests_do_not_leak_state(guard: Guard) -> None:
    """Two turns in flight at once through one middleware keep their own level, data and state."""
    both_in = threading.Barrier(2, timeout=20)
    seen: dict[str, CareGuardState] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        message = json.loads(await read_body(receive))["message"]
        await anyio.to_thread.run_sync(both_in.wait)  # both requests are inside the app now
        state = scope["state"]["careguard"]
        seen[state.request_id] = state
        body = json.dumps({"reply": f"You said: {message}"}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    other = "Marcus Oyelaran"
    calm = f"Hi, I'm {other}. {CALM_MESSAGE}"
    crisis = f"I am {NAME}. {CRISIS_MESSAGE}"
    results: dict[str, httpx.Response] = {}
    middleware = CareGuardMiddleware(app, guard=guard, routes=[CHAT], warm_up=False)
    with ServerThread(middleware) as server:

        def post(key: str, message: str) -> None:
            results[key] = httpx.post(f"{server.url}/chat", json={"message": message}, timeout=30)

        threads = [threading.Thread(target=post, args=a) for a in (("calm", calm),
                                                                   ("crisis", crisis))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    calm_r, crisis_r = results["calm"], results["crisis"]
    assert calm_r.headers["x-careguard-level"] in ("none", "low")
    assert crisis_r.headers["x-careguard-level"] in ("high", "imminent")
    assert other in calm_r.json()["reply"] and NAME not in calm_r.json()["reply"]
    assert NAME in crisis_r.json()["reply"] and other not in crisis_r.json()["reply"]
    resource = seen[crisis_r.headers["x-careguard-request-id"]].resources[0].service
    assert resource in crisis_r.json()["reply"] and resource not in calm_r.json()["reply"]
    assert seen[calm_r.headers["x-careguard-request-id"]].resources == ()


@pytest.mark.parametrize(("body", "field"), [
    ({"msg": PII_MESSAGE}, "$.message"),
    ({"message": ["not", "text"]}, "$.message"),
    ({"message": PII_MESSAGE, "history": "not a list"}, "$.history"),
    ({"message": PII_MESSAGE, "history": [{"role": "user"}]}, "$.history[0].content"),
])  # fmt: skip
def test_wrong_shape_is_422_and_app_not_called(
    chatbot: tuple[Chatbot, str], body: dict[str, Any], field: str
) -> None:
    """A body that does not match the route gets a clear 422 naming the field; no app call."""
    bot, url = chatbot
    r = httpx.post(f"{url}/chat", json=body, timeout=30)
    assert r.status_code == 422
    assert r.json()["error"]["param"] == field and field in r.json()["error"]["message"]
    assert bot.bodies == []
    assert NAME not in r.text


def test_invalid_json_is_400_and_app_not_called(chatbot: tuple[Chatbot, str]) -> None:
    """A JSON content type with a broken body is refused before the app."""
    bot, url = chatbot
    r = httpx.post(f"{url}/chat", content=b'{"message": "' + NAME.encode(), timeout=30,
                   headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 400 and bot.bodies == []


@pytest.mark.parametrize(("path", "ctype", "raw"), [
    ("/other", "application/json", f'{{"message": "{PII_MESSAGE}"}}'.encode()),
    ("/chat", "text/plain", f"message={PII_MESSAGE}".encode()),
    ("/chat", "multipart/form-data; boundary=b", b"--b\r\n\r\nnot json\r\n--b--\r\n"),
])  # fmt: skip
def test_other_routes_and_non_json_bodies_pass_untouched(
    chatbot: tuple[Chatbot, str], path: str, ctype: str, raw: bytes
) -> None:
    """Unguarded paths and non-JSON bodies reach the app byte for byte, without headers."""
    bot, url = chatbot
    r = httpx.post(f"{url}{path}", content=raw, headers={"content-type": ctype}, timeout=30)
    assert bot.bodies == [raw] and r.content == raw
    assert "x-careguard-level" not in r.headers


def test_non_json_body_over_the_limit_is_413_and_app_not_called(
    chatbot: tuple[Chatbot, str],
) -> None:
    """A guarded route refuses a body it cannot inspect because of its size, whatever its
    content type (it could be mislabelled JSON), instead of passing it on unguarded."""
    bot, url = chatbot

    def chunks() -> Iterator[bytes]:  # sent in pieces, as a large upload arrives
        yield b'{"message": "'
        for _ in range(20):
            yield b"a" * 60_000
        yield b'"}'

    r = httpx.post(f"{url}/chat", content=chunks(), headers={"content-type": "text/plain"},
                   timeout=30)  # fmt: skip
    assert r.status_code == 413 and bot.bodies == []


def test_a_reply_careguard_cannot_read_is_marked_unchecked(
    chatbot: tuple[Chatbot, str], logs: io.StringIO
) -> None:
    """A 2xx reply in a format careguard does not read (NDJSON) passes through, marked
    ``x-careguard-reply-checked: false`` and logged, never silently."""
    _, url = chatbot
    r = httpx.post(f"{url}/chat/ndjson", json={"message": CALM_MESSAGE}, timeout=30)
    assert r.status_code == 200 and r.headers["x-careguard-reply-checked"] == "false"
    assert r.content.count(b"\n") == 3
    lines = [json.loads(x) for x in logs.getvalue().splitlines()]
    assert any(x.get("kind") == "application/x-ndjson" for x in lines)


def test_json_body_under_another_content_type_is_still_guarded(
    chatbot: tuple[Chatbot, str],
) -> None:
    """Mislabelling a JSON body as text/plain does not get personal data past careguard."""
    bot, url = chatbot
    raw = json.dumps({"message": PII_MESSAGE}).encode()
    r = httpx.post(f"{url}/chat", content=raw, headers={"content-type": "text/plain"},
                   timeout=30)  # fmt: skip
    assert NAME.encode() not in bot.bodies[0]
    assert r.headers["x-careguard-redactions"] != "0" and NAME in r.json()["reply"]
