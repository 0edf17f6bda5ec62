"""A FastAPI chatbot guarded by careguard (``{"message": ...}`` → ``{"reply": ...}``).

Run: ``python examples/fastapi_app.py`` (port 8000; ``--port N``), then::

    curl -s localhost:8000/chat -H 'content-type: application/json' \
         -d '{"message": "Hi, I am Dana Whitfield and work is getting to me"}'

``POST /chat`` answers JSON, ``POST /chat/stream`` streams plain text. The app sees the user's
text with personal data replaced; careguard's guidance for this turn is in
``request.state.careguard`` (a :class:`careguard.asgi.CareGuardState`).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from careguard import CareGuardMiddleware, Guard
from careguard.asgi import CareGuardState, Route

CHAT_ROUTES = [
    Route("/chat", message="$.message", history="$.history[*].content",
          history_roles="$.history[*].role", reply="$.reply"),
    Route("/chat/stream", message="$.message", reply="$.reply"),
]


class Turn(BaseModel):
    role: str
    content: str


class ChatIn(BaseModel):
    message: str
    history: list[Turn] = []


class ChatOut(BaseModel):
    reply: str


def toy_llm(system_prompt: str, message: str) -> list[str]:
    """Stand-in for the app's real LLM call (offline): answers in a few chunks."""
    return ["Thank you for telling me. ", f"You wrote: {message} ", "I'm here with you."]


def _prompt(request: Request) -> str:
    guard: CareGuardState = request.state.careguard
    return "You are a kind companion.\n\n" + (guard.guidelines or "")


def create_app(guard: Guard | None = None) -> FastAPI:
    app = FastAPI(title="companion")

    @app.post("/chat")
    async def chat(body: ChatIn, request: Request) -> ChatOut:
        return ChatOut(reply="".join(toy_llm(_prompt(request), body.message)))

    @app.post("/chat/stream")
    async def chat_stream(body: ChatIn, request: Request) -> StreamingResponse:
        chunks = toy_llm(_prompt(request), body.message)

        async def gen() -> AsyncIterator[str]:
            for chunk in chunks:
                yield chunk

        return StreamingResponse(gen(), media_type="text/plain")

    app.add_middleware(CareGuardMiddleware, guard=guard or Guard.from_policy(),
                       routes=CHAT_ROUTES)  # fmt: skip
    return app


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    uvicorn.run(create_app(), host="127.0.0.1", port=parser.parse_args().port)
