"""Per-process proxy state, built in the app's lifespan and reached through ``app.state``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from litestar import Request

from careguard.assessment import Assessment
from careguard.country import user_country
from careguard.errors import InputError
from careguard.logs import request_id_var
from careguard.pipeline import Pipeline
from careguard.policy import LoadedPolicy
from careguard.proxy.auth import key_policy_var
from careguard.proxy.errors import Overloaded, Starting
from careguard.proxy.upstream import Upstream
from careguard.safejson import loads_request

__all__ = ["ProxyState", "careguard_headers", "language_headers", "read_json"]


@dataclass(slots=True)
class ProxyState:
    loaded: LoadedPolicy
    upstream: Upstream
    pipeline: Pipeline | None = None
    """None until the models are loaded and warmed (then /readyz says ready)."""
    metrics: Any | None = None
    load_error: str | None = None
    inflight: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    key_policies: dict[str, LoadedPolicy] = field(default_factory=dict)
    """Policy file → policy, for client keys that select their own (see ``proxy.auth``)."""
    key_pipelines: dict[str, Pipeline] = field(default_factory=dict)

    def ready_pipeline(self) -> Pipeline:
        """The pipeline for this request: its client key's policy, else the service's."""
        if self.pipeline is None:
            raise Starting("careguard is loading its models")
        chosen = key_policy_var.get()
        return self.pipeline if chosen is None else self.key_pipelines[chosen]

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Count one request in flight; over ``limits.max_concurrency`` raises Overloaded."""
        if self.inflight >= self.loaded.policy.limits.max_concurrency:
            raise Overloaded("too many concurrent requests")
        self.inflight += 1
        try:
            yield
        finally:
            self.inflight -= 1

    def country(self, headers: Mapping[str, str]) -> str:
        return user_country(headers.get("x-careguard-country"),
                            self.loaded.policy.default_country)


def new_request_id() -> str:
    """The request id bound by the observation middleware (else a fresh one)."""
    return request_id_var.get() or uuid.uuid4().hex


def careguard_headers(rid: str, level: str = "none", redactions: int = 0,
                      assessment: Assessment | None = None) -> dict[str, str]:
    """careguard's response headers; the language ones only once a turn was assessed."""
    headers = {
        "x-careguard-request-id": rid,
        "x-careguard-level": level,
        "x-careguard-redactions": str(redactions),
    }
    if assessment is not None:
        headers.update(language_headers(assessment))
    return headers


def language_headers(assessment: Assessment) -> dict[str, str]:
    """``x-careguard-language`` (ISO 639-1 or ``und``) and ``x-careguard-language-supported``."""
    return {
        "x-careguard-language": assessment.language,
        "x-careguard-language-supported": "true" if assessment.language_supported else "false",
    }


async def read_body(
    request: Request[Any, Any, Any], limit: int, read_s: float | None = None
) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes without reading it all,
    and (408) a client that takes longer than ``read_s`` seconds to send it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InputError(f"request body over the limit of {limit} bytes", status=413)
    buf = bytearray()
    with anyio.move_on_after(read_s) as scope:
        async for chunk in request.stream():
            buf += chunk
            if len(buf) > limit:
                raise InputError(f"request body over the limit of {limit} bytes", status=413)
    if scope.cancelled_caught:
        raise InputError(f"request body not received within {read_s:g} s", status=408)
    return bytes(buf)


async def read_json(
    request: Request[Any, Any, Any], limit: int, read_s: float | None = None
) -> Any:
    return loads_request(await read_body(request, limit, read_s))
