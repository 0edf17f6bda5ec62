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
    holding ``model.npz``, relative to the policy file), with language identification; the
    languages it reads are the model's, narrowed by ``languages.supported``."""
    from careguard.distress.assessor import Assessor
    from careguard.distress.multilingual import MultilingualReader, head_path
    from careguard.errors import PolicyError
    from careguard.language import FastTextIdentifier

    d = loaded.policy.distress
    directory: Path | None = None
    if d.model != "builtin":
        directory = (loaded.directory / d.model).resolve()
        if not (directory / "model.npz").is_file():
            raise PolicyError(
                str(loaded.source), "no model.npz in that directory", "$.distress.model"
            )
    try:
        assessor = Assessor.from_dir(
            directory,
            recency_decay=d.recency_decay,
            sticky_turns=d.sticky_turns,
            cache_size=d.cache_size,
            enabled=d.enabled,
            identifier=FastTextIdentifier(),
            reader=MultilingualReader() if head_path().is_file() else None,
        )
    except ValueError as exc:  # weights trained on another embedding
        raise PolicyError(str(loaded.source), str(exc), "$.distress.model") from None
    wanted = loaded.policy.languages.supported
    if wanted is not None:
        unread = sorted(set(wanted) - set(assessor.model.languages))
        if unread:
            raise PolicyError(
                str(loaded.source),
                f"the distress model does not read {', '.join(unread)} (it reads"
                f" {', '.join(assessor.model.languages)})", "$.languages.supported",
            )
        assessor.languages = frozenset(wanted)
    return assessor


def __getattr__(name: str) -> object:
    if name == "Assessor":
        from careguard.distress.assessor import Assessor

        return Assessor
    raise AttributeError(name)
