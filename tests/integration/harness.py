"""Real servers on 127.0.0.1 for integration tests and benchmarks.

- :class:`ServerThread` runs any ASGI app under uvicorn in a thread on a free port.
- :class:`ScriptedUpstream` is a stand-in for a hosted LLM (the only test double the project
  allows): a raw ASGI app that records every request it receives and answers as scripted —
  OpenAI or Anthropic shape, whole or streamed in several chunks, an error status, or a hang.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ServerThread:
    """uvicorn serving ``app`` on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Script:
    """What the upstream answers next."""

    text: str = "I hear you. That sounds hard."
    status: int = 200
    chunks: int = 4
    """Streaming: how many content deltas the text is split into."""
    chunk_delay: float = 0.0
    hang_s: float = 0.0
    """Sleep this long before answering (timeouts)."""
    endless: bool = False
    """Streaming: keep sending deltas until the client goes away (disconnect tests)."""
    reply_fn: Callable[[Any], str] | None = None
    """Compute the reply text from the received body (overrides ``text``)."""


@dataclass
class ScriptedUpstream:
    """A scripted LLM API on loopback that records what it received."""

    script: Script = field(default_factory=Script)
    received: list[Received] = field(default_factory=list)
    disconnected: threading.Event = field(default_factory=threading.Event)
    sent_after_disconnect: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        raw = await read_body(receive)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        body = json.loads(raw) if raw else None
        self.received.append(Received(scope["method"], scope["path"], headers, body))
        s = self.script
        if s.hang_s:
            await asyncio.sleep(s.hang_s)
        anthropic = scope["path"].endswith("/messages")
        text = s.reply_fn(body) if s.reply_fn else s.text
        if s.status >= 400:
            err = {"error": {"type": "rate_limit_error", "message": "slow down"}}
            await _send_json(send, s.status, err)
            return
        if isinstance(body, dict) and body.get("stream"):
            await self._stream(anthropic, text, receive, send)
            return
        await _send_json(send, 200, _whole(anthropic, text))

    async def _stream(self, anthropic: bool, text: str, receive: Receive, send: Send) -> None:
        s = self.script

        gone = asyncio.Event()  # this stream's client left (an earlier test's stream that
        # ends late must not end this one: the shared flag below is only for assertions)

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()
            self.disconnected.set()

        watcher = asyncio.create_task(watch())
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        try:
            for event in _events(anthropic, text, s.chunks, endless=s.endless):
                if gone.is_set():
                    self.sent_after_disconnect += 1
                    if self.sent_after_disconnect > 50:
                        return
                await send({"type": "http.response.body", "body": event, "more_body": True})
                await asyncio.sleep(s.chunk_delay)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()


async def _send_json(send: Send, status: int, obj: Any) -> None:
    body = json.dumps(obj).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def _whole(anthropic: bool, text: str) -> dict[str, Any]:
    if anthropic:
        return {"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                "usage": {"input_tokens": 1, "output_tokens": 1}}
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}]}


def split(text: str, n: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, n)))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _sse(obj: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(obj)}\n\n".encode()


def _events(anthropic: bool, text: str, n: int, *, endless: bool) -> Any:
    pieces = split(text, n)
    if anthropic:
        yield _sse({"type": "message_start", "message": {"id": "msg_1", "type": "message",
                    "role": "assistant", "content": [], "model": "m"}}, "message_start")
        yield _sse({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}, "content_block_start")
        while True:
            for p in pieces:
                yield _sse({"type": "content_block_delta", "index": 0,
                            "delta": {"type": "text_delta", "text": p}}, "content_block_delta")
            if not endless:
                break
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        yield _sse({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                    "usage": {"output_tokens": 3}}, "message_delta")
        yield _sse({"type": "message_stop"}, "message_stop")
        return
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    yield _sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                     "finish_reason": None}]})
    while True:
        for p in pieces:
            yield _sse({**base, "choices": [{"index": 0, "delta": {"content": p},
                                             "finish_reason": None}]})
        if not endless:
            break
    yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    yield b"data: [DONE]\n\n"


# ---------------------------------------------------------------- client side


def request_body(api: str, messages: list[dict[str, Any]], *, stream: bool) -> dict[str, Any]:
    """A chat request in ``api``'s shape (OpenAI-style ``messages`` in; system lifted out for
    Anthropic)."""
    if api == "openai":
        return {"model": "m", "stream": stream, "messages": messages}
    system = [m["content"] for m in messages if m["role"] == "system"]
    body: dict[str, Any] = {"model": "m", "max_tokens": 100, "stream": stream,
                            "messages": [m for m in messages if m["role"] != "system"]}
    if system:
        body["system"] = "\n".join(system)
    return body


def path_of(api: str) -> str:
    return "/v1/messages" if api == "anthropic" else "/v1/chat/completions"


def reply_text(api: str, resp: Any, *, stream: bool) -> str:
    """The assistant's text as the client sees it (joined deltas for a stream)."""
    if not stream:
        data = resp.json()
        if api == "anthropic":
            return "\n".join(b["text"] for b in data["content"] if b.get("type") == "text")
        return str(data["choices"][0]["message"]["content"])
    out: list[str] = []
    for block in resp.text.split("\n\n"):
        for line in block.split("\n"):
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            obj = json.loads(line[6:])
            if api == "anthropic":
                if obj.get("type") == "content_block_delta":
                    out.append(obj["delta"].get("text", ""))
            else:
                for c in obj.get("choices", []):
                    out.append(c.get("delta", {}).get("content") or "")
    return "".join(out)


def sent_text(received: Received) -> str:
    """Everything the upstream received, as one string (to search for leaked values)."""
    return json.dumps(received.body, ensure_ascii=False)


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``check`` until it is true (HTTP errors count as not yet), or fail after
    ``timeout`` seconds. For what happens after a response is sent (metrics are recorded
    when the app returns, which a client may see a moment later)."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


async def lifespan(receive: Any, send: Any) -> None:
    """Answer uvicorn's lifespan protocol (a bare ASGI app's few lines for it)."""
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


async def read_body(receive: Any) -> bytes:
    """The whole request body of a bare ASGI app."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body
