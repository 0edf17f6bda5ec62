"""careguard.jsonl: one object per non-blank line, errors naming the line, never the text."""

from __future__ import annotations

import pytest

from careguard.errors import InputError, ShapeError
from careguard.jsonl import json_objects

SECRET = "canary.person@example.org"


def test_objects_come_with_their_line_numbers() -> None:
    """Blank lines are skipped but still counted."""
    assert list(json_objects(['{"a": 1}', "", "  ", '{"b": 2}'])) == [(1, {"a": 1}), (4, {"b": 2})]


def test_bytes_are_decoded_as_utf8() -> None:
    """Byte lines (a file opened in binary) are decoded."""
    assert list(json_objects([b'{"t": "caf\xc3\xa9"}'])) == [(1, {"t": "café"})]


@pytest.mark.parametrize(
    ("lines", "error", "message"),
    [
        ([b'{"t": "caf\xe9"}'], InputError, "f.jsonl: line 1: not UTF-8 (byte 10)"),
        (['{"a": 1}', '{"t": "' + SECRET], InputError, "f.jsonl: line 2: invalid JSON"),
        (["[1, 2]"], ShapeError, "f.jsonl: line 1: expected a JSON object"),
    ],
    ids=["not-utf8", "bad-json", "not-an-object"],
)
def test_bad_lines_raise_naming_the_line(lines: list[str | bytes], error: type[Exception],
                                         message: str) -> None:  # fmt: skip
    """Each problem raises the careguard error naming the file and line, not the text."""
    with pytest.raises(error) as info:
        list(json_objects(lines, "f.jsonl"))
    assert str(info.value).startswith(message)
    assert SECRET not in str(info.value)
