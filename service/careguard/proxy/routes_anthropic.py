"""``POST /v1/messages`` (Anthropic); its stream relay is
:mod:`careguard.proxy.relay_anthropic`."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from careguard.proxy.relay_anthropic import AnthropicRelay
from careguard.proxy.state import ProxyState
from careguard.proxy.turn import handle_turn

__all__ = ["AnthropicRelay", "messages"]


@post("/v1/messages", status_code=200)
async def messages(request: Request[Any, Any, Any]) -> Response[Any]:
    """Anthropic messages through careguard (streaming and not)."""
    state: ProxyState = request.app.state.careguard
    return await handle_turn("anthropic", request, state, AnthropicRelay)
