"""Toxicity stage: detoxify models (official or our compact one), loaded offline.

Importing this package does not import torch; :func:`build_toxicity` does, and only when the
policy turns the stage on.

- :func:`build_toxicity` → :class:`ToxicityScorer` | None; ``score(texts)`` →
  ``list[ToxicityResult]``.
- :func:`is_toxic_reply` (reply side) and :func:`classify_user_turn` (user side:
  ``abuse`` / ``self_directed`` / ``none``).
"""

from __future__ import annotations

from careguard.toxicity.scorer import OFFICIAL_MODELS, ToxicityScorer, build_toxicity
from careguard.toxicity.types import (
    ToxicityDetector,
    ToxicityResult,
    UserToxicity,
    UserToxicityKind,
)
from careguard.toxicity.uses import classify_user_turn, is_toxic_reply

__all__ = [
    "OFFICIAL_MODELS",
    "ToxicityDetector",
    "ToxicityResult",
    "ToxicityScorer",
    "UserToxicity",
    "UserToxicityKind",
    "build_toxicity",
    "classify_user_turn",
    "is_toxic_reply",
]
