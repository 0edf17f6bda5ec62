"""Property tests of careguard.adapters: any JSON is read or refused with a ShapeError, and
reading then writing text is lossless for everything careguard does not change."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careguard.adapters import (
    Api,
    append_reply_note,
    parse_request,
    reply_texts,
    set_reply_text,
)
from careguard.errors import ShapeError

APIS: list[Api] = ["openai", "anthropic"]
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
TEXT = st.text(max_size=40)
EXTRA = st.dictionaries(st.sampled_from(["name", "x_future", "cache_control", "id"]), SCALARS,
                        max_size=2)  # fmt: skip
PART = st.one_of(
    st.builds(lambda t, e: {**e, "type": "text", "text": t}, TEXT, EXTRA),
    st.builds(lambda e: {**e, "type": "image_url", "image_url": {"url": "data:,x"}}, EXTRA),
    st.builds(lambda e: {**e, "type": "future_part"}, EXTRA),
)
CONTENT = st.one_of(TEXT, st.lists(PART, max_size=3))


@st.composite
def requests(draw: st.DrawFn, api: Api) -> dict[str, Any]:
    """A valid request body of ``api`` with unknown fields sprinkled in."""
    roles = ["user", "assistant"] if api == "anthropic" else ["user", "assistant", "system",
                                                                "tool", "developer"]  # fmt: skip
    n = draw(st.integers(min_value=1, max_value=4))
    msgs = [{**draw(EXTRA), "role": draw(st.sampled_from(roles)), "content": draw(CONTENT)}
            for _ in range(n)]  # fmt: skip
    body: dict[str, Any] = {"model": draw(TEXT), "messages": msgs, **draw(
        st.dictionaries(st.sampled_from(["temperature", "metadata", "tools"]), ANY_JSON,
                        max_size=2))}  # fmt: skip
    if draw(st.booleans()):
        body["stream"] = draw(st.booleans())
    if api == "anthropic" and draw(st.booleans()):
        body["system"] = draw(st.one_of(TEXT, st.lists(PART, max_size=2)))
    return body


@pytest.mark.parametrize("api", APIS)
@settings(max_examples=300)
@given(body=ANY_JSON)
def test_any_json_is_read_or_refused_with_a_shape_error(api: Api, body: Any) -> None:
    """Arbitrary JSON never makes the adapter raise anything but ShapeError (naming a $.path),
    and never changes the body while reading it."""
    before = copy.deepcopy(body)
    try:
        parse_request(api, body)
    except ShapeError as exc:
        assert exc.field is not None and exc.field.startswith("$")
    assert body == before


@pytest.mark.parametrize("api", APIS)
@given(data=st.data())
def test_writing_the_same_text_back_changes_nothing(api: Api, data: st.DataObject) -> None:
    """Reading a valid request and writing every slot's own text back gives the same body."""
    body = data.draw(requests(api))
    original = copy.deepcopy(body)
    ex = parse_request(api, body)
    for slot in ex.slots:
        ex.set_text(slot, slot.text)
    assert ex.body == original


@pytest.mark.parametrize("api", APIS)
@given(data=st.data())
def test_new_text_lands_exactly_in_its_slots(api: Api, data: st.DataObject) -> None:
    """Writing new text into every slot and reading again finds those texts in the same
    places; nothing else in the body changes."""
    body = data.draw(requests(api))
    ex = parse_request(api, copy.deepcopy(body))
    new = [f"<{i}>" for i in range(len(ex.slots))]
    for slot, text in zip(ex.slots, new, strict=True):
        ex.set_text(slot, text)
    again = parse_request(api, copy.deepcopy(ex.body))
    assert [s.text for s in again.slots] == new
    assert [s.path for s in again.slots] == [s.path for s in ex.slots]
    for slot in ex.slots:  # put the old text back: the rest was never touched
        ex.set_text(slot, slot.text)
    assert ex.body == body


def system_texts(api: Api, body: dict[str, Any]) -> list[str]:
    """The texts in the request's system position (OpenAI: a leading system/developer
    message; Anthropic: ``system``)."""
    if api == "anthropic":
        holder: Any = body.get("system")
    else:
        first = body["messages"][0]
        holder = first.get("content") if first.get("role") in ("system", "developer") else None
    if isinstance(holder, str):
        return [holder]
    if isinstance(holder, list):
        return [p["text"] for p in holder if isinstance(p, dict) and isinstance(p.get("text"),
                                                                                str)]
    return []


@pytest.mark.parametrize("api", APIS)
@given(data=st.data(), block=st.text(min_size=1, max_size=30))
def test_the_system_block_is_added_once_and_the_turns_stay(
    api: Api, data: st.DataObject, block: str
) -> None:
    """inject_system adds careguard's block once; the user and assistant turns are unchanged."""
    body = data.draw(requests(api))
    ex = parse_request(api, copy.deepcopy(body))
    ex.inject_system(block)
    turns = [m for m in ex.body["messages"] if m.get("role") in ("user", "assistant")]
    assert turns == [m for m in body["messages"] if m.get("role") in ("user", "assistant")]
    assert any(block in text for text in system_texts(api, ex.body))
    parse_request(api, ex.body)  # still a valid request


@pytest.mark.parametrize("api", APIS)
@settings(max_examples=200)
@given(reply=ANY_JSON, note=st.text(min_size=1, max_size=20))
def test_reply_helpers_accept_any_reply(api: Api, reply: Any, note: str) -> None:
    """reply_texts and append_reply_note never raise on an arbitrary JSON object, and the note
    is then among the reply's texts."""
    found = reply_texts(api, reply)
    for path, text in found:
        set_reply_text(reply, path, text)
    if isinstance(reply, dict):
        try:
            append_reply_note(api, reply, note)
        except (AttributeError, TypeError) as exc:  # pragma: no cover - reported as a failure
            raise AssertionError(f"append_reply_note failed: {exc!r}") from exc
        assert any(note in t for _, t in reply_texts(api, reply))
