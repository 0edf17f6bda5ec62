"""Server-sent events: an incremental parser for upstream bytes and an encoder for the client.

The parser holds back only an incomplete event (bytes after the last blank line); it never
waits for the whole stream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from careguard.safejson import loads_untrusted

__all__ = ["EventTooLarge", "SSEEvent", "SSEParser", "encode_event", "encode_json_event"]


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: str | None
    data: str

    def json(self) -> Any:
        """The data as JSON, or None when it is not JSON (e.g. ``[DONE]``)."""
        try:
            return loads_untrusted(self.data)
        except ValueError:
            return None


class EventTooLarge(ValueError):
    """An event grew past the parser's ``max_event_bytes`` without ending."""


class SSEParser:
    """Feed raw bytes, get complete events; an event over ``max_event_bytes`` raises
    :class:`EventTooLarge` (an upstream that never sends a blank line cannot fill memory)."""

    def __init__(self, max_event_bytes: int | None = None) -> None:
        self._buf = b""
        self._max = max_event_bytes

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        self._buf += chunk.replace(b"\r\n", b"\n")
        events: list[SSEEvent] = []
        while True:
            end = self._buf.find(b"\n\n")
            if end < 0:
                if self._max is not None and len(self._buf) > self._max:
                    raise EventTooLarge(f"event over {self._max} bytes")
                return events
            raw, self._buf = self._buf[:end], self._buf[end + 2 :]
            ev = _parse(raw.decode("utf-8", errors="replace"))
            if ev is not None:
                events.append(ev)

    def close(self) -> list[SSEEvent]:
        """The last event when the stream ends without a blank line."""
        raw, self._buf = self._buf, b""
        ev = _parse(raw.decode("utf-8", errors="replace")) if raw.strip() else None
        return [ev] if ev is not None else []


def _parse(block: str) -> SSEEvent | None:
    event: str | None = None
    data: list[str] = []
    for line in block.split("\n"):
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if event is None and not data:
        return None
    return SSEEvent(event, "\n".join(data))


def encode_event(data: str, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    body = "".join(f"data: {line}\n" for line in data.split("\n"))
    return (head + body + "\n").encode()


def encode_json_event(obj: Any, event: str | None = None) -> bytes:
    return encode_event(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), event)
