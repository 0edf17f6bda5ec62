"""Conversation trajectory: user-turn results -> the conversation's level and trend.

- Only user turns carry a level; assistant/system turns are context: a short "yes" to an
  assistant's question about suicide (or about a plan) takes its level from the question.
- Recency: an older turn's level counts for ``rank * recency_decay ** age`` (rounded), so a
  ``moderate`` two turns back still holds the conversation at ``low``.
- Stickiness: a ``high``/``imminent`` disclosure holds the conversation at that level for
  ``sticky_turns`` further user turns, whatever they say ("ok thanks", "never mind"), and
  only then starts to fade with recency.
- A ``high`` conversation whose newest turn names a plan, means, a time frame or
  preparation ("I bought a rope") becomes ``imminent``, even without suicidal words in
  that turn.
- Trend: the slope of the last three user turns' severities (escalating / stable /
  de-escalating).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from careguard.assessment import Assessment, Signal, TurnAssessment
from careguard.distress.message import RULE_CONFIDENCE, MessageResult
from careguard.levels import Level, Subject, Trend

__all__ = ["Turn", "combine_turns", "context_level"]

TREND_SLOPE = 0.4
"""Severity change per user turn (in levels) that counts as escalating/de-escalating."""

_AFFIRM = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|ya|yea|i am|i do|i have|sometimes|kind of|kinda|sort of|maybe|"
    r"i think so|i guess|honestly yes|a little|often|always|every day|all the time|mhm|uh huh)\b"
    r"[^?]{0,40}$",
    re.IGNORECASE,
)
_ASKS_SUICIDE = re.compile(
    r"\b(?:suicid\w*|kill(?:ing)? yourself|end(?:ing)? your life|take your (?:own )?life"
    r"|want(?:ing)? to die"
    r"|hurt(?:ing)? yourself|harm(?:ing)? yourself|not (?:wanting to )?be (?:here|alive))\b[^?]*\?",
    re.IGNORECASE,
)
_ASKS_PLAN = re.compile(
    r"\b(?:a plan|how you would|the means|access to|when you (?:would|might|plan)|tonight)"
    r"\b[^?]*\?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One user turn: its index in the messages, its text result, and the previous
    assistant message (the context it answers), if any."""

    index: int
    result: MessageResult
    text: str = ""
    prompt: str | None = None


def context_level(turn: Turn) -> tuple[Level, tuple[Signal, ...]]:
    """The turn's level raised by the question it answers (``yes`` to "a plan?")."""
    level = turn.result.level
    if turn.prompt is None or len(turn.text) > 80 or not _AFFIRM.match(turn.text):
        return level, ()
    if _ASKS_SUICIDE.search(turn.prompt):
        asked = Level.IMMINENT if _ASKS_PLAN.search(turn.prompt) else Level.HIGH
        if asked > level:
            return asked, (Signal("context:affirmed", asked, RULE_CONFIDENCE["suicidal"]),)
    return level, ()


def combine_turns(turns: Sequence[Turn], *, recency_decay: float, sticky_turns: int) -> Assessment:
    """The conversation assessment from its user turns (oldest first)."""
    if not turns:
        return Assessment(Level.NONE, 0.0, "stable", "unclear")
    per_turn: list[TurnAssessment] = []
    levels: list[Level] = []
    severities: list[float] = []
    for t in turns:
        level, extra = context_level(t)
        r = t.result
        score = r.score if level is r.level else RULE_CONFIDENCE["suicidal"]
        per_turn.append(TurnAssessment(t.index, level, score, r.subject, r.signals + extra))
        levels.append(level)
        severities.append(r.severity if level is r.level else float(level.rank))
    n = len(turns)
    best, best_i, why = Level.NONE, n - 1, "latest"
    for i, level in enumerate(levels):
        age = n - 1 - i
        if level >= Level.HIGH and age <= sticky_turns:
            candidate, reason = level, "sticky" if age else "latest"
        else:
            faded = max(0, age - sticky_turns) if level >= Level.HIGH else age
            candidate = Level.from_rank(int(level.rank * recency_decay**faded + 0.5))
            reason = "latest" if age == 0 else "recency"
        if candidate > best or (candidate == best and candidate is not Level.NONE):
            best, best_i, why = candidate, i, reason
    signals: list[Signal] = list(per_turn[best_i].signals)
    score = per_turn[best_i].score
    last = turns[-1].result.findings
    if best is Level.HIGH and why == "sticky" and last.imminence_anywhere:
        best = Level.IMMINENT
        score = RULE_CONFIDENCE["imminent"]
        signals.append(Signal("context:imminence_after_disclosure", Level.IMMINENT, score))
    if why != "latest":
        signals.append(Signal(f"trajectory:{why}", best))
    return Assessment(
        level=best,
        score=score,
        trend=trend_of(severities),
        subject=_subject(per_turn, best),
        signals=tuple(signals),
        turns=tuple(per_turn),
    )


def trend_of(severities: Sequence[float]) -> Trend:
    recent = list(severities[-3:])
    if len(recent) < 2:
        return "stable"
    slope = (recent[-1] - recent[0]) / (len(recent) - 1)
    if slope >= TREND_SLOPE:
        return "escalating"
    if slope <= -TREND_SLOPE:
        return "de-escalating"
    return "stable"


def _subject(per_turn: Sequence[TurnAssessment], level: Level) -> Subject:
    """The subject of the turns at the conversation's level (newest first)."""
    for t in reversed(per_turn):
        if t.level >= level and t.subject != "unclear":
            return t.subject
    subjects = {t.subject for t in per_turn} - {"unclear"}
    return subjects.pop() if len(subjects) == 1 else "unclear"
