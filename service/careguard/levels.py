"""The distress ladder: exactly five ordered levels (a contract, see DESIGN.md)."""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["LEVELS", "UNKNOWN", "Level", "Subject", "Trend"]


class Level(enum.StrEnum):
    """Distress levels, ordered from ``none`` to ``imminent``.

    Compare with ``Level.rank`` (or the rich comparison operators defined here), never
    with string ordering.
    """

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> Level:
        return LEVELS[max(0, min(rank, len(LEVELS) - 1))]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank


LEVELS: tuple[Level, ...] = tuple(Level)
_RANK = {level: i for i, level in enumerate(LEVELS)}

UNKNOWN = "unknown"
"""Not a level: what headers, metrics and the audit say when distress could not be assessed
(its stage failed under ``failure_mode: closed``), instead of guessing one."""

Subject = Literal["self", "other", "unclear"]
Trend = Literal["escalating", "stable", "de-escalating"]
