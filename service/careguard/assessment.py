"""The result of a distress assessment: frozen values, no conversation text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from careguard.levels import Level, Subject, Trend

__all__ = ["Assessment", "Signal", "TurnAssessment"]


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence behind a level. ``name`` is a fixed identifier (e.g.
    ``rule:plan``, ``model``, ``negation``), never text from the conversation."""

    name: str
    level: Level
    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level.value, "weight": round(self.weight, 4)}


@dataclass(frozen=True, slots=True)
class TurnAssessment:
    """The assessment of one user turn (``index`` into the conversation's messages)."""

    index: int
    level: Level
    score: float
    subject: Subject
    signals: tuple[Signal, ...] = ()
    language: str = "und"
    """This turn's own language (ISO 639-1), ``und`` when it is too short or unclear."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "level": self.level.value,
            "score": round(self.score, 4),
            "subject": self.subject,
            "signals": [s.to_dict() for s in self.signals],
            "language": self.language,
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """The conversation-level assessment (a contract: see DESIGN.md).

    ``score`` is a calibrated probability-like value in [0, 1] that the conversation is at
    ``level`` or above; ``turns`` holds the per-user-turn results, oldest first.
    ``language`` is the conversation's language at its newest user turn (ISO 639-1, ``und``
    when no turn tells) and ``language_supported`` whether careguard reads it; when it does
    not, ``signals`` holds ``language:unsupported`` and ``score`` is at most 0.5.
    """

    level: Level
    score: float
    trend: Trend
    subject: Subject
    signals: tuple[Signal, ...] = ()
    turns: tuple[TurnAssessment, ...] = field(default=())
    language: str = "und"
    language_supported: bool = True

    def to_dict(self, *, turns: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "level": self.level.value,
            "score": round(self.score, 4),
            "trend": self.trend,
            "subject": self.subject,
            "signals": [s.to_dict() for s in self.signals],
            "language": self.language,
            "language_supported": self.language_supported,
        }
        if turns:
            out["turns"] = [t.to_dict() for t in self.turns]
        return out
