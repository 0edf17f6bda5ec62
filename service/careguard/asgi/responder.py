"""The reply side of one guarded request: a fresh :class:`Responder` wraps the app's ``send``.

Like ``starlette.middleware.gzip``: ``http.response.start`` is held back until the first body
message shows what the reply is, then

- JSON (``application/json``, ``*+json``): buffered whole, restored, checked, the resource note
  added when due; ``content-length`` fixed;
- server-sent events (``text/event-stream``): rewritten event by event (standard routes: the
  proxy's OpenAI/Anthropic relays; own routes: the text at ``stream_delta`` or the data
  itself) — it stays a stream;
- chunked text (``text/plain``): each chunk through the filter, the note at the end;
- anything else, and non-2xx replies: passed through with careguard's headers only (a 2xx
  reply in a format careguard does not read, e.g. NDJSON, also gets
  ``x-careguard-reply-checked: false`` and a warning in the log: not checked, and no
  resources added). On a turn at the crisis level a 5xx from the app (or an exception it
  raises before its reply starts, see :meth:`Responder.answer_instead`) is replaced by
  careguard's own safe message with resources (they must reach the user).

Only what restoration and checking need is held back (a placeholder prefix, a sentence).
"""

from __future__ import annotations

import codecs
import copy
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from careguard import observe
from careguard.asgi.jsonpath import JsonPath
from careguard.asgi.routes import Route
from careguard.errors import ShapeError
from careguard.pipeline import ReplyFilter
from careguard.proxy.sse import SSEEvent, SSEParser, encode_event, encode_json_event

__all__ = ["Responder", "StreamRelay"]

log = logging.getLogger("careguard.asgi")
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


class StreamRelay(Protocol):
    """Rewrites one API's SSE events (the proxy's ``OpenAIRelay`` / ``AnthropicRelay``)."""

    def feed(self, ev: SSEEvent) -> list[bytes]: ...
    def end(self) -> list[bytes]: ...


class _BodyRelay(Protocol):
    def feed(self, chunk: bytes) -> bytes: ...
    def end(self) -> bytes: ...


def _with_note(text: str, note: str | None) -> str:
    if not note:
        return text
    return f"{text}\n\n{note}" if text else note


class _TextRelay:
    """Chunked plain text: decode incrementally, filter, note at the end."""

    def __init__(self, rf: ReplyFilter, charset: str) -> None:
        self._rf = rf
        self._decoder = codecs.getincrementaldecoder(charset)(errors="replace")
        self._charset = charset

    def feed(self, chunk: bytes) -> bytes:
        return self._rf.feed(self._decoder.decode(chunk)).encode(self._charset)

    def end(self) -> bytes:
        text = self._rf.feed(self._decoder.decode(b"", final=True)) + self._rf.flush()
        return _with_note(text, self._rf.note()).encode(self._charset)


class _EventRelay:
    """SSE of an app's own shape: the text delta at ``delta`` in each event's JSON data (or
    the data itself); held-back text and the note go out before ``[DONE]`` or at the end."""

    def __init__(self, rf: ReplyFilter, delta: JsonPath | None) -> None:
        self._rf = rf
        self._delta = delta
        self._template: tuple[dict[str, Any], str | None] | None = None
        self._done = False

    def feed(self, ev: SSEEvent) -> list[bytes]:
        if ev.data.strip() == "[DONE]":
            return [*self.end(), encode_event(ev.data, ev.event)]
        if self._delta is None:
            out = self._rf.feed(ev.data)
            return [encode_event(out, ev.event)] if out else []
        obj = ev.json()
        try:
            _, text = self._delta.get(obj)
        except ShapeError:
            return [encode_event(ev.data, ev.event)]  # not a text event (e.g. metadata)
        if not isinstance(text, str) or not isinstance(obj, dict):
            return [encode_event(ev.data, ev.event)]
        self._template = (copy.deepcopy(obj), ev.event)
        self._delta.set(obj, self._rf.feed(text))
        return [encode_json_event(obj, ev.event)]

    def end(self) -> list[bytes]:
        if self._done:
            return []
        self._done = True
        text = _with_note(self._rf.flush(), self._rf.note())
        if not text:
            return []
        if self._delta is None or self._template is None:
            return [encode_event(text)]
        obj, event = self._template
        self._delta.set(obj, text)
        return [encode_json_event(obj, event)]


class _SSEBody:
    """Bytes → SSE events → a relay → bytes."""

    def __init__(self, relay: StreamRelay | _EventRelay) -> None:
        self._parser = SSEParser()
        self._relay = relay

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(b for ev in self._parser.feed(chunk) for b in self._relay.feed(ev))

    def end(self) -> bytes:
        tail = [b for ev in self._parser.close() for b in self._relay.feed(ev)]
        return b"".join([*tail, *self._relay.end()])


def _content_type(headers: Headers) -> tuple[str, str]:
    for k, v in headers:
        if k.lower() == b"content-type":
            raw = v.decode("latin-1")
            media, _, params = raw.partition(";")
            charset = "utf-8"
            for p in params.split(";"):
                name, _, value = p.strip().partition("=")
                if name.lower() == "charset" and value:
                    charset = value.strip('"')
            try:
                codecs.lookup(charset)
            except LookupError:
                charset = "utf-8"
            return media.strip().lower(), charset
    return "", "utf-8"


