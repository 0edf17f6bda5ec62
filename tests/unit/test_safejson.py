"""careguard.safejson: JSON from clients and upstreams, with depth and Unicode checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careguard.errors import InputError
from careguard.safejson import MAX_DEPTH, loads_request, loads_untrusted

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"[" * 100_000, "nested deeper"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
        (b'{"a": "\\ud800"}', "unpaired surrogate"),
        (b'{"\\uDC00": 1}', "unpaired surrogate"),
        (b'{"messages": [', "not valid JSON at character"),
        (b"9" * 5000, "not valid JSON"),
        (b'{"temperature": NaN}', "NaN and Infinity"),
        (b"[-Infinity]", "NaN and Infinity"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_bad_request_bodies_are_input_errors(raw: bytes, needle: str) -> None:
    """Each kind of unusable body is a 400 InputError that names the problem."""
    with pytest.raises(InputError) as info:
        loads_request(raw)
    assert info.value.status == 400
    assert needle in str(info.value)


def test_the_deepest_allowed_nesting_is_accepted() -> None:
    """Exactly MAX_DEPTH levels of nesting still parse."""
    assert loads_request(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


def test_paired_surrogate_escapes_are_text() -> None:
    """An escaped surrogate pair (an emoji) decodes to the character."""
    assert loads_request(b'"\\ud83d\\ude00"') == "\U0001f600"


def test_untrusted_json_raises_value_error() -> None:
    """Upstream JSON that careguard could not forward is a ValueError (callers catch it)."""
    with pytest.raises(ValueError, match="nested deeper"):
        loads_untrusted("[" * 5000)


@given(JSON)
def test_any_json_document_round_trips(value: Any) -> None:
    """Every JSON document of reasonable depth reads back as json.loads reads it."""
    raw = json.dumps(value).encode()
    assert loads_request(raw) == json.loads(raw)
