"""The small JSON path syntax routes use to find text in an app's own JSON."""

from __future__ import annotations

from typing import Any

import pytest

from careguard.asgi.jsonpath import WILDCARD, JsonPath, PathSyntaxError, format_path
from careguard.errors import ShapeError


@pytest.mark.parametrize(("text", "steps"), [
    ("$", ()),
    ("$.message", ("message",)),
    ("$.history[*].content", ("history", WILDCARD, "content")),
    ("$.choices[0].delta.content", ("choices", 0, "delta", "content")),
    ('$.data["user text"]', ("data", "user text")),
    ("$['x-y'].z_1", ("x-y", "z_1")),
])  # fmt: skip
def test_compiles_valid_paths(text: str, steps: tuple[Any, ...]) -> None:
    """Each step form compiles to its step."""
    assert JsonPath.compile(text).steps == steps


@pytest.mark.parametrize(("text", "where"), [
    ("message", "must start with '[$]'"),
    ("$.", "character 2"),
    ("$.msg[", "character 5"),
    ("$..message", "character 2"),
    ("$.a[-1]", "character 3"),
    ("$.a[x]", "character 3"),
    ("$ .a", "character 1"),
])  # fmt: skip
def test_rejects_bad_syntax_saying_where(text: str, where: str) -> None:
    """A malformed path is refused with the position of the problem."""
    with pytest.raises(PathSyntaxError, match=where):
        JsonPath.compile(text)


def test_find_expands_wildcards_with_concrete_locations() -> None:
    """``[*]`` selects every element and names each one's own location."""
    doc = {"history": [{"content": "a"}, {"content": "b"}]}
    found = JsonPath.compile("$.history[*].content").find(doc)
    assert found == [(("history", 0, "content"), "a"), (("history", 1, "content"), "b")]


@pytest.mark.parametrize(("path", "doc", "field"), [
    ("$.message", {}, "$.message"),
    ("$.message", [], "$"),
    ("$.history[*].content", {"history": [{"content": "a"}, {}]}, "$.history[1].content"),
    ("$.history[*]", {"history": "text"}, "$.history"),
    ("$.a[2]", {"a": [1]}, "$.a[2]"),
])  # fmt: skip
def test_find_names_the_missing_location(path: str, doc: Any, field: str) -> None:
    """A lookup that fails names the concrete ``$.path``, never the content."""
    with pytest.raises(ShapeError) as info:
        JsonPath.compile(path).find(doc)
    assert info.value.field == field and info.value.status == 422


def test_optional_find_selects_nothing_when_the_container_is_absent() -> None:
    """``optional`` turns a missing top container into no values."""
    assert JsonPath.compile("$.history[*].content").find({}, optional=True) == []


def test_optional_find_still_reports_broken_elements() -> None:
    """``optional`` does not hide a malformed element of a present list."""
    with pytest.raises(ShapeError):
        JsonPath.compile("$.history[*].content").find({"history": [{}]}, optional=True)


def test_set_creates_missing_objects() -> None:
    """Writing a reply creates the objects on the way."""
    doc: dict[str, Any] = {}
    JsonPath.compile("$.data.reply").set(doc, "hi")
    assert doc == {"data": {"reply": "hi"}}


@pytest.mark.parametrize(("parts", "text"), [
    ((), "$"),
    (("history", 2, "content"), "$.history[2].content"),
    (("user text",), '$["user text"]'),
])  # fmt: skip
def test_format_path(parts: tuple[Any, ...], text: str) -> None:
    """Locations print in the same syntax."""
    assert format_path(parts) == text
