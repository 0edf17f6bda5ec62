"""Results and the detector protocol of the toxicity stage (no torch here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Protocol

__all__ = [
    "TOXICITY_LABEL",
    "ToxicityDetector",
    "ToxicityResult",
    "UserToxicity",
    "UserToxicityKind",
]

TOXICITY_LABEL = "toxicity"
"""The label every detoxify model has; ``threshold`` in the policy applies to it."""


@dataclass(frozen=True, slots=True)
class ToxicityResult:
    """Scores of one text: label → probability, and ``toxic`` by the policy's threshold."""

    scores: Mapping[str, float]
    toxic: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))

    @property
    def toxicity(self) -> float:
        return self.scores.get(TOXICITY_LABEL, 0.0)


class ToxicityDetector(Protocol):
    """Anything that scores texts for toxicity (one method)."""

    def score(self, texts: Sequence[str]) -> list[ToxicityResult]: ...


UserToxicityKind = Literal["none", "abuse", "self_directed"]


@dataclass(frozen=True, slots=True)
class UserToxicity:
    """How a user turn's hostility is read.

    ``kind``: ``abuse`` (hostility aimed at others: record it, may change tone guidance),
    ``self_directed`` (hostility aimed at oneself: a distress signal, never abuse) or ``none``.
    ``distress_signal`` is true whenever self-directed hostility was found, also when the same
    turn abuses someone else as well (then ``kind`` is ``abuse``).
    ``toxicity`` is the model's probability for the whole turn. No text is kept.
    """

    kind: UserToxicityKind
    distress_signal: bool
    toxicity: float
