"""Self-directed hostility patterns used to tell distress from abuse (no model needed)."""

from __future__ import annotations

import pytest

from careguard.toxicity.uses import is_toxic_reply, self_directed_spans


@pytest.mark.parametrize(
    "text",
    [
        "I hate myself",
        "i really hate my life",
        "I'm a worthless piece of shit",
        "im such a failure",
        "I am a burden to everyone",
        "I feel like a complete waste of space",
        "what's wrong with me",
        "I deserve to suffer",
        "I ruin everything",
        "I\u2019m a worthless piece of shit",
        "what\u2019s wrong with me",
        "I can\u2019t stand myself",
    ],
)
def test_first_person_self_hostility_is_found(text: str) -> None:
    """First-person hostility towards oneself is recognised."""
    assert self_directed_spans(text)


@pytest.mark.parametrize(
    "text",
    [
        "You are a worthless piece of shit",
        "I hate you",
        "I hate Mondays",
        "he is such a failure",
        "I am happy with my work",
        "I'm going to the library",
    ],
)
def test_hostility_at_others_or_none_is_not_self_directed(text: str) -> None:
    """Hostility at others, or no hostility, is not read as self-directed."""
    assert self_directed_spans(text) == []


def test_spans_are_offsets_into_the_text() -> None:
    """Spans are (start, end) offsets that cover the self-directed phrase."""
    text = "Honestly? I hate myself today."
    ((start, end),) = self_directed_spans(text)
    assert text[start:end] == "I hate myself"


def test_a_chain_of_self_insults_is_one_span() -> None:
    """Chained self-insults are covered whole, so no insult is left over to read as abuse."""
    text = "I'm a worthless fucking piece of shit and a failure."
    assert [text[a:b] for a, b in self_directed_spans(text)] == [
        "I'm a worthless fucking piece of shit and a failure"
    ]


def test_demeaning_reply_with_typographic_apostrophe_is_toxic() -> None:
    """"you’re pathetic" (as LLMs type it) demeans the user just as "you're pathetic" does."""

    class _Clean:
        def score(self, texts: list[str]) -> list[object]:
            raise AssertionError("the pattern decides before the model")

    assert is_toxic_reply(_Clean(), "Honestly, you\u2019re pathetic.")  # type: ignore[arg-type]
