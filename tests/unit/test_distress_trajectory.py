"""Conversation trajectory: recency, stickiness, context from the assistant's question,
imminence after a disclosure, and trend."""

from __future__ import annotations

import pytest

from careguard.distress.message import MessageResult
from careguard.distress.rules import RuleFindings
from careguard.distress.trajectory import Turn, combine_turns, trend_of
from careguard.levels import Level

N, L, M, H, IMM = Level.NONE, Level.LOW, Level.MODERATE, Level.HIGH, Level.IMMINENT


def _r(level: Level, **flags: bool) -> MessageResult:
    return MessageResult(level, 0.7, "self", float(level.rank), (), RuleFindings(**flags), level)


def _conv(*levels: Level, sticky: int = 4) -> Level:
    turns = [Turn(i * 2, _r(lv)) for i, lv in enumerate(levels)]
    return combine_turns(turns, recency_decay=0.6, sticky_turns=sticky).level


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ((H, N), H),
        ((H, N, N, N, N), H),
        ((H, N, N, N, N, N), M),
        ((H, N, N, N, N, N, N, N), L),
        ((IMM, L), IMM),
        ((M, N), L),
        ((M, N, N, N), N),
        ((N, L, M), M),
    ],
)
def test_conversation_level_follows_recency_and_stickiness(
    levels: tuple[Level, ...], expected: Level
) -> None:
    """high/imminent stay for sticky_turns user turns; other levels fade with recency."""
    assert _conv(*levels) is expected


def test_sticky_turns_zero_lets_disclosure_fade() -> None:
    """With sticky_turns 0 a disclosure fades like any other level."""
    assert _conv(H, N, N, sticky=0) < H


def test_yes_to_a_question_about_suicide_is_high() -> None:
    """A short yes to the assistant asking about suicide takes the question's level."""
    turn = Turn(2, _r(N), "yes", "Are you having thoughts of suicide?")
    assert combine_turns([turn], recency_decay=0.6, sticky_turns=4).level is H


def test_yes_to_a_question_about_a_plan_is_imminent() -> None:
    """A yes to 'do you have a plan to end your life?' is imminent."""
    turn = Turn(2, _r(N), "yeah I do", "Do you have a plan to end your life?")
    assert combine_turns([turn], recency_decay=0.6, sticky_turns=4).level is IMM


def test_means_after_a_disclosure_is_imminent() -> None:
    """'I bought a rope' after a high disclosure makes the conversation imminent."""
    turns = [Turn(0, _r(H)), Turn(2, _r(L, imminence_anywhere=True))]
    assert combine_turns(turns, recency_decay=0.6, sticky_turns=4).level is IMM


@pytest.mark.parametrize(
    ("severities", "trend"),
    [
        ([1.0], "stable"),
        ([0, 1, 2], "escalating"),
        ([2, 1, 0], "de-escalating"),
        ([2, 2, 2], "stable"),
    ],
)
def test_trend(severities: list[float], trend: str) -> None:
    """Trend is the slope of the last three user-turn severities."""
    assert trend_of(severities) == trend


def test_no_user_turns_is_none() -> None:
    """A conversation without user turns is none/stable/unclear."""
    a = combine_turns([], recency_decay=0.6, sticky_turns=4)
    assert (a.level, a.trend, a.subject) == (N, "stable", "unclear")
