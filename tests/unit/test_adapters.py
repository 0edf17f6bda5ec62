"""Tests for careguard.adapters: wire formats ↔ messages and text slots, losslessly."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from careguard.adapters import (
    append_reply_note,
    parse_request,
    reply_texts,
    set_reply_text,
)
from careguard.errors import ShapeError

OPENAI: dict[str, Any] = {
    "model": "gpt-x",
    "temperature": 0.3,
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    "messages": [
        {"role": "developer", "content": "Be kind."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Hi, I am Ann."},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "Second part."},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "tool output"},
        {"role": "user", "content": "And now?", "name": "ann"},
    ],
}

ANTHROPIC: dict[str, Any] = {
    "model": "claude-x",
    "max_tokens": 100,
    "system": [{"type": "text", "text": "Sys one.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": "Hello there."},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Hi!"},
                {"type": "tool_use", "id": "t1", "name": "f", "input": {"q": 1}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": [{"type": "text", "text": "result text"}],
                },
                {"type": "text", "text": "Thanks."},
            ],
        },
    ],
}


def test_openai_messages_join_text_parts_in_order() -> None:
    """OpenAI content parts become one message text; images carry no text."""
    ex = parse_request("openai", copy.deepcopy(OPENAI))
    assert [(m.role, m.text) for m in ex.messages] == [
        ("developer", "Be kind."),
        ("user", "Hi, I am Ann.\nSecond part."),
        ("assistant", ""),
        ("tool", "tool output"),
        ("user", "And now?"),
    ]


def test_openai_slots_point_at_every_text() -> None:
    """Each text slot's path leads to exactly that text in the body."""
    ex = parse_request("openai", copy.deepcopy(OPENAI))
    for slot in ex.slots:
        target: Any = ex.body
        for part in slot.path:
            target = target[part]
        assert target == slot.text


def test_writing_every_slot_back_unchanged_is_lossless() -> None:
    """Writing each slot's own text back leaves the body identical to the input."""
    ex = parse_request("anthropic", copy.deepcopy(ANTHROPIC))
    for slot in ex.slots:
        ex.set_text(slot, slot.text)
    assert ex.body == ANTHROPIC


def test_set_text_changes_only_that_slot() -> None:
    """Replacing one slot's text changes that string and nothing else."""
    ex = parse_request("openai", copy.deepcopy(OPENAI))
    slot = next(s for s in ex.slots if s.text == "Hi, I am Ann.")
    ex.set_text(slot, "Hi, I am <PERSON_1>.")
    expected = copy.deepcopy(OPENAI)
    expected["messages"][1]["content"][0]["text"] = "Hi, I am <PERSON_1>."
    assert ex.body == expected


def test_anthropic_system_blocks_and_tool_results_are_read() -> None:
    """Anthropic system blocks and tool_result text are messages/slots too."""
    ex = parse_request("anthropic", copy.deepcopy(ANTHROPIC))
    assert ex.messages[0].role == "system"
    assert ex.messages[0].text == "Sys one."
    assert ex.messages[-1].text == "result text\nThanks."
    assert {s.text for s in ex.slots} >= {"Sys one.", "result text", "Thanks.", "Hi!"}


