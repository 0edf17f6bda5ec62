"""``POST /v1/chat/completions`` (OpenAI); its stream relay is
:mod:`careguard.proxy.relay_openai`."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from careguard.proxy.relay_openai import OpenAIRelay
from careguard.proxy.state import ProxyState
from careguard.proxy.turn import handle_turn

__all__ = ["OpenAIRelay", "chat_completions"]


@post("/v1/chat/completions", status_code=200)
async def chat_completions(request: Request[Any, Any, Any]) -> Response[Any]:
    """OpenAI chat completions through careguard (streaming and not)."""
    state: ProxyState = request.app.state.careguard
    return await handle_turn("openai", request, state, OpenAIRelay)
