"""Distress assessment: a graded, conversation-aware classifier.

Signals (each its own module): :mod:`.normalize` (obfuscation), :mod:`.rules` (lexicon and
rules: suicidal language, negation, idiom, past, fiction, third party, imminence),
:mod:`.embedder` + :mod:`.model` (a numpy classifier over MiniLM sentence embeddings),
:mod:`.message` (one message's level), :mod:`.trajectory` (the conversation's level and
trend), :mod:`.assessor` (the content cache). Training and evaluation live in
:mod:`.training` and :mod:`.evaluation`. Nothing heavy happens at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from careguard.distress.assessor import Assessor
    from careguard.policy import LoadedPolicy

__all__ = ["Assessor", "build_assessor"]


def build_assessor(loaded: LoadedPolicy) -> Assessor:
    """Build the assessor a policy asks for (``distress.model``: ``builtin`` or a directory
    holding ``model.npz``, relative to the policy file)."""
    from careguard.distress.assessor import Assessor
    from careguard.errors import PolicyError

    d = loaded.policy.distress
    directory: Path | None = None
    if d.model != "builtin":
        directory = (loaded.directory / d.model).resolve()
        if not (directory / "model.npz").is_file():
            raise PolicyError(
                str(loaded.source), "no model.npz in that directory", "$.distress.model"
            )
    try:
        return Assessor.from_dir(
            directory,
            recency_decay=d.recency_decay,
            sticky_turns=d.sticky_turns,
            cache_size=d.cache_size,
            enabled=d.enabled,
        )
    except ValueError as exc:  # weights trained on another embedding
        raise PolicyError(str(loaded.source), str(exc), "$.distress.model") from None


def __getattr__(name: str) -> object:
    if name == "Assessor":
        from careguard.distress.assessor import Assessor

        return Assessor
    raise AttributeError(name)