@pytest.mark.parametrize(
    ("api", "body", "expected"),
    [
        (
            "openai",
            {"messages": [{"role": "user", "content": "u"}]},
            {
                "messages": [
                    {"role": "system", "content": "BLOCK"},
                    {"role": "user", "content": "u"},
                ]
            },
        ),
        (
            "openai",
            {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "u"}]},
            {
                "messages": [
                    {"role": "system", "content": "S\n\nBLOCK"},
                    {"role": "user", "content": "u"},
                ]
            },
        ),
        (
            "openai",
            {
                "messages": [
                    {"role": "developer", "content": [{"type": "text", "text": "S"}]},
                    {"role": "user", "content": "u"},
                ]
            },
            {
                "messages": [
                    {
                        "role": "developer",
                        "content": [
                            {"type": "text", "text": "S"},
                            {"type": "text", "text": "BLOCK"},
                        ],
                    },
                    {"role": "user", "content": "u"},
                ]
            },
        ),
        (
            "anthropic",
            {"messages": [{"role": "user", "content": "u"}]},
            {"system": "BLOCK", "messages": [{"role": "user", "content": "u"}]},
        ),
        (
            "anthropic",
            {"system": "S", "messages": [{"role": "user", "content": "u"}]},
            {"system": "S\n\nBLOCK", "messages": [{"role": "user", "content": "u"}]},
        ),
        (
            "anthropic",
            {
                "system": [{"type": "text", "text": "S"}],
                "messages": [{"role": "user", "content": "u"}],
            },
            {
                "system": [{"type": "text", "text": "S"}, {"type": "text", "text": "BLOCK"}],
                "messages": [{"role": "user", "content": "u"}],
            },
        ),
    ],
)
def test_inject_system_keeps_the_clients_prompt_first(
    api: Any, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    """The system block goes after the client's own system prompt, in the API's shape."""
    ex = parse_request(api, body)
    ex.inject_system("BLOCK")
    assert ex.body == expected


@pytest.mark.parametrize(
    ("api", "body", "field"),
    [
        ("openai", [], "$"),
        ("openai", {"messages": "hi"}, "$.messages"),
        ("openai", {"messages": []}, "$.messages"),
        ("openai", {"messages": [{"role": "wizard", "content": "x"}]}, "$.messages[0].role"),
        ("openai", {"messages": [{"role": "user", "content": 5}]}, "$.messages[0].content"),
        (
            "openai",
            {"messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]},
            "$.messages[0].content[0].text",
        ),
        ("openai", {"stream": "yes", "messages": [{"role": "user", "content": "x"}]}, "$.stream"),
        ("anthropic", {"messages": [{"role": "system", "content": "x"}]}, "$.messages[0].role"),
        ("anthropic", {"system": 3, "messages": [{"role": "user", "content": "x"}]}, "$.system"),
    ],
)
def test_wrong_shapes_name_the_field(api: Any, body: Any, field: str) -> None:
    """A wrong shape raises ShapeError (422) naming the $.path of the problem."""
    with pytest.raises(ShapeError) as info:
        parse_request(api, body)
    assert info.value.field == field
    assert info.value.status == 422


def test_shape_errors_never_quote_the_text() -> None:
    """Shape error messages name fields only, never the conversation's text."""
    with pytest.raises(ShapeError) as info:
        parse_request(
            "openai",
            {
                "messages": [
                    {"role": "user", "content": "secret-canary"},
                    {"role": "nobody", "content": "secret-canary"},
                ]
            },
        )
    assert "secret-canary" not in str(info.value)


@pytest.mark.parametrize(
    ("api", "reply", "expected"),
    [
        (
            "openai",
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": "A"}}]},
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": "A\n\nNOTE"}}]},
        ),
        (
            "anthropic",
            {"content": [{"type": "text", "text": "A"}]},
            {"content": [{"type": "text", "text": "A"}, {"type": "text", "text": "NOTE"}]},
        ),
    ],
)
def test_append_reply_note_in_the_apis_shape(
    api: Any, reply: dict[str, Any], expected: dict[str, Any]
) -> None:
    """The note goes into the OpenAI message text, or an Anthropic block of its own."""
    append_reply_note(api, reply, "NOTE")
    assert reply == expected


def test_reply_texts_skip_tool_use_blocks() -> None:
    """Only text blocks of a reply are found, each with a path that can be written."""
    reply = {
        "content": [{"type": "tool_use", "id": "x", "input": {}}, {"type": "text", "text": "hello"}]
    }
    found = reply_texts("anthropic", reply)
    assert found == [(("content", 1, "text"), "hello")]
    set_reply_text(reply, found[0][0], "bye")
    assert reply["content"][1] == {"type": "text", "text": "bye"}


def _slot_texts(api: Any, body: dict[str, Any]) -> set[str]:
    return {s.text for s in parse_request(api, body).slots}


def test_openai_tool_call_arguments_are_redaction_slots() -> None:
    """An assistant tool call's arguments string is a slot (redacted before it leaves)."""
    body = copy.deepcopy(OPENAI)
    body["messages"][2]["tool_calls"][0]["function"]["arguments"] = '{"email": "a@b.org"}'
    assert '{"email": "a@b.org"}' in _slot_texts("openai", body)


def test_tool_call_arguments_are_not_assessed_as_message_text() -> None:
    """Tool arguments are redacted but not read as the assistant's words."""
    body = copy.deepcopy(OPENAI)
    body["messages"][2]["tool_calls"][0]["function"]["arguments"] = '{"q": "x"}'
    assert parse_request("openai", body).messages[2].text == ""


def test_anthropic_tool_use_input_strings_are_slots() -> None:
    """Every string inside an Anthropic tool_use input is a slot at its own path."""
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "t",
                        "name": "f",
                        "input": {"to": "Ann Lee", "cc": ["x@y.org"], "n": 3},
                    }
                ],
            },
            {"role": "user", "content": "ok"},
        ],
    }
    ex = parse_request("anthropic", body)
    paths = {s.text: s.path for s in ex.slots}
    assert paths["Ann Lee"] == ("messages", 0, "content", 0, "input", "to")
    assert paths["x@y.org"] == ("messages", 0, "content", 0, "input", "cc", 0)


@pytest.mark.parametrize(
    "document",
    [
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "Letter from Ann Lee"},
        },
        {
            "type": "document",
            "source": {
                "type": "content",
                "content": [{"type": "text", "text": "Letter from Ann Lee"}],
            },
        },
        {
            "type": "document",
            "title": "Letter from Ann Lee",
            "source": {"type": "url", "url": "https://example.org/x.pdf"},
        },
    ],
    ids=["text-source", "content-source", "title"],
)
def test_anthropic_document_text_is_read(document: dict[str, Any]) -> None:
    """Text in an Anthropic document block is a slot and part of the user's text."""
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [document]}]}
    ex = parse_request("anthropic", body)
    assert "Letter from Ann Lee" in {s.text for s in ex.slots}
    assert "Letter from Ann Lee" in ex.messages[0].text
