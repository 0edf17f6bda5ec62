"""The OpenAI chat-completions stream relay (framework-free: the proxy and the ASGI
middleware both use it).

Streaming: each ``delta.content`` goes through the choice's :class:`ReplyFilter`; before the
chunk that carries ``finish_reason``, one extra content delta releases what was held back and,
at the crisis level, the resource note when the reply lacked it. Other chunks (role, tool
calls, usage) pass unchanged; ``[DONE]`` passes last.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from careguard.errors import CareguardError
from careguard.pipeline import ReplyFilter
from careguard.proxy.envelopes import error_event
from careguard.proxy.sse import SSEEvent, encode_event, encode_json_event

__all__ = ["OpenAIRelay"]


class OpenAIRelay:
    """Rewrites an OpenAI chat-completions SSE stream (one filter per choice index)."""

    def __init__(self, rf: ReplyFilter) -> None:
        self._first = rf
        self._filters: dict[int, ReplyFilter] = {}
        self._open: set[int] = set()
        self._base: dict[str, Any] = {"object": "chat.completion.chunk"}
        self._done = False

    def _filter(self, index: int) -> ReplyFilter:
        if index not in self._filters:
            self._filters[index] = self._first if not self._filters else self._first.sibling()
        self._open.add(index)
        return self._filters[index]

    def _tail(self, index: int) -> list[bytes]:
        """Held-back text plus the resource note, as one content delta (or nothing)."""
        if index not in self._open:
            return []
        self._open.discard(index)
        rf = self._filters[index]
        text = rf.flush()
        note = rf.note()
        if note:
            text = f"{text}\n\n{note}" if text else note
        if not text:
            return []
        chunk = {**self._base, "choices": [
            {"index": index, "delta": {"content": text}, "finish_reason": None}
        ]}
        return [encode_json_event(chunk)]

    def feed(self, ev: SSEEvent) -> list[bytes]:
        if ev.data.strip() == "[DONE]":
            return [*self.end(), encode_event(ev.data, ev.event)]
        obj = ev.json()
        if not isinstance(obj, dict) or not isinstance(obj.get("choices"), list):
            return [encode_event(ev.data, ev.event)]
        self._base = {k: v for k, v in obj.items() if k not in ("choices", "usage")}
        out: list[bytes] = []
        kept: list[Any] = []
        finishing: list[Any] = []
        for choice in obj["choices"]:
            if not isinstance(choice, dict):
                kept.append(choice)
                continue
            index = choice.get("index", 0) if isinstance(choice.get("index"), int) else 0
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                delta["content"] = self._filter(index).feed(delta["content"])
            else:
                self._filter(index)
            if choice.get("finish_reason") is not None:
                finishing.append(choice)
            elif _carries_something(choice):
                kept.append(choice)
        if kept or (not finishing and (obj.get("usage") or not obj["choices"])):
            out.append(encode_json_event({**obj, "choices": kept}))
        for choice in finishing:
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                if delta["content"]:  # released text goes out before the tail and the finish
                    pre = copy.deepcopy(choice)
                    pre["finish_reason"] = None
                    out.append(encode_json_event({**self._base, "choices": [pre]}))
                delta.pop("content")
            out += self._tail(choice.get("index", 0))
            out.append(encode_json_event({**obj, "choices": [choice]}))
        return out

    @property
    def stopped(self) -> bool:
        return any(f.stopped for f in self._filters.values())

    def finish(self) -> list[bytes]:
        """Close a stream cut short by careguard: tails, a finish chunk each, ``[DONE]``."""
        indexes = sorted(self._filters)
        out = self.end()
        for i in indexes:
            choice = {"index": i, "delta": {}, "finish_reason": "stop"}
            out.append(encode_json_event({**self._base, "choices": [choice]}))
        out.append(encode_event("[DONE]"))
        return out

    def end(self) -> list[bytes]:
        if self._done:
            return []
        self._done = True
        return [b for i in sorted(self._open) for b in self._tail(i)]

    def fail(self, exc: CareguardError) -> list[bytes]:
        out = self.end()
        out.append(encode_event(json.dumps(error_event("openai", exc))))
        return out


def _carries_something(choice: dict[str, Any]) -> bool:
    delta = choice.get("delta")
    if not isinstance(delta, dict):
        return True
    return any(k != "content" or v for k, v in delta.items()) or choice.get("logprobs") is not None