def _drop(headers: Headers, *names: bytes) -> Headers:
    return [(k, v) for k, v in headers if k.lower() not in names]


class Responder:
    """Wraps ``send`` for one request (never shared between requests)."""

    def __init__(
        self, send: Send, *, route: Route, rf: ReplyFilter, headers: Headers,
        relay: Callable[[ReplyFilter], StreamRelay] | None,
        fallback: Callable[[], tuple[int, Headers, bytes]],
    ) -> None:
        self._send = send
        self._route = route
        self._rf = rf
        self._extra = headers
        self._relay_factory = relay
        self._fallback = fallback
        self._start: Message | None = None
        self._mode: str | None = None
        self._body: _BodyRelay | None = None
        self._buffer = bytearray()
        self.started = False

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self._start = message
            return
        if kind != "http.response.body" or self._start is None:
            await self._send(message)
            return
        if self._mode is None:
            await self._choose()
        chunk: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if self._mode == "pass":
            await self._send(message)
        elif self._mode == "swallow":
            pass
        elif self._mode == "json":
            self._buffer += chunk
            if not more:
                await self._finish_json()
        else:
            body = self._body
            assert body is not None

            def step() -> bytes:
                out = body.feed(chunk)
                return out if more else out + body.end()

            out = await self._rf.run(step)
            if out or not more:
                await self._send({"type": "http.response.body", "body": out, "more_body": more})

    async def _choose(self) -> None:
        assert self._start is not None
        status = int(self._start["status"])
        headers: Headers = [(bytes(k), bytes(v)) for k, v in self._start.get("headers", [])]
        media, charset = _content_type(headers)
        if status >= 500 and self._rf.turn.guarantee:
            log.warning("app failed on a crisis turn; careguard answers itself")
            await self.answer_instead("upstream_status")
            return
        if not 200 <= status < 300:
            self._mode = "pass"
        elif media == "application/json" or media.endswith("+json"):
            self._mode = "json"
            return  # started once the whole body is known
        elif media == "text/event-stream":
            self._mode = "stream"
            relay: StreamRelay | _EventRelay = (
                self._relay_factory(self._rf) if self._relay_factory is not None
                else _EventRelay(self._rf, self._route.delta_path)
            )
            self._body = _SSEBody(relay)
        elif media == "text/plain":
            self._mode = "stream"
            self._body = _TextRelay(self._rf, charset)
        else:
            self._mode = "pass"  # nothing careguard reads: say so, never pass it silently
            log.warning("reply not checked: a content type careguard does not read",
                        extra={"kind": media or "none"})  # fmt: skip
            self._extra = [*(h for h in self._extra if h[0] != b"x-careguard-reply-checked"),
                           (b"x-careguard-reply-checked", b"false")]
        keep = headers if self._mode == "pass" else _drop(headers, b"content-length")
        await self._send({**self._start, "headers": keep + self._extra})
        self.started = True

    async def answer_instead(self, kind: str) -> None:
        """careguard's own safe message with resources instead of the app's reply (a crisis
        turn the app failed: a 5xx, or an exception before the reply started). Counted as an
        upstream failure (``careguard_upstream_errors_total``, audit ``direct_response``)."""
        observe.note_upstream_failure(kind)
        self._mode = "swallow"
        status, headers, body = self._fallback()
        if self._start is None:
            self._start = {"type": "http.response.start"}
        await self._start_with(status, headers, len(body))
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

    async def _start_with(self, status: int, headers: Headers, length: int) -> None:
        assert self._start is not None
        headers = [*_drop(headers, b"content-length"),
                   (b"content-length", str(length).encode())]  # fmt: skip
        await self._send({**self._start, "status": status, "headers": headers + self._extra})
        self.started = True

    async def _finish_json(self) -> None:
        assert self._start is not None
        headers = [(bytes(k), bytes(v)) for k, v in self._start.get("headers", [])]
        body = bytes(self._buffer)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            data = await self._rf.run(self._complete, data)
            body = json.dumps(data, ensure_ascii=False).encode()
        elif self._rf.turn.guarantee:  # not a JSON object: resources still reach the user
            log.warning("app reply is not a JSON object on a crisis turn; careguard answers")
            status, headers, body = self._fallback()
            await self._start_with(status, headers, len(body))
            await self._send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await self._start_with(int(self._start["status"]), headers, len(body))
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

    def _complete(self, data: dict[str, Any]) -> dict[str, Any]:
        route, rf = self._route, self._rf
        if route.api is not None:
            return rf.finish_json(route.api, data)
        path = route.reply_path
        try:
            _, text = path.get(data)
        except ShapeError:
            text = None
        if not isinstance(text, str):
            note = rf.note()
            if note:
                path.set(data, note)
            return data
        path.set(data, _with_note(rf.feed(text) + rf.flush(), rf.note()))
        return data

    async def finish(self) -> None:
        """After the app returned: send a held-back start (an app that sent no body)."""
        if self._start is not None and self._mode is None:
            await self._choose()
            if self._mode == "json":
                await self._finish_json()
            elif self._body is not None:
                await self._send({"type": "http.response.body", "body": self._body.end(),
                                  "more_body": False})  # fmt: skip
