"""Text normalisation against obfuscation, applied before both the rules and the model.

Undoes the tricks people use (deliberately or not) that hide risk words from keyword
rules and tokenizers, while leaving ordinary text as it is:

- Unicode compatibility forms (fullwidth, mathematical bold letters, ligatures): NFKC;
- invisible characters (zero-width spaces/joiners, soft hyphens, BOM, bidi controls) and
  combining marks (strike-through, diacritics): removed;
- confusable letters from Cyrillic and Greek inside Latin words (``kіll`` with a Cyrillic
  ``і``): mapped to their Latin look-alikes;
- leetspeak (``k1ll mys3lf``, ``su1c1d3``): a word mixing letters with leet digits or
  symbols is decoded only when the decoded word starts like a risk word, so ``mp3`` or
  ``b4`` stay as they are;
- spaced-out letters (``s u i c i d e``, ``k.i.l.l``): runs of four or more single letters
  are joined and re-split into words with the tokenizer's vocabulary (fewest words);
- letters repeated three or more times (``diiiie``) are cut to two;
- typographic apostrophes (``don’t``, as phone keyboards type them) become ``'``, so
  contractions and negations read the same however they were typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from careguard.text import fold_apostrophes

__all__ = ["Normalizer", "normalize"]

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ɩ": "i", "ɡ": "g",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
        # Greek
        "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "Α": "A", "Β": "B",
        "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
        "Τ": "T", "Υ": "Y", "Χ": "X", "Ζ": "Z",
    }
)  # fmt: skip
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
     "@": "a", "$": "s", "!": "i", "|": "l", "€": "e", "+": "t"}
)  # fmt: skip
_LEET_CHARS = "01345789@$!|€+"
_WORD = re.compile(r"[^\s]+")
_LEETY = re.compile(
    rf"^[A-Za-z{re.escape(_LEET_CHARS)}]*[A-Za-z][A-Za-z{re.escape(_LEET_CHARS)}]*$"
)
_RISK_STEMS = (
    "kill", "suicid", "die", "dying", "dead", "death", "myself", "self", "life", "live",
    "end", "cut", "hang", "pill", "overdos", "harm", "hurt", "jump", "gun", "shoot", "slit",
    "wrist", "unalive", "sewer", "sui", "kms", "kys", "blade", "rope", "noose", "bridge",
    "poison", "bleed", "want", "wanna", "goodbye", "tonight",
)  # fmt: skip
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*]){3,}[^\W\d_](?![^\W\d_])")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


class Normalizer:
    """Normalises text; ``vocabulary`` (plain words) lets it re-split spaced-out letters."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self._vocab = frozenset(w for w in vocabulary if w.isalpha() and w.isascii())

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        text = fold_apostrophes(_INVISIBLE.sub("", text))
        if any(unicodedata.combining(c) for c in text):
            text = "".join(
                c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
            )
            text = unicodedata.normalize("NFC", text)
        text = _WORD.sub(self._fix_word, text)
        text = _SPACED.sub(self._join_spaced, text)
        return _REPEATS.sub(r"\1\1", text)

    @staticmethod
    def _fix_word(match: re.Match[str]) -> str:
        word = match.group(0)
        if not word.isascii():
            mapped = word.translate(_CONFUSABLES)
            if any(_is_latin(c) for c in mapped) and mapped != word:
                word = mapped
        if any(c in _LEET_CHARS for c in word):
            core = word.strip(".,;:?!\"'()[]")
            if core and _LEETY.match(core):
                decoded = core.translate(_LEET).lower()
                if decoded.startswith(_RISK_STEMS) and any(c in _LEET_CHARS for c in core):
                    return word.replace(core, decoded)
        return word

    def _join_spaced(self, match: re.Match[str]) -> str:
        letters = "".join(c for c in match.group(0) if c.isalpha())
        return " ".join(self._segment(letters.lower())) if self._vocab else letters

    def _segment(self, s: str) -> list[str]:
        """Split ``s`` into the fewest vocabulary words (unknown letters stand alone)."""
        n = len(s)
        best: list[tuple[int, int]] = [(0, 0)] + [(n + 1, 0)] * n  # (words, start)
        for end in range(1, n + 1):
            for start in range(max(0, end - 20), end):
                piece = s[start:end]
                cost = best[start][0] + (1 if piece in self._vocab or len(piece) == 1 else n + 1)
                if cost < best[end][0]:
                    best[end] = (cost, start)
        words: list[str] = []
        end = n
        while end > 0:
            start = best[end][1]
            words.append(s[start:end])
            end = start
        return words[::-1]


@lru_cache(maxsize=1)
def _default() -> Normalizer:
    import json

    from careguard.distress.embedder import tokenizer_path

    data = json.loads(tokenizer_path().read_text(encoding="utf-8"))
    vocab = data["model"]["vocab"]
    return Normalizer(w for w in vocab if len(w) > 1 or w in ("a", "i"))


def normalize(text: str) -> str:
    """Normalise ``text`` with the MiniLM vocabulary (loaded on first use)."""
    return _default()(text)
