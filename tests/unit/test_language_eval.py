"""The measured figures in docs/languages.md hold: no English chat turn or conversation is
called unsupported, and the Spanish turns are caught."""

from __future__ import annotations

import pytest

from careguard_training.language_eval import Figures, evaluate

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def figures() -> Figures:
    return evaluate()


def test_no_english_chat_turn_is_called_unsupported(figures: Figures) -> None:
    """0 of the 1,182 English user turns come out unsupported (docs/languages.md)."""
    assert (figures.english_turns, figures.english_turns_flagged) == (1182, 0)


def test_no_english_chat_conversation_is_called_unsupported(figures: Figures) -> None:
    """0 of the 458 English conversations is flagged at any turn."""
    assert (figures.english_conversations, figures.english_conversations_flagged) == (458, 0)


def test_spanish_chat_turns_are_caught(figures: Figures) -> None:
    """10 of the 11 Spanish turns are called unsupported (the figure in the docs)."""
    assert figures.other_turns["es"] == (11, 10)
