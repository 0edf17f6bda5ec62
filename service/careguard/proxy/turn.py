"""One chat turn through the proxy, shared by the OpenAI and Anthropic routes.

read (bounded) → parse → pipeline.prepare → forward → reply (JSON, or an SSE relay that
stays a stream). Every response, errors included, carries the ``x-careguard-*`` headers;
every error goes through :func:`careguard.proxy.errors.error_response`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any, Protocol

import anyio
import anyio.to_thread
import httpx
from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.response import Stream

from careguard import observe
from careguard.adapters import Api, Exchange, parse_request
from careguard.errors import (
    CareguardError,
    InputError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
)
from careguard.pipeline import Pipeline, ReplyFilter, Turn, TurnContext
from careguard.policy import LimitsPolicy
from careguard.proxy.echo import ECHO_BASE_URL
from careguard.proxy.errors import error_response
from careguard.proxy.shapes import reply_events, whole_reply
from careguard.proxy.sse import EventTooLarge, SSEEvent, SSEParser
from careguard.proxy.state import ProxyState, careguard_headers, new_request_id, read_json
from careguard.safejson import loads_untrusted

__all__ = ["StreamRelay", "handle_turn"]

log = logging.getLogger("careguard.proxy")


Runner = Callable[..., Awaitable[list[bytes]]]
"""How relay work is run: :meth:`ReplyFilter.run` (off the event loop when it runs a model)."""


class StreamRelay(Protocol):
    """Rewrites one API's SSE events through a :class:`ReplyFilter`."""

    @property
    def stopped(self) -> bool: ...
    def feed(self, ev: SSEEvent) -> list[bytes]: ...
    def end(self) -> list[bytes]: ...
    def finish(self) -> list[bytes]: ...
    def fail(self, exc: CareguardError) -> list[bytes]: ...


RelayFactory = Callable[[ReplyFilter], StreamRelay]


def check_limits(ex: Exchange, limits: LimitsPolicy) -> None:
    if len(ex.body["messages"]) > limits.max_messages:
        raise InputError(f"$.messages has more than {limits.max_messages} messages", status=413)
    for slot in ex.slots:
        if len(slot.text) > limits.max_message_chars:
            raise InputError(
                f"a message is longer than {limits.max_message_chars} characters", status=413
            )


async def handle_turn(
    api: Api, request: Request[Any, Any, Any], state: ProxyState, relay: RelayFactory
) -> Response[Any]:
    rid = new_request_id()
    headers = careguard_headers(rid)
    stack = AsyncExitStack()
    try:
        stack.enter_context(state.slot())
        pipeline = state.ready_pipeline()
        limits = pipeline.policy.limits
        body = await read_json(request, limits.max_body_bytes, limits.request_read_s)
        ex = parse_request(api, body)
        check_limits(ex, limits)
        ctx = TurnContext(rid, state.country(request.headers),
                          request.headers.get("x-careguard-conversation-id") or None)
        turn = await pipeline.prepare(ex, ctx)
        headers.update(careguard_headers(rid, turn.level_name, turn.redactions,
                                         turn.assessment))
        headers["x-careguard-resources-country"] = turn.plan.resources_country
        if turn.degraded:
            headers["x-careguard-degraded"] = ",".join(turn.degraded)
        model = str(body.get("model") or "careguard")
        if turn.direct:
            await stack.aclose()
            return direct_response(api, pipeline, turn, model, rid, headers)
        reply: dict[str, Any] | None = None
        try:
            resp = await _forward(api, request, state, ex, stack)
            if not ex.stream or "text/event-stream" not in resp.headers.get("content-type", ""):
                reply = await _read_json_reply(resp, limits)
        except UpstreamError as exc:
            await stack.aclose()
            if not turn.guarantee:
                raise
            # a crisis turn still reaches the user: the safe message with resources
            log.warning("upstream failed on a crisis turn", extra={"kind": exc.kind})
            observe.note_upstream_failure(exc.kind)
            headers["x-careguard-upstream"] = "failed"
            return direct_response(api, pipeline, turn, model, rid, headers)
        check = state.upstream.base_url != ECHO_BASE_URL  # echo shows the prompt back
        rf = pipeline.reply(turn, check=check)
        headers["x-careguard-reply-checked"] = pipeline.reply_checked(turn, check=check)
        if reply is not None:
            await stack.aclose()
            # off the event loop: with toxicity on, scoring the reply is model inference
            finished = await anyio.to_thread.run_sync(rf.finish_json, api, reply)
            headers["x-careguard-reply-checked"] = pipeline.reply_checked(turn, check=check)
            return Response(finished, headers=headers, media_type="application/json")
        deadline = time.monotonic() + limits.upstream_total_s
        return Stream(_relay(resp, relay(rf), stack, deadline, limits.max_reply_bytes,
                             run=rf.run),
                      headers=headers,
                      media_type="text/event-stream", background=BackgroundTask(stack.aclose))
    except Exception as exc:
        await stack.aclose()
        return error_response(api, exc, headers)


