"""Tests for the SSE parser and the OpenAI/Anthropic stream relays (careguard.proxy)."""

from __future__ import annotations

import copy
import json
from typing import Any

import anyio
import pytest

from careguard.adapters import parse_request
from careguard.errors import UpstreamTimeout
from careguard.pipeline import Pipeline, ReplyFilter, Stages, TurnContext, build_stages
from careguard.policy import load_policy
from careguard.proxy.relay_anthropic import AnthropicRelay
from careguard.proxy.relay_openai import OpenAIRelay
from careguard.proxy.sse import SSEEvent, SSEParser, encode_json_event

CRISIS = "I can't go on anymore. I have decided to kill myself tonight."
STREAM = (
    b"event: a\ndata: {\"x\": 1}\n\n"
    b": comment\ndata: line one\ndata: line two\n\n"
    b"data: [DONE]\n\n"
)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_sse_parser_is_independent_of_chunking(size: int) -> None:
    """The same events come out however the bytes are split."""
    parser = SSEParser()
    events = [e for i in range(0, len(STREAM), size) for e in parser.feed(STREAM[i : i + size])]
    events += parser.close()
    assert events == [SSEEvent("a", '{"x": 1}'), SSEEvent(None, "line one\nline two"),
                      SSEEvent(None, "[DONE]")]


def test_sse_parser_accepts_crlf() -> None:
    """CRLF line ends parse like LF."""
    assert SSEParser().feed(b"data: 1\r\n\r\n") == [SSEEvent(None, "1")]


@pytest.fixture(scope="module")
def stages() -> Stages:
    return build_stages(load_policy())


def _filter(stages: Stages, text: str, country: str = "GB") -> ReplyFilter:
    pipeline = Pipeline(stages)
    ex = parse_request("openai", {"messages": [{"role": "user", "content": text}]})
    turn = anyio.run(pipeline.prepare, ex, TurnContext("r", country))
    return pipeline.reply(turn)


def _data(out: list[bytes]) -> list[Any]:
    items: list[Any] = []
    for raw in out:
        for block in raw.decode().split("\n\n"):
            for line in block.split("\n"):
                if line.startswith("data: "):
                    payload = line[6:]
                    items.append(payload if payload == "[DONE]" else json.loads(payload))
    return items


def _oa(choice: dict[str, Any]) -> SSEEvent:
    obj = {"id": "c", "object": "chat.completion.chunk", "choices": [choice]}
    return SSEEvent(None, json.dumps(obj))



@pytest.mark.models
def test_openai_note_comes_before_the_finish_chunk(stages: Stages) -> None:
    """At the crisis level the resource note is a content delta just before finish_reason."""
    relay = OpenAIRelay(_filter(stages, CRISIS))
    out: list[bytes] = []
    out += relay.feed(_oa({"index": 0, "delta": {"content": "I'm here. "}, "finish_reason": None}))
    out += relay.feed(_oa({"index": 0, "delta": {"content": "Truly."}, "finish_reason": "stop"}))
    out += relay.feed(SSEEvent(None, "[DONE]"))
    items = _data(out)
    assert items[-1] == "[DONE]"
    assert items[-2]["choices"][0]["finish_reason"] == "stop"
    assert items[-2]["choices"][0]["delta"] == {}
    texts = [c["delta"].get("content", "") for i in items[:-2] for c in i["choices"]]
    assert "".join(texts).startswith("I'm here. Truly.")
    assert "116 123" in texts[-1]


@pytest.mark.models
def test_openai_tool_call_deltas_pass_unchanged(stages: Stages) -> None:
    """Chunks with tool calls are relayed as they came."""
    relay = OpenAIRelay(_filter(stages, "Please convert five kilometres to miles."))
    tool = {"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]},
            "finish_reason": None}
    items = _data(relay.feed(_oa(copy.deepcopy(tool))))
    assert items[0]["choices"] == [tool]


@pytest.mark.models
def test_openai_stream_that_breaks_off_still_gets_the_note_and_an_error(stages: Stages) -> None:
    """An upstream failure mid-stream releases held text, the note, then an error event."""
    relay = OpenAIRelay(_filter(stages, CRISIS))
    relay.feed(_oa({"index": 0, "delta": {"content": "I'm here"}, "finish_reason": None}))
    items = _data(relay.fail(UpstreamTimeout("upstream stopped answering")))
    assert "116 123" in items[-2]["choices"][0]["delta"]["content"]
    assert items[-1]["error"]["code"] == "upstream_timeout"


def _an(obj: dict[str, Any]) -> SSEEvent:
    return SSEEvent(obj["type"], json.dumps(obj))


@pytest.mark.models
def test_anthropic_note_is_its_own_block_before_message_delta(stages: Stages) -> None:
    """The note arrives as a new content block after the last index, before message_delta."""
    relay = AnthropicRelay(_filter(stages, CRISIS))
    events = [
        {"type": "message_start", "message": {"id": "m", "content": []}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "text_delta", "text": "I'm here with you."}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1,
         "content_block": {"type": "tool_use", "id": "t", "name": "f", "input": {}}},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}},
        {"type": "message_stop"},
    ]
    items = _data([b for e in events for b in relay.feed(_an(e))])
    kinds = [i["type"] for i in items]
    assert kinds[-5:] == ["content_block_start", "content_block_delta", "content_block_stop",
                          "message_delta", "message_stop"]
    assert items[-5]["index"] == 2
    assert "116 123" in items[-4]["delta"]["text"]
    assert items[4]["content_block"]["type"] == "tool_use"


@pytest.mark.models
def test_anthropic_no_note_below_the_crisis_level(stages: Stages) -> None:
    """A neutral turn's stream gets no extra block."""
    relay = AnthropicRelay(_filter(stages, "Please convert five kilometres to miles."))
    out = relay.feed(_an({"type": "message_delta", "delta": {"stop_reason": "end_turn"}}))
    assert [i["type"] for i in _data(out)] == ["message_delta"]


def test_encoded_events_round_trip() -> None:
    """encode_json_event output parses back to the same object."""
    obj = {"type": "x", "text": "line\nbreak ✓"}
    (ev,) = SSEParser().feed(encode_json_event(obj, "x"))
    assert ev.event == "x" and ev.json() == obj
