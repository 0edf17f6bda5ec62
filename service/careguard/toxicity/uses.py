"""The two uses of toxicity scores in a turn (called by the pipeline).

Reply side, :func:`is_toxic_reply`: a reply that the model scores toxic, or that demeans the
user in the second person ("you're pathetic"), is toxic; the pipeline then applies
``reply_checks.toxicity_action`` when the user is distressed.

User side, :func:`classify_user_turn`: detoxify models score self-directed hostility
("I hate myself", "I'm a worthless piece of shit") as toxic, though it hurts no one else. We
find first-person self-hostility with patterns, score what is left of the turn without it,
and call the turn ``abuse`` only when the rest is still toxic. Self-hostility is returned as a
distress signal (``self_directed``), never as abuse.
"""

from __future__ import annotations

import re

from careguard.text import fold_apostrophes
from careguard.toxicity.types import ToxicityDetector, ToxicityResult, UserToxicity

__all__ = ["classify_user_turn", "is_toxic_reply", "self_directed_spans"]

_NEG = (
    r"worthless|useless|pathetic|stupid|dumb|idiot(?:ic)?|moron(?:ic)?|failure|loser|burden|"
    r"disgusting|disgrace|ugly|fat|hopeless|unlovable|broken|trash|garbage|rubbish|"
    r"(?:piece|pile|sack|bag) of (?:shit|crap|garbage|trash|sh\*t|s\*\*t)|"
    r"waste of (?:space|air|life)|"
    r"mess|joke|fuck[-\s]*up|screw[-\s]*up|fraud|nobody|nothing|retard(?:ed)?|freak|bitch|"
    r"(?:a )?(?:fucking |total |complete |utter )?(?:failure|disappointment|embarrassment)"
).replace(" ", r"\s+")  # the patterns below are verbose (re.X): spaces must be explicit
_SELF_HOSTILITY = re.compile(
    rf"""
    \bi\s+(?:really\s+|just\s+|fucking\s+|so\s+|kinda\s+|honestly\s+)*
        (?:hate|despise|loathe|can'?t\s+stand|am\s+disgusted\s+(?:by|with))\s+
        (?:myself|me|my\s+(?:self|life|body|face|existence))\b
    | \b(?:i\s+am|i'?m|im|i\s+feel\s+like|i\s+feel|i'?ve\s+always\s+been|i\s+was)\s+
        (?:(?:such|so|just|a|an|the|fucking|total|complete|utter|absolute|really|nothing\s+but)\s+)*
        (?:{_NEG})(?:\s+(?:and\s+|a\s+|an\s+|such\s+|fucking\s+)*(?:{_NEG}))*\b
    | \b(?:what(?:'?s|\s+is)\s+wrong\s+with\s+me|i\s+deserve\s+to\s+(?:die|suffer|be\s+alone)
        |i\s+(?:ruin|screw\s+up|fuck\s+up|mess\s+up)\s+everything
        |(?:kill|hurt|punish)\s+myself|i\s+should(?:n'?t)?\s+(?:just\s+)?(?:die|exist|be\s+alive))\b
    """,
    re.I | re.X,
)
_DEMEANING = re.compile(
    rf"""
    \b(?:you\s+are|you'?re|youre|ur|u\s+r|you\s+sound|you\s+seem|you\s+look)\s+
        (?:(?:such|so|just|a|an|the|fucking|total|complete|utter|absolute|really|being)\s+)*
        (?:{_NEG}|weak|crazy|insane|overreacting|dramatic|attention[-\s]seeking)\b
    | \b(?:get\s+over\s+it|nobody\s+cares|no\s+one\s+cares|grow\s+up|stop\s+whining|shut\s+up)\b
    | \b(?:go\s+)?(?:kill|hurt)\s+yourself\b
    """,
    re.I | re.X,
)


def self_directed_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of first-person self-hostility in ``text`` (no text is returned); "I’m"
    reads as "I'm" (folding keeps offsets)."""
    return [m.span() for m in _SELF_HOSTILITY.finditer(fold_apostrophes(text))]


def is_toxic_reply(detector: ToxicityDetector, reply: str) -> bool:
    """Whether an assistant reply is toxic or demeaning towards the user."""
    if _DEMEANING.search(fold_apostrophes(reply)):
        return True
    return detector.score([reply])[0].toxic


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        last = end
    parts.append(text[last:])
    return " ".join(" ".join(parts).split())


def classify_user_turn(
    detector: ToxicityDetector, text: str, scored: ToxicityResult | None = None
) -> UserToxicity:
    """Read a user turn as ``abuse`` (at others), ``self_directed`` (distress) or ``none``.

    ``scored``: the turn's result when the caller has already scored it (saves one inference).
    """
    whole = scored or detector.score([text])[0]
    spans = self_directed_spans(text)
    if not spans:
        return UserToxicity("abuse" if whole.toxic else "none", False, whole.toxicity)
    rest = _without(text, spans)
    rest_toxic = bool(rest) and whole.toxic and detector.score([rest])[0].toxic
    return UserToxicity("abuse" if rest_toxic else "self_directed", True, whole.toxicity)
