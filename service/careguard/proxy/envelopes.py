"""Error envelopes: the one place that maps errors to statuses and bodies, framework-free.

The litestar response is built in :mod:`careguard.proxy.errors`; the ASGI middleware and the
stream relays use these functions directly, so they never import a web framework.

OpenAI routes: ``{"error": {"message", "type", "code"}}``; Anthropic (``/v1/messages``):
``{"type": "error", "error": {"type", "message"}}``. Messages name fields, stages and limits,
never conversation text.
"""

from __future__ import annotations

import logging
from typing import Any

from careguard import observe
from careguard.adapters import Api
from careguard.errors import (
    CareguardError,
    InputError,
    StageError,
    StageTimeout,
    UpstreamError,
    UpstreamTimeout,
)
from careguard.proxy.upstream import UpstreamStatus

__all__ = ["Overloaded", "Starting", "error_body", "error_event", "error_parts"]

log = logging.getLogger("careguard.proxy")


class Overloaded(CareguardError):
    """More concurrent requests than ``limits.max_concurrency``."""


class Starting(CareguardError):
    """Models are still loading."""


_ANTHROPIC_TYPE = {
    400: "invalid_request_error", 408: "invalid_request_error", 401: "authentication_error",
    403: "permission_error",
    404: "not_found_error", 413: "request_too_large", 422: "invalid_request_error",
    429: "rate_limit_error", 503: "overloaded_error", 529: "overloaded_error",
}


def error_parts(exc: BaseException) -> tuple[int, str, str, str]:
    """``(status, type, code, message)`` for an error; unknown errors are a bare 500."""
    if isinstance(exc, InputError):
        code = {408: "request_timeout", 413: "body_too_large", 422: "invalid_shape"}.get(
            exc.status, "invalid_request")
        return exc.status, "invalid_request_error", code, str(exc)
    if isinstance(exc, UpstreamStatus):
        kind = exc.upstream_type or "upstream_error"
        return exc.status, kind, "upstream_status", str(exc)
    if isinstance(exc, UpstreamTimeout):
        return 504, "upstream_error", "upstream_timeout", "the upstream did not answer in time"
    if isinstance(exc, UpstreamError):
        code = f"upstream_{exc.kind}"
        return exc.status, "upstream_error", code, "the upstream could not be reached or failed"
    if isinstance(exc, StageTimeout | StageError):
        msg = f"safety stage {exc.stage!r} could not run; nothing was forwarded"
        return 503, "service_unavailable", "stage_failed", msg
    if isinstance(exc, Overloaded):
        return 503, "service_unavailable", "overloaded", "too many concurrent requests"
    if isinstance(exc, Starting):
        return 503, "service_unavailable", "starting", "careguard is loading its models"
    log.error("unexpected error", extra={"error": exc.__class__.__name__})
    return 500, "internal_error", "internal_error", "internal error"


def error_body(api: Api, status: int, kind: str, code: str, message: str) -> dict[str, Any]:
    if api == "anthropic":
        a_kind = kind if kind.endswith("_error") and kind != "upstream_error" else (
            _ANTHROPIC_TYPE.get(status, "api_error")
        )
        if kind == "invalid_request_error":  # careguard's own 4xx: Anthropic's type for it
            a_kind = _ANTHROPIC_TYPE.get(status, kind)
        return {"type": "error", "error": {"type": a_kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": code}}


def error_event(api: Api, exc: BaseException) -> dict[str, Any]:
    """The body of an SSE error event sent when a stream fails after it started."""
    observe.note_error(exc)
    status, kind, code, message = error_parts(exc)
    return error_body(api, status, kind, code, message)
