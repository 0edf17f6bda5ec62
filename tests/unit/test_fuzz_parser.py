"""A bounded fuzz run of the request parser (body bytes → JSON → Exchange → limits): whatever
the bytes, the answer is the parsed exchange or an InputError (HTTP 4xx) — never another
exception, which the service would turn into a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careguard.adapters import Api, parse_request
from careguard.errors import InputError
from careguard.policy import LimitsPolicy
from careguard.proxy.turn import check_limits
from careguard.safejson import loads_request

APIS: list[Api] = ["openai", "anthropic"]
LIMITS = LimitsPolicy(max_messages=5, max_message_chars=200)
SEEDS = [
    json.dumps({"model": "m", "messages": [{"role": "user", "content": "Hello, I am Sam."}]}),
    json.dumps({"model": "m", "max_tokens": 9, "system": [{"type": "text", "text": "Be kind"}],
                "stream": True, "messages": [{"role": "user", "content": [
                    {"type": "text", "text": "Hi \u00e9\U0001f600"},
                    {"type": "tool_result", "content": [{"type": "text", "text": "ok"}]}]}]}),
]  # fmt: skip
TOKENS = [b"{", b"}", b"[", b"]", b'"', b",", b":", b"\\", b"\\u", b"\\ud800", b"null", b"1e999",
          b"NaN", b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\x00", b"\xe2\x80\x8b",
          b'"messages"', b'"role"', b'"content"', b'"text"', b'"stream"']  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid request body with a few random edits (cut, insert a token, flip a byte)."""
    data = bytearray(draw(st.sampled_from(SEEDS)).encode())
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["cut", "insert", "flip", "delete"]))
        if action == "cut":
            del data[pos:]
        elif action == "insert":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif action == "flip" and pos < len(data):
            data[pos] = draw(st.integers(min_value=0, max_value=255))
        elif pos < len(data):
            del data[pos]
    return bytes(data)


def parse(api: Api, raw: bytes) -> None:
    ex = parse_request(api, loads_request(raw))
    check_limits(ex, LIMITS)
    json.dumps(ex.body, ensure_ascii=False).encode()  # what forwarding does with it


@pytest.mark.parametrize("api", APIS)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated() | st.binary(max_size=200))
def test_any_body_parses_or_is_an_input_error(api: Api, raw: bytes) -> None:
    """Mutated requests and random bytes either parse (and can be forwarded) or raise an
    InputError with a 4xx status."""
    try:
        parse(api, raw)
    except InputError as exc:
        assert 400 <= exc.status < 500
