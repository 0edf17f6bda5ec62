"""``CareGuardMiddleware``: careguard inside an existing chatbot, as pure ASGI middleware.

Framework-agnostic (Starlette/FastAPI ``app.add_middleware(CareGuardMiddleware, ...)``,
litestar ``DefineMiddleware`` or :class:`careguard.plugin.CareGuardPlugin`, any ASGI app);
imports no web framework. For each request on a guarded route:

1. read the JSON body (bounded), read it into the pipeline's exchange by the route's shape
   (422 naming the ``$.path`` when it does not match — the app is not called);
2. ``Pipeline.prepare``: assess distress on the original text, redact every text slot under
   the policy (redact / pseudonymise / pass), plan the interventions;
3. call the app with the redacted body (``content-length`` fixed) and a
   :class:`~careguard.asgi.state.CareGuardState` in ``scope["state"]["careguard"]``;
4. reply side through a fresh :class:`~careguard.asgi.responder.Responder`: restore, check,
   guarantee resources from ``high``, ``x-careguard-*`` headers.

At ``imminent`` under ``imminent_action: respond`` careguard answers itself and the app is not
called. When the app fails a crisis turn (from ``high``: a 5xx, or an exception before its
reply starts) careguard answers with its safe message and resources; an exception is then
re-raised, so the server logs it as it would any other. Other routes, non-JSON request
bodies, websockets and lifespan pass through untouched (a body that parses as JSON is
guarded whatever its content type says).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import anyio

from careguard.adapters import Api
from careguard.asgi.responder import Headers, Responder, StreamRelay
from careguard.asgi.routes import DEFAULT_ROUTES, Route
from careguard.asgi.state import STATE_KEY, CareGuardState
from careguard.errors import CareguardError, InputError, StageError
from careguard.pipeline import Pipeline, ReplyFilter, Stages, Turn, TurnContext
from careguard.policy import LimitsPolicy
from careguard.proxy.relay_anthropic import AnthropicRelay
from careguard.proxy.relay_openai import OpenAIRelay
from careguard.safejson import loads_request, loads_untrusted

__all__ = ["CareGuardMiddleware"]

log = logging.getLogger("careguard.asgi")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Disconnected(Exception):
    """The client went away while the request body was being read."""


def stages_of(guard: Any) -> Stages:
    """The pipeline stages of a :class:`careguard.Guard` (built from its parts if needed)."""
    stages = getattr(guard, "stages", None)
    if isinstance(stages, Stages):
        return stages
    from careguard.escalation import Escalator
    from careguard.interventions import Interventions
    from careguard.output_checks import ReplyChecks
    from careguard.pipeline_toxicity import ToxicityStage

    loaded = guard.loaded
    ints = Interventions.from_policy(loaded)
    redactor = guard.redactor if loaded.policy.pii.enabled else None
    return Stages(loaded, assessor=guard.assessor, redactor=redactor,
                  directory=ints.directory, interventions=ints,
                  checks=ReplyChecks.from_policy(loaded.policy),
                  escalation=Escalator.from_policy(loaded.policy),
                  toxicity=ToxicityStage.build(loaded))  # fmt: skip


def _standard_relay(api: Api) -> Callable[[ReplyFilter], StreamRelay]:
    # The proxy's relays rewrite OpenAI/Anthropic SSE (choices, tool calls, blocks); reused,
    # not copied. Their modules import no web framework.
    return AnthropicRelay if api == "anthropic" else OpenAIRelay


class CareGuardMiddleware:
    """Pure ASGI middleware guarding the chat routes of an existing app.

    ``guard``: a :class:`careguard.Guard` (``Guard.from_policy(...)``), or pass a ready
    ``pipeline``. ``routes``: the guarded routes (default: ``POST /v1/chat/completions`` and
    ``POST /v1/messages`` in their standard shapes). ``metrics``: a
    :class:`careguard.metrics.Metrics` to record into (and ``auditor``, an
    :class:`careguard.audit.Auditor`, for the PII-free audit trail). ``warm_up``: run every
    model once now, so the first real turn is not slow.
    """

    def __init__(
        self, app: ASGIApp, *, guard: Any | None = None, routes: Iterable[Route] | None = None,
        pipeline: Pipeline | None = None, metrics: Any | None = None, auditor: Any | None = None,
        warm_up: bool = True,
    ) -> None:
        if pipeline is None:
            if guard is None:
                raise TypeError("CareGuardMiddleware needs guard=Guard.from_policy(...)")
            pipeline = Pipeline(stages_of(guard))
        self.app = app
        self.pipeline = pipeline
        self.routes: dict[tuple[str, str], Route] = {}
        for route in DEFAULT_ROUTES if routes is None else tuple(routes):
            if not isinstance(route, Route):
                raise TypeError("routes must be careguard.asgi.Route objects")
            self.routes[(route.method, route.path)] = route
        self._relays = {r.api: _standard_relay(r.api) for r in self.routes.values()
                        if r.api is not None}  # fmt: skip
        self._guarded: ASGIApp = self._guard
        if metrics is not None:
            from careguard.observe import ObserveMiddleware

            self._guarded = ObserveMiddleware(
                self._guard, metrics=metrics, auditor=auditor,
                routes=[r.path for r in self.routes.values()],
            )  # fmt: skip
        if warm_up:
            from careguard.conversation import Message as Msg

            pipeline.warm_up([Msg("user", "I feel a bit low today, my name is Sam.")])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.routes.get((scope.get("method", ""), scope.get("path", "")))
        if route is None:
            await self.app(scope, receive, send)
            return
        if not _is_json(scope):
            # a JSON body under another content type is still guarded (no way around the
            # redaction by mislabelling); anything else reaches the app byte for byte. A
            # body over the limit cannot be inspected, so it is refused, not passed on.
            try:
                raw = await _read_body(receive, self.pipeline.policy.limits.max_body_bytes)
            except _Disconnected:
                return
            except InputError as too_large:
                await _error(send, route, too_large,
                             [(b"x-careguard-request-id", uuid.uuid4().hex.encode())])  # fmt: skip
                return
            receive = _replay(raw, receive)
            if not _parses(raw):
                await self.app(scope, receive, send)
                return
        scope = {**scope, "careguard_route": route}
        await self._guarded(scope, receive, send)

    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: Route = scope["careguard_route"]
        rid = uuid.uuid4().hex
        headers: Headers = [(b"x-careguard-request-id", rid.encode())]
        pipeline = self.pipeline
        try:
            raw = await _read_body_in_time(receive, pipeline.policy.limits)
            body = _parse_json(raw)
            ex = route.exchange(body)
            _check_limits(ex.slots, len(ex.messages), pipeline)
            req_headers = _headers(scope)
            ctx = TurnContext(
                rid, route.country(req_headers, body, pipeline.policy.default_country),
                route.conversation_id(req_headers, body),
            )
            turn = await pipeline.prepare(ex, ctx)
        except _Disconnected:
            return
        except CareguardError as exc:
            await _error(send, route, exc, headers)
            return
        headers += [(b"x-careguard-level", turn.level_name.encode()),
                    (b"x-careguard-redactions", str(turn.redactions).encode()),
                    (b"x-careguard-resources-country", turn.plan.resources_country.encode()),
                    (b"x-careguard-language", turn.assessment.language.encode()),
                    (b"x-careguard-language-supported",
                     b"true" if turn.assessment.language_supported else b"false"),
                    (b"x-careguard-reply-checked",
                     pipeline.reply_checked(turn).encode())]  # fmt: skip
        if turn.degraded:
            headers.append((b"x-careguard-degraded", ",".join(turn.degraded).encode()))
        if turn.direct:
            status, hdrs, payload = self._direct(route, turn, rid, headers)
            await send({"type": "http.response.start", "status": status, "headers": hdrs})
            await send({"type": "http.response.body", "body": payload, "more_body": False})
            return
        new_body = json.dumps(ex.body, ensure_ascii=False).encode()
        inner = _scope_for(scope, new_body, self._state(turn, rid, ctx.country))
        responder = Responder(
            send, route=route, rf=pipeline.reply(turn), headers=headers,
            relay=self._relays.get(route.api) if route.api is not None else None,
            fallback=lambda: self._direct(route, turn, rid, headers, fallback=True),
        )
        try:
            await self.app(inner, _replay(new_body, receive), responder)
        except Exception as exc:
            if not turn.guarantee or responder.started:
                raise
            # a crisis turn still reaches the user: the safe message with resources, then
            # the app's exception goes on to the server, which logs it
            log.warning("app raised on a crisis turn; careguard answers itself",
                        extra={"error": exc.__class__.__name__})  # fmt: skip
            await responder.answer_instead("error")
            raise
        await responder.finish()

    def _state(self, turn: Turn, rid: str, country: str) -> CareGuardState:
        ints = self.pipeline.stages.interventions
        return CareGuardState(
            request_id=rid, assessment=turn.assessment,
            guidelines=ints.system_block(turn.plan) or None,
            resources=tuple(turn.plan.resources) if turn.plan.inject_resources else (),
            country=turn.plan.country, redactions=turn.redactions,
            degraded=tuple(turn.degraded),
        )

    def _direct(
        self, route: Route, turn: Turn, rid: str, headers: Headers, *, fallback: bool = False
    ) -> tuple[int, Headers, bytes]:
        """careguard's own safe message with resources, in the route's reply shape."""
        text = self.pipeline.direct_text(turn)
        extra = [(b"x-careguard-upstream", b"failed")] if fallback else [
            (b"x-careguard-direct", b"true")
        ]
        if route.api is not None:
            from careguard.proxy.shapes import reply_events, whole_reply

            if turn.exchange.stream:
                payload = b"".join(reply_events(route.api, text, "careguard", rid))
                ctype = b"text/event-stream"
            else:
                payload = json.dumps(whole_reply(route.api, text, "careguard", rid)).encode()
                ctype = b"application/json"
        else:
            out: dict[str, Any] = {}
            route.reply_path.set(out, text)
            payload, ctype = json.dumps(out, ensure_ascii=False).encode(), b"application/json"
        hdrs = [(b"content-type", ctype), (b"content-length", str(len(payload)).encode()),
                *extra]  # fmt: skip
        return 200, hdrs if fallback else hdrs + headers, payload


# ---------------------------------------------------------------- request plumbing


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _is_json(scope: Scope) -> bool:
    """JSON bodies only (``application/json``, ``*+json``; no content-type counts as JSON)."""
    for k, v in scope.get("headers", []):
        if k.lower() == b"content-type":
            media = bytes(v).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


def _parses(raw: bytes) -> bool:
    try:
        loads_untrusted(raw)
    except ValueError:  # UnicodeDecodeError, too deep and lone surrogates included
        return False
    return True


async def _read_body_in_time(receive: Receive, limits: LimitsPolicy) -> bytes:
    """The body within ``limits.request_read_s`` (else 408: a stalled client frees its slot)."""
    with anyio.move_on_after(limits.request_read_s):
        return await _read_body(receive, limits.max_body_bytes)
    raise InputError(f"request body not received within {limits.request_read_s:g} s", status=408)


async def _read_body(receive: Receive, limit: int) -> bytes:
    buf = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        buf += message.get("body", b"")
        if len(buf) > limit:
            raise InputError(f"request body over the limit of {limit} bytes", status=413)
        if not message.get("more_body", False):
            return bytes(buf)


def _parse_json(raw: bytes) -> Any:
    return loads_request(raw)


def _check_limits(slots: list[Any], messages: int, pipeline: Pipeline) -> None:
    limits = pipeline.policy.limits
    if messages > limits.max_messages:
        raise InputError(f"more than {limits.max_messages} messages", status=413)
    if any(len(s.text) > limits.max_message_chars for s in slots):
        raise InputError(f"a message is longer than {limits.max_message_chars} characters",
                         status=413)  # fmt: skip


def _scope_for(scope: Scope, body: bytes, state: CareGuardState) -> Scope:
    headers = [(k, v) for k, v in scope["headers"]
               if k.lower() not in (b"content-length", b"transfer-encoding")]  # fmt: skip
    headers.append((b"content-length", str(len(body)).encode()))
    inner = {**scope, "headers": headers, "state": {**scope.get("state", {}), STATE_KEY: state}}
    inner.pop("careguard_route", None)
    return inner


def _replay(body: bytes, receive: Receive) -> Receive:
    """``body`` once, then the client's own messages (``http.disconnect``)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _error(send: Send, route: Route, exc: CareguardError, headers: Headers) -> None:
    """A clear error in the route's envelope (OpenAI-style unless Anthropic); no text."""
    from careguard import observe

    observe.note_error(exc)
    if isinstance(exc, InputError):
        status, kind = exc.status, "invalid_request_error"
        code = {408: "request_timeout", 413: "body_too_large", 422: "invalid_shape"}.get(
            status, "invalid_request")
        message = str(exc)
    elif isinstance(exc, StageError):
        status, kind, code = 503, "service_unavailable", "stage_failed"
        message = f"safety stage {exc.stage!r} could not run; nothing was forwarded"
    else:
        log.error("unexpected careguard error", extra={"error": exc.__class__.__name__})
        status, kind, code, message = 500, "internal_error", "internal_error", "internal error"
    if route.api == "anthropic":
        a_kind = kind if kind == "invalid_request_error" else "api_error"
        body: dict[str, Any] = {"type": "error", "error": {"type": a_kind, "message": message}}
    else:
        body = {"error": {"message": message, "type": kind, "code": code}}
        if isinstance(exc, InputError) and exc.field:
            body["error"]["param"] = exc.field
    payload = json.dumps(body).encode()
    hdrs = [(b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()), *headers]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": payload, "more_body": False})
