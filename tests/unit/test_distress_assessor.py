"""The assessor: content cache (history is not re-analysed), bounded LRU, thread safety,
defined results for empty, huge and disabled cases, and signals without text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from careguard.conversation import Message
from careguard.distress import build_assessor
from careguard.distress.assessor import Assessor
from careguard.levels import LEVELS, Level
from careguard.policy import LoadedPolicy, Policy, load_policy

pytestmark = pytest.mark.models

TURNS = [
    "I had a long day at work.",
    "My manager keeps piling things on me and I can't keep up.",
    "I haven't been sleeping well and everything feels pointless lately.",
    "Sometimes I think everyone would be better off without me.",
]


@pytest.fixture(scope="module")
def shared() -> Iterator[Assessor]:
    yield build_assessor(load_policy())


def _conversation(n: int) -> list[Message]:
    out: list[Message] = []
    for t in TURNS[:n]:
        out += [Message("user", t), Message("assistant", "I hear you. Tell me more.")]
    return out


def test_history_is_not_reanalysed(shared: Assessor) -> None:
    """Re-sending the history with one new turn analyses exactly one new message."""
    shared.assess(_conversation(3))
    before = shared.misses
    shared.assess(_conversation(4))
    assert shared.misses == before + 1


def test_same_conversation_twice_is_all_cache_hits(shared: Assessor) -> None:
    """Assessing the same conversation again analyses nothing."""
    shared.assess(_conversation(2))
    before = shared.misses
    shared.assess(_conversation(2))
    assert shared.misses == before


def test_cache_is_bounded(shared: Assessor) -> None:
    """The LRU never holds more than cache_size results."""
    small = Assessor(shared.model, shared.embedder, cache_size=2)
    small.assess(_conversation(4))
    assert len(small._cache) == 2


def test_cache_size_zero_disables_caching(shared: Assessor) -> None:
    """With cache_size 0 every assessment analyses every user turn again."""
    none = Assessor(shared.model, shared.embedder, cache_size=0)
    none.assess(_conversation(2))
    none.assess(_conversation(2))
    assert none.misses == 4


def test_concurrent_assessments_match_sequential(shared: Assessor) -> None:
    """Threads sharing one assessor get the same results as one thread."""
    fresh = Assessor(shared.model, shared.embedder, cache_size=100,
                     identifier=shared.identifier)
    convs = [_conversation(n) for n in (1, 2, 3, 4)] * 3
    expected = [shared.assess(c).to_dict(turns=True) for c in convs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda c: fresh.assess(c).to_dict(turns=True), convs))
    assert got == expected


def test_empty_conversation_is_none(shared: Assessor) -> None:
    """No messages: level none, stable, subject unclear."""
    a = shared.assess([])
    assert (a.level, a.trend, a.subject) == (Level.NONE, "stable", "unclear")


def test_huge_message_gets_a_defined_result(shared: Assessor) -> None:
    """A 100,000-character user message is assessed (read in bounded windows)."""
    text = ("I keep thinking about everything that went wrong this year. " * 2000)[:100_000]
    assert shared.assess([Message("user", text)]).level in LEVELS


def test_empty_user_text_is_none(shared: Assessor) -> None:
    """A user turn with no text (e.g. only an image part) is level none."""
    assert shared.assess([Message("user", "")]).level is Level.NONE


def test_signals_are_fixed_identifiers(shared: Assessor) -> None:
    """Signal names are identifiers, never conversation text."""
    a = shared.assess([Message("user", "I want to kill myself tonight zebra-canary")])
    names = [s.name for s in a.signals] + [s.name for t in a.turns for s in t.signals]
    assert names and all(re.fullmatch(r"[a-z_]+(:[a-z_]+)?", n) for n in names)


def test_score_is_a_probability(shared: Assessor) -> None:
    """score lies in [0, 1] for every turn and the conversation."""
    a = shared.assess(_conversation(4))
    assert all(0.0 <= s <= 1.0 for s in [a.score, *(t.score for t in a.turns)])


def test_disabled_policy_reports_none() -> None:
    """distress.enabled false gives level none with a 'disabled' signal."""
    loaded = load_policy()
    policy = loaded.policy
    off = Policy(
        version=policy.version,
        name=policy.name,
        distress=type(policy.distress)(enabled=False),
    )
    a = build_assessor(LoadedPolicy(off, loaded.source)).assess([Message("user", "I want to die")])
    assert a.level is Level.NONE and [s.name for s in a.signals] == ["disabled"]
