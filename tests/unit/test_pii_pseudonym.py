"""Keyed placeholders: stable per conversation, across messages and requests, never shared."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from careguard.errors import PolicyError
from careguard.pii.pseudonym import PLACEHOLDER_RE, PseudonymSession, secret_from_env

SECRET = b"test-secret"
values = st.text(min_size=1, max_size=20)
types = st.sampled_from(["PERSON", "EMAIL_ADDRESS", "US_SSN", "STREET_ADDRESS"])
keys = st.text(max_size=12)


@given(key=keys, kind=types, value=values)
def test_placeholder_is_stable_across_requests(key: str, kind: str, value: str) -> None:
    """Two sessions (two requests) of one conversation give a value the same placeholder."""
    first = PseudonymSession(SECRET, key).placeholder(kind, value)
    second = PseudonymSession(SECRET, key).placeholder(kind, value)
    assert first == second


@given(key=keys, kind=types, value=values, others=st.lists(values, max_size=8))
def test_placeholder_is_stable_across_messages(
    key: str, kind: str, value: str, others: list[str]
) -> None:
    """Within a session a value keeps its placeholder whatever else was seen in between."""
    session = PseudonymSession(SECRET, key)
    first = session.placeholder(kind, value)
    for other in others:
        session.placeholder(kind, other)
    assert session.placeholder(kind, value) == first


@given(key_a=keys, key_b=keys, kind=types, value=values)
def test_two_conversations_do_not_share_placeholders(
    key_a: str, key_b: str, kind: str, value: str
) -> None:
    """The same value in two different conversations gets different placeholders."""
    assume(key_a != key_b)
    a = PseudonymSession(SECRET, key_a).placeholder(kind, value)
    b = PseudonymSession(SECRET, key_b).placeholder(kind, value)
    assert a != b


@given(key=keys, kind=types, distinct=st.sets(values, min_size=2, max_size=40))
def test_distinct_values_get_distinct_placeholders(key: str, kind: str, distinct: set[str]) -> None:
    """No two values in a session share a placeholder (collisions take a longer code)."""
    session = PseudonymSession(SECRET, key)
    placeholders = {session.placeholder(kind, v) for v in distinct}
    assert len(placeholders) == len(distinct)
    assert {session.value_of(p) for p in placeholders} == distinct


def test_collisions_resolve_by_first_seen_order() -> None:
    """Colliding values: the first keeps four characters, later ones get longer codes."""
    session = PseudonymSession(SECRET, "c")
    seen: dict[str, str] = {}
    for i in range(3000):  # 2**20 codes: a collision is certain well before the end
        p = session.placeholder("PERSON", f"v{i}")
        code = p[len("<PERSON_") : -1]
        if code[:4] in seen:
            assert len(code) > 4 and seen[code[:4]] != p
            again = PseudonymSession(SECRET, "c")
            for j in range(i + 1):
                again.placeholder("PERSON", f"v{j}")
            assert again.placeholder("PERSON", f"v{i}") == p
            return
        seen[code[:4]] = p
    raise AssertionError("no collision in 3000 values")  # pragma: no cover


def test_placeholder_has_type_and_four_character_code() -> None:
    """Placeholders look like <PERSON_7F3K>."""
    p = PseudonymSession(SECRET, "c").placeholder("PERSON", "Anna")
    assert re.fullmatch(r"<PERSON_[0-9A-Z]{4}>", p)
    assert PLACEHOLDER_RE.fullmatch(p)


def test_another_secret_gives_another_placeholder() -> None:
    """Placeholders depend on the key, so they cannot be guessed from the value."""
    a = PseudonymSession(b"one", "c").placeholder("PERSON", "Anna")
    b = PseudonymSession(b"two", "c").placeholder("PERSON", "Anna")
    assert a != b


def test_secret_from_env_reads_hex() -> None:
    """CAREGUARD_PSEUDONYM_KEY (hex, as the service reads it) becomes the key."""
    assert secret_from_env({"CAREGUARD_PSEUDONYM_KEY": "00ff"}) == b"\x00\xff"


@pytest.mark.parametrize("environ", [{}, {"CAREGUARD_PSEUDONYM_KEY": ""}])
def test_secret_from_env_unset_means_random(environ: dict[str, str]) -> None:
    """Unset or empty gives None (the redactor then uses a random key)."""
    assert secret_from_env(environ) is None


def test_secret_from_env_rejects_non_hex() -> None:
    """A key that is not hex is a policy error naming the variable, not the value."""
    with pytest.raises(PolicyError, match="CAREGUARD_PSEUDONYM_KEY"):
        secret_from_env({"CAREGUARD_PSEUDONYM_KEY": "not-hex-secret"})


def test_occurrences_find_seen_values_as_whole_words() -> None:
    """Values seen in the session are found again as whole words only."""
    session = PseudonymSession(SECRET, "c")
    session.placeholder("PERSON", "Anna Berg")
    session.placeholder("PERSON", "Al")  # too short to look for
    text = "Anna Berg, Anna Bergman and Al"
    found = [(f.entity_type, text[f.start : f.end]) for f in session.occurrences(text)]
    assert found == [("PERSON", "Anna Berg")]
