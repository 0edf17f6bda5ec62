"""Text helpers shared by the parts that read words: rules over user turns and LLM replies.

Phone keyboards and LLMs write typographic apostrophes ("don’t", "I’m"); every rule in
careguard is written with ASCII ``'``. :func:`fold_apostrophes` maps the look-alikes to
``'`` one character for one, so match positions in the folded text are positions in the
original.
"""

from __future__ import annotations

__all__ = ["APOSTROPHES", "any_apostrophe", "fold_apostrophes"]

APOSTROPHES = "\u2018\u2019\u201b\u02bc\u2032\u0060\u00b4"
"""Left/right single quotation marks, reversed quotation mark, modifier apostrophe, prime,
grave and acute accents: all typed or generated in place of ``'``."""

_TABLE = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))


def fold_apostrophes(text: str) -> str:
    """``text`` with every apostrophe look-alike replaced by ``'`` (same length)."""
    return text.translate(_TABLE)


def any_apostrophe(pattern: str) -> str:
    """A regex source with each ``'`` widened to any apostrophe look-alike, for patterns
    that must match the original text (presidio reports positions in it)."""
    return pattern.replace("'", f"['{APOSTROPHES}]")
