"""Restoring: pseudonymize → restore is the identity, however the reply is chunked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from careguard.pii.pseudonym import PseudonymSession

SECRET = b"test-secret"
# Filler text leans on the characters placeholders are made of, to stress partial prefixes.
filler = st.text(alphabet="<>_PERSONEMAIL0123 abcz.\n", max_size=12)
user_values = st.lists(
    st.tuples(st.sampled_from(["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"]), st.text(min_size=1)),
    min_size=1,
    max_size=5,
)


@st.composite
def pseudonymized(draw: st.DrawFn) -> tuple[str, str, PseudonymSession]:
    """(original text, the same text with placeholders, its session)."""
    session = PseudonymSession(SECRET, draw(st.text(max_size=8)))
    original, masked = [], []
    for kind, value in draw(user_values):
        gap = draw(filler)
        original += [gap, value]
        masked += [gap, session.placeholder(kind, value)]
    tail = draw(filler)
    return "".join([*original, tail]), "".join([*masked, tail]), session


@given(case=pseudonymized())
def test_restore_is_identity_on_user_values(case: tuple[str, str, PseudonymSession]) -> None:
    """restore() of the pseudonymized text gives back the original text."""
    original, masked, session = case
    assert session.restorer().restore(masked) == original


@given(case=pseudonymized())
def test_two_chunks_at_every_boundary_restore_the_same(
    case: tuple[str, str, PseudonymSession],
) -> None:
    """Split at every index, feed + feed + flush gives the original text."""
    original, masked, session = case
    for i in range(len(masked) + 1):
        r = session.restorer()
        assert r.feed(masked[:i]) + r.feed(masked[i:]) + r.flush() == original


@given(case=pseudonymized(), cuts=st.lists(st.integers(min_value=0), max_size=10))
def test_arbitrary_chunks_restore_the_same(
    case: tuple[str, str, PseudonymSession], cuts: list[int]
) -> None:
    """Any number of chunks of any sizes restores to the original text."""
    original, masked, session = case
    points = sorted({c % (len(masked) + 1) for c in cuts})
    chunks = [masked[a:b] for a, b in zip([0, *points], [*points, len(masked)], strict=True)]
    r = session.restorer()
    assert "".join(r.feed(c) for c in chunks) + r.flush() == original


@given(case=pseudonymized())
def test_holdback_is_at_most_one_placeholder(case: tuple[str, str, PseudonymSession]) -> None:
    """Fed character by character, never more than a placeholder's length is held back."""
    _, masked, session = case
    longest = max(len(p) for p in session.mapping)
    r = session.restorer()
    for ch in masked:
        r.feed(ch)
        assert r.held < longest


def test_plain_text_streams_through_without_delay() -> None:
    """Text with no '<' is returned by feed at once."""
    session = PseudonymSession(SECRET, "c")
    session.placeholder("PERSON", "Anna")
    r = session.restorer()
    assert r.feed("Hello there, ") == "Hello there, "
    assert r.held == 0


def test_unknown_placeholders_are_left_alone() -> None:
    """A placeholder this request did not issue (another conversation's) stays as is."""
    mine = PseudonymSession(SECRET, "mine")
    theirs = PseudonymSession(SECRET, "theirs").placeholder("PERSON", "Bob")
    mine.placeholder("PERSON", "Anna")
    assert mine.restorer().restore(f"hi {theirs}") == f"hi {theirs}"