async def _forward(
    api: Api, request: Request[Any, Any, Any], state: ProxyState, ex: Exchange,
    stack: AsyncExitStack,
) -> httpx.Response:
    up_headers = state.upstream.headers_for(request.headers, anthropic=api == "anthropic")
    up_headers["content-type"] = "application/json"
    payload = json.dumps(ex.body, ensure_ascii=False).encode()
    limits = state.loaded.policy.limits
    try:
        with anyio.fail_after(limits.upstream_total_s):
            return await stack.enter_async_context(
                state.upstream.open("POST", request.url.path, headers=up_headers, body=payload)
            )
    except TimeoutError:
        raise UpstreamTimeout("upstream did not answer in time") from None


async def _read_json_reply(resp: httpx.Response, limits: LimitsPolicy) -> dict[str, Any]:
    buf = bytearray()
    try:
        with anyio.fail_after(limits.upstream_total_s):
            async for chunk in resp.aiter_bytes():
                buf += chunk
                if len(buf) > limits.max_reply_bytes:
                    raise UpstreamBadResponse("upstream reply over limits.max_reply_bytes")
        raw = bytes(buf)
    except (TimeoutError, httpx.TimeoutException):
        raise UpstreamTimeout("upstream did not answer in time") from None
    except httpx.HTTPError:
        raise UpstreamBadResponse("upstream reply broke off") from None
    try:
        data = loads_untrusted(raw)
    except ValueError:  # not JSON, not UTF-8, nested too deep, unpaired surrogates
        raise UpstreamBadResponse("upstream reply is not JSON") from None
    if not isinstance(data, dict):
        raise UpstreamBadResponse("upstream reply is not a JSON object")
    return data


async def _relay(
    resp: httpx.Response, relay: StreamRelay, stack: AsyncExitStack, deadline: float,
    max_event: int | None = None, *, run: Runner | None = None,
) -> AsyncIterator[bytes]:
    """Upstream SSE → client SSE, event by event; closing stops the upstream read.

    ``deadline`` (monotonic) bounds the whole stream (``limits.upstream_total_s``); the
    per-read timeout is httpx's. A stream that ends without its API's final event
    (``[DONE]`` / ``message_stop``) broke off, even when the connection closed cleanly.
    ``run`` drives the relay (``ReplyFilter.run``: in a worker thread when the reply filter
    runs a model, so the event loop keeps serving other requests meanwhile).
    """
    parser = SSEParser(max_event)
    finished = False

    def feed(events: list[SSEEvent]) -> list[bytes]:
        return [b for ev in events for b in relay.feed(ev)]

    async def call(fn: Callable[..., list[bytes]], *args: Any) -> list[bytes]:
        return await run(fn, *args) if run is not None else fn(*args)

    try:
        try:
            tail: list[bytes] | None = None
            async for chunk in resp.aiter_bytes():
                events = parser.feed(chunk)
                finished = finished or any(_is_final(ev) for ev in events)
                out = b"".join(await call(feed, events))
                if out:
                    yield out
                if relay.stopped:  # the reply was replaced: stop reading, close properly
                    tail = await call(relay.finish)
                    break
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("stream over its total deadline")
            if tail is None:
                events = parser.close()
                finished = finished or any(_is_final(ev) for ev in events)
                tail = await call(feed, events)
                if not finished:
                    raise httpx.RemoteProtocolError("upstream stream ended early")
                tail += await call(relay.end)
        except httpx.TimeoutException:
            tail = relay.fail(UpstreamTimeout("upstream stopped answering"))
        except EventTooLarge:
            tail = relay.fail(UpstreamBadResponse("upstream event over limits.max_reply_bytes"))
        except httpx.HTTPError:
            tail = (tail or []) + relay.fail(UpstreamBadResponse("upstream stream broke off"))
        except Exception:  # a bug here must not kill the worker; end the stream cleanly
            log.exception("stream relay failed")
            tail = []
        if tail:
            yield b"".join(tail)
    finally:
        await stack.aclose()


def _is_final(ev: SSEEvent) -> bool:
    """The last event of an OpenAI (``[DONE]``) or Anthropic (``message_stop``) stream."""
    return ev.data.strip() == "[DONE]" or ev.event == "message_stop"


def direct_response(
    api: Api, pipeline: Pipeline, turn: Turn, model: str, rid: str, headers: dict[str, str]
) -> Response[Any]:
    """Answer without the LLM: the safe message plus resources, in the API's shape."""
    text = pipeline.direct_text(turn)
    headers = {**headers, "x-careguard-direct": "true"}
    if turn.exchange.stream:
        events = reply_events(api, text, model, rid)
        return Stream(_iterate(events), headers=headers, media_type="text/event-stream")
    return Response(whole_reply(api, text, model, rid), headers=headers,
                    media_type="application/json")


async def _iterate(items: list[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item
