"""A recognizer declared as data: regular expressions, scores, context words, a validator.

presidio's ``PatternRecognizer`` applies one set of regex flags to every pattern (case-insensitive
by default) and only looks for context words before a match. Our recognizers need
case-sensitive patterns (capitalised names) and context on either side ("655 437 108 office"),
so they use this small base instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

__all__ = ["RegexPattern", "RegexRecognizer"]


@dataclass(frozen=True, slots=True)
class RegexPattern:
    """One pattern. ``score`` applies without context; ``context_score`` with a context word
    near the match (``None``: context does not change the score). A score of 0 means the
    pattern only counts with context. ``group`` selects the reported part of the match."""

    name: str
    regex: str
    score: float
    context_score: float | None = None
    flags: int = 0
    group: int = 0


class RegexRecognizer(LocalRecognizer):
    """Runs :class:`RegexPattern`\\ s; subclasses set the class attributes below."""

    ENTITY: str = ""
    NAME: str = ""
    PATTERNS: Sequence[RegexPattern] = ()
    CONTEXT: Sequence[str] = ()
    EXCLUDE_BEFORE: Sequence[str] = ()
    """Words that, shortly before a match, mean it is something else (a licence number)."""
    CONTEXT_WINDOW = 40
    """Characters on each side of a match searched for a context word."""

    def __init__(self, *, supported_language: str = "en", **kwargs: Any) -> None:
        self._compiled = [(p, re.compile(p.regex, p.flags)) for p in self.PATTERNS]
        words = "|".join(re.escape(w) for w in sorted(self.CONTEXT, key=len, reverse=True))
        self._context = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I) if words else None
        bad = "|".join(re.escape(w) for w in self.EXCLUDE_BEFORE)
        self._exclude = re.compile(rf"(?<!\w)(?:{bad})", re.I) if bad else None
        super().__init__(
            supported_entities=[self.ENTITY],
            name=self.NAME,
            supported_language=supported_language,
            **kwargs,
        )

    def load(self) -> None:
        """Nothing to load: the patterns are compiled in the constructor."""

    def validate(self, value: str) -> bool:
        """Extra check on a matched value (e.g. a checksum); True keeps it."""
        return True

    def has_context(self, text: str, start: int, end: int) -> bool:
        if self._context is None:
            return False
        before = text[max(0, start - self.CONTEXT_WINDOW) : start]
        after = text[end : end + self.CONTEXT_WINDOW]
        return bool(self._context.search(before) or self._context.search(after))

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if self.ENTITY not in entities:
            return []
        results: list[Any] = []
        for pattern, rx in self._compiled:
            for m in rx.finditer(text):
                start, end = m.span(pattern.group)
                while end > start and text[end - 1] in " \t,;:":
                    end -= 1
                if end <= start or not self.validate(text[start:end]):
                    continue
                if self._exclude is not None and self._exclude.search(
                    text, max(0, start - self.CONTEXT_WINDOW), start
                ):
                    continue
                score = pattern.score
                if pattern.context_score is not None and self.has_context(text, start, end):
                    score = pattern.context_score
                if score <= 0:
                    continue
                results.append(self._result(start, end, score, pattern.name))
        return results

    def _result(self, start: int, end: int, score: float, pattern_name: str) -> Any:
        return RecognizerResult(
            entity_type=self.ENTITY,
            start=start,
            end=end,
            score=score,
            analysis_explanation=AnalysisExplanation(
                recognizer=self.NAME, original_score=score, pattern_name=pattern_name
            ),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.NAME,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


Validator = Callable[[str], bool]
