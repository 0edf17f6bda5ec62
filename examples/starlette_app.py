"""A Starlette chatbot guarded by careguard (``{"message": ...}`` → ``{"reply": ...}``).

Run: ``python examples/starlette_app.py`` (port 8000; ``--port N``), then::

    curl -s localhost:8000/chat -H 'content-type: application/json' \
         -d '{"message": "Hi, I am Dana Whitfield and work is getting to me"}'

``POST /chat`` answers JSON, ``POST /chat/stream`` streams plain text. The app sees the user's
text with personal data replaced; careguard's guidance for this turn is in
``request.state.careguard`` (a :class:`careguard.asgi.CareGuardState`).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from careguard import CareGuardMiddleware, Guard
from careguard.asgi import CareGuardState
from careguard.asgi import Route as ChatRoute

CHAT_ROUTES = [
    ChatRoute("/chat", message="$.message", history="$.history[*].content",
              history_roles="$.history[*].role", reply="$.reply"),
    ChatRoute("/chat/stream", message="$.message", reply="$.reply"),
]


def toy_llm(system_prompt: str, message: str) -> list[str]:
    """Stand-in for the app's real LLM call (offline): answers in a few chunks."""
    return ["Thank you for telling me. ", f"You wrote: {message} ", "I'm here with you."]


def _prompt(request: Request) -> str:
    guard: CareGuardState = request.state.careguard
    return "You are a kind companion.\n\n" + (guard.guidelines or "")


async def chat(request: Request) -> JSONResponse:
    body: dict[str, Any] = await request.json()
    return JSONResponse({"reply": "".join(toy_llm(_prompt(request), body["message"]))})


async def chat_stream(request: Request) -> StreamingResponse:
    body: dict[str, Any] = await request.json()
    chunks = toy_llm(_prompt(request), body["message"])

    async def gen() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    return StreamingResponse(gen(), media_type="text/plain")


def create_app(guard: Guard | None = None) -> Starlette:
    guard = guard or Guard.from_policy()
    return Starlette(
        routes=[Route("/chat", chat, methods=["POST"]),
                Route("/chat/stream", chat_stream, methods=["POST"])],
        middleware=[Middleware(CareGuardMiddleware, guard=guard, routes=CHAT_ROUTES)],
    )  # fmt: skip


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    uvicorn.run(create_app(), host="127.0.0.1", port=parser.parse_args().port)
