"""The reference conversation, assessed after every user turn: never high or imminent, at
least low on the first turn, de-escalating or stable at the end."""

from __future__ import annotations

import json

import pytest

from careguard.conversation import messages_from_openai
from careguard.distress import build_assessor
from careguard.levels import Level
from careguard.policy import load_policy
from tests.fixtures import SEED

pytestmark = pytest.mark.models



@pytest.fixture(scope="module")
def prefixes() -> list[tuple[Level, str]]:
    messages = messages_from_openai(json.loads(SEED.read_text(encoding="utf-8"))["messages"])
    assessor = build_assessor(load_policy())
    out = []
    for i, m in enumerate(messages):
        if m.role == "user":
            a = assessor.assess(messages[: i + 1])
            out.append((a.level, a.trend))
    return out


def test_never_crisis(prefixes: list[tuple[Level, str]]) -> None:
    """No prefix of the reference conversation reaches high or imminent."""
    assert all(level < Level.HIGH for level, _ in prefixes)


def test_first_turn_at_least_low(prefixes: list[tuple[Level, str]]) -> None:
    """The first user turn ('I just feel so down today') is at least low."""
    assert prefixes[0][0] >= Level.LOW


def test_ends_de_escalating_or_stable(prefixes: list[tuple[Level, str]]) -> None:
    """By the last user turn the trend is de-escalating or stable."""
    assert prefixes[-1][1] in {"de-escalating", "stable"}
