"""The Anthropic messages stream relay (framework-free: the proxy and the ASGI middleware
both use it).

Streaming: ``text_delta`` events go through the :class:`ReplyFilter`; before a text block's
``content_block_stop`` one more delta releases what was held back; before ``message_delta``
the resource note, when due and missing, arrives as its own content block
(``content_block_start`` / ``content_block_delta`` / ``content_block_stop``). Every other
event (tool use, ping, usage) passes unchanged.
"""

from __future__ import annotations

from careguard.errors import CareguardError
from careguard.pipeline import ReplyFilter
from careguard.proxy.envelopes import error_event
from careguard.proxy.sse import SSEEvent, encode_event, encode_json_event

__all__ = ["AnthropicRelay"]


def _delta(index: int, text: str) -> bytes:
    return encode_json_event({"type": "content_block_delta", "index": index,
                              "delta": {"type": "text_delta", "text": text}},
                             "content_block_delta")


class AnthropicRelay:
    """Rewrites an Anthropic messages SSE stream."""

    def __init__(self, rf: ReplyFilter) -> None:
        self._rf = rf
        self._text_blocks: set[int] = set()
        self._next_index = 0
        self._noted = False

    def _note_block(self) -> list[bytes]:
        if self._noted:
            return []
        self._noted = True
        note = self._rf.note()
        if not note:
            return []
        i = self._next_index
        self._next_index += 1
        return [
            encode_json_event({"type": "content_block_start", "index": i,
                               "content_block": {"type": "text", "text": ""}},
                              "content_block_start"),
            _delta(i, note),
            encode_json_event({"type": "content_block_stop", "index": i}, "content_block_stop"),
        ]

    def _close_open_blocks(self) -> list[bytes]:
        out: list[bytes] = []
        for i in sorted(self._text_blocks):
            tail = self._rf.flush()
            if tail:
                out.append(_delta(i, tail))
            out.append(encode_json_event({"type": "content_block_stop", "index": i},
                                         "content_block_stop"))
        self._text_blocks.clear()
        return out

    def feed(self, ev: SSEEvent) -> list[bytes]:
        obj = ev.json()
        kind = obj.get("type") if isinstance(obj, dict) else None
        if not isinstance(obj, dict) or kind is None:
            return [encode_event(ev.data, ev.event)]
        index = obj.get("index")
        if isinstance(index, int):
            self._next_index = max(self._next_index, index + 1)
        if kind == "content_block_start":
            block = obj.get("content_block")
            if isinstance(block, dict) and block.get("type") == "text" and isinstance(index, int):
                self._text_blocks.add(index)
                if isinstance(block.get("text"), str) and block["text"]:
                    block["text"] = self._rf.feed(block["text"])
        elif kind == "content_block_delta" and index in self._text_blocks:
            delta = obj.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("text"), str):
                delta["text"] = self._rf.feed(delta["text"])
                if not delta["text"]:
                    return []
        elif kind == "content_block_stop" and index in self._text_blocks:
            self._text_blocks.discard(index)
            tail = self._rf.flush()
            return ([_delta(index, tail)] if tail else []) + [encode_json_event(obj, ev.event)]
        elif kind in ("message_delta", "message_stop"):
            return [*self._close_open_blocks(), *self._note_block(),
                    encode_json_event(obj, ev.event)]
        return [encode_json_event(obj, ev.event)]

    @property
    def stopped(self) -> bool:
        return self._rf.stopped

    def end(self) -> list[bytes]:
        return [*self._close_open_blocks(), *self._note_block()]

    def finish(self) -> list[bytes]:
        """Close a stream cut short by careguard: blocks, note, message_delta/stop."""
        return [
            *self.end(),
            encode_json_event({"type": "message_delta",
                               "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"output_tokens": 0}}, "message_delta"),
            encode_json_event({"type": "message_stop"}, "message_stop"),
        ]

    def fail(self, exc: CareguardError) -> list[bytes]:
        return [*self.end(), encode_json_event(error_event("anthropic", exc), "error")]
