"""The one place that maps errors to HTTP responses, in the client's own error envelope.

OpenAI routes: ``{"error": {"message", "type", "code"}}``; Anthropic (``/v1/messages``):
``{"type": "error", "error": {"type", "message"}}``. Messages name fields, stages and limits,
never conversation text. Statuses and bodies come from :mod:`careguard.proxy.envelopes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Response

from careguard import observe
from careguard.adapters import Api
from careguard.proxy.envelopes import (
    Overloaded,
    Starting,
    error_body,
    error_event,
    error_parts,
)
from careguard.proxy.upstream import UpstreamStatus

__all__ = ["Overloaded", "Starting", "error_event", "error_parts", "error_response"]


def error_response(
    api: Api, exc: BaseException, headers: Mapping[str, str] | None = None
) -> Response[Any]:
    observe.note_error(exc)
    status, kind, code, message = error_parts(exc)
    out = dict(headers or {})
    if isinstance(exc, UpstreamStatus) and exc.retry_after:
        out["retry-after"] = exc.retry_after  # a 429/503's back-off reaches the client
    return Response(error_body(api, status, kind, code, message), status_code=status,
                    headers=out, media_type="application/json")
