"""Replies built by careguard itself, in each API's own shape, whole or as SSE events.

Used by the built-in echo upstream and for direct answers (an ``imminent`` turn under
``imminent_action: respond``, or a crisis turn whose upstream failed).
"""

from __future__ import annotations

import re
import time
from typing import Any

from careguard.adapters import Api
from careguard.proxy.sse import encode_json_event

__all__ = ["reply_events", "split_words", "whole_reply"]

_CHUNK_WORDS = 6


def split_words(text: str, words_per_chunk: int = _CHUNK_WORDS) -> list[str]:
    """Split text into chunks of a few words (whitespace kept), so a stream has several."""
    words = re.split(r"(?<= )", text)
    return [
        "".join(words[i : i + words_per_chunk]) for i in range(0, len(words), words_per_chunk)
    ]


def whole_reply(api: Api, text: str, model: str, rid: str) -> dict[str, Any]:
    if api == "anthropic":
        return {
            "id": f"msg_{rid}", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0},
        }
    return {
        "id": f"chatcmpl-{rid}", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def reply_events(api: Api, text: str, model: str, rid: str) -> list[bytes]:
    """The whole reply as a list of SSE events, the text split over several deltas."""
    pieces = split_words(text)
    if api == "anthropic":
        return _anthropic_events(pieces, model, rid)
    base = {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return encode_json_event(
            {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        )

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": p}) for p in pieces]
    out.append(chunk({}, "stop"))
    out.append(b"data: [DONE]\n\n")
    return out


def _anthropic_events(pieces: list[str], model: str, rid: str) -> list[bytes]:
    message = {**whole_reply("anthropic", "", model, rid), "content": [], "stop_reason": None}
    out = [
        encode_json_event({"type": "message_start", "message": message}, "message_start"),
        encode_json_event({"type": "content_block_start", "index": 0,
                           "content_block": {"type": "text", "text": ""}},
                          "content_block_start"),
    ]
    out += [encode_json_event({"type": "content_block_delta", "index": 0,
                               "delta": {"type": "text_delta", "text": p}},
                              "content_block_delta") for p in pieces]
    out.append(encode_json_event({"type": "content_block_stop", "index": 0},
                                 "content_block_stop"))
    out.append(encode_json_event({"type": "message_delta",
                                  "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                  "usage": {"output_tokens": 0}}, "message_delta"))
    out.append(encode_json_event({"type": "message_stop"}, "message_stop"))
    return out
