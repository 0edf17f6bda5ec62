"""The built-in ``echo`` upstream: answers with what the LLM would have received.

An httpx transport, so the proxy's upstream path is exactly the one a real LLM gets. It
answers OpenAI chat completions and Anthropic messages in their own shapes, streaming (as
several SSE chunks) or not. Placeholders are shown as ``⟨PERSON_1⟩`` so that the proxy's
restorer leaves them visible: a newcomer sees the redaction and the injected system text.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

from careguard.adapters import Api
from careguard.conversation import text_of_content
from careguard.errors import ShapeError
from careguard.proxy.shapes import reply_events, whole_reply

__all__ = ["ECHO_BASE_URL", "EchoTransport", "echo_text"]

ECHO_BASE_URL = "http://echo.careguard.invalid"
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")


def echo_text(body: dict[str, Any], *, anthropic: bool) -> str:
    """The echo reply: every message the LLM would have received, role by role."""
    lines = ["[careguard echo] The LLM would have received:"]
    if anthropic and body.get("system") is not None:
        lines.append(f"system: {text_of_content(body['system'], '$.system')}")
    for i, m in enumerate(body.get("messages") or []):
        if isinstance(m, dict):
            text = text_of_content(m.get("content"), f"$.messages[{i}].content")
            lines.append(f"{m.get('role')}: {text}")
    return _PLACEHOLDER.sub(r"⟨\1⟩", "\n\n".join(lines))


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for c in self._chunks:
            yield c


class EchoTransport(httpx.AsyncBaseTransport):
    """Answers ``POST .../chat/completions`` and ``POST .../messages``; 404 otherwise."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        anthropic = path.endswith("/messages")
        if request.method != "POST" or not (anthropic or path.endswith("/chat/completions")):
            msg = "the echo upstream has no such route"
            return httpx.Response(404, json={"error": {"type": "not_found", "message": msg}})
        try:
            body = json.loads(await request.aread())
            text = echo_text(body, anthropic=anthropic)
        except (ValueError, ShapeError):
            msg = "the echo upstream got a body it cannot read"
            return httpx.Response(400, json={"error": {"type": "invalid_request_error",
                                                       "message": msg}})
        api: Api = "anthropic" if anthropic else "openai"
        model = str(body.get("model") or "echo")
        if body.get("stream") is True:
            return httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  stream=_Chunks(reply_events(api, text, model, "echo")))
        return httpx.Response(200, json=whole_reply(api, text, model, "echo"))
