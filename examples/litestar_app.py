"""A litestar chatbot guarded by careguard via ``CareGuardPlugin`` (plus ``/metrics``).

Run: ``python examples/litestar_app.py`` (port 8000; ``--port N``), then::

    curl -s localhost:8000/chat -H 'content-type: application/json' \
         -d '{"message": "Hi, I am Dana Whitfield and work is getting to me"}'
    curl -s localhost:8000/metrics | grep careguard_requests

``POST /chat`` answers JSON, ``POST /chat/stream`` streams plain text. The app sees the user's
text with personal data replaced; careguard's guidance for this turn is in
``request.state.careguard`` (a :class:`careguard.asgi.CareGuardState`).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, Request, post
from litestar.response import Stream

from careguard import Guard
from careguard.asgi import CareGuardState, Route
from careguard.plugin import CareGuardConfig, CareGuardPlugin

CHAT_ROUTES = [
    Route("/chat", message="$.message", history="$.history[*].content",
          history_roles="$.history[*].role", reply="$.reply"),
    Route("/chat/stream", message="$.message", reply="$.reply"),
]


def toy_llm(system_prompt: str, message: str) -> list[str]:
    """Stand-in for the app's real LLM call (offline): answers in a few chunks."""
    return ["Thank you for telling me. ", f"You wrote: {message} ", "I'm here with you."]


def _prompt(request: Request[Any, Any, Any]) -> str:
    guard: CareGuardState = request.state.careguard
    return "You are a kind companion.\n\n" + (guard.guidelines or "")


@post("/chat", status_code=200)
async def chat(data: dict[str, Any], request: Request[Any, Any, Any]) -> dict[str, str]:
    return {"reply": "".join(toy_llm(_prompt(request), data["message"]))}


@post("/chat/stream", status_code=200)
async def chat_stream(data: dict[str, Any], request: Request[Any, Any, Any]) -> Stream:
    chunks = toy_llm(_prompt(request), data["message"])

    async def gen() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    return Stream(gen(), media_type="text/plain")


def create_app(guard: Guard | None = None) -> Litestar:
    config = CareGuardConfig(guard=guard, routes=CHAT_ROUTES)
    return Litestar([chat, chat_stream], plugins=[CareGuardPlugin(config)])


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    uvicorn.run(create_app(), host="127.0.0.1", port=parser.parse_args().port)
