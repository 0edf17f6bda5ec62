"""Literals that are never redacted: crisis-line numbers and careguard's own injected text.

A finding is dropped when it lies inside an occurrence of an allowed literal, or when it holds
no letters and its digits are exactly an allowed number's digits ("116 123", "116-123" and
"116123" are the same line). A finding that merely *contains* an allowed number ("555-988-1234")
is a different number and stays. Numbers are matched with any of the usual separators between
their digits but never as part of a longer digit run. A finding written with a country code
("+44 116 123", "0061 13 11 14") is compared by its national number too, with and without
the trunk prefix 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from careguard.pii.spans import Finding

_INTERNATIONAL = re.compile(r"^\s*(?:\+|00)\s*")

__all__ = ["CRISIS_NUMBERS", "AllowList"]

# Emergency numbers, crisis lines and crisis text short codes, as dialled inside their country.
# A safety net only: the resource directory's own numbers are passed in as protected literals.
CRISIS_NUMBERS: frozenset[str] = frozenset(
    {
        # emergency services
        "911", "999", "112", "000", "111", "110", "119", "113", "117", "118", "15", "17", "18",
        "190", "192", "193", "100", "101", "102", "108",
        # US / CA
        "988", "741741", "838255", "686868", "18002738255", "8002738255", "18006686868",
        "18664887386", "18884889454", "18334564566", "45645", "711",
        # GB / IE
        "116123", "116111", "85258", "88247", "50808", "08001111", "08088025544",
        # AU / NZ
        "131114", "1737", "1800551800", "1300224636", "1300659467", "139276", "0800543354",
        "4357",
        # Europe
        "08001110111", "08001110222", "116117", "3114", "024", "08000113", "0223272327",
        "22400040", "90101", "717003717", "0145394000",
        # Asia, Africa, Latin America
        "109", "188", "1553", "1767", "18002214444", "9152987821", "14416", "18008914416",
        "0800567567", "0800212223", "0800121314", "0800456789",
    }
)  # fmt: skip

_SEPARATORS = r"[\s().\-]*"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _is_number_literal(text: str) -> bool:
    return any(c.isdigit() for c in text) and not any(c.isalpha() for c in text)


def _national_forms(value: str) -> set[str]:
    """The digits of ``value`` and, when it starts with a country code, its national number
    with and without the trunk prefix 0."""
    forms = {_digits(value)}
    prefix = _INTERNATIONAL.match(value)
    if prefix is None:
        return forms
    import phonenumbers

    try:
        number = phonenumbers.parse("+" + value[prefix.end() :], None)
    except phonenumbers.NumberParseException:
        return forms
    national = phonenumbers.national_significant_number(number)
    return forms | {national, "0" + national}


class AllowList:
    """Allowed literals (exact text) and allowed numbers (compared digit by digit)."""

    def __init__(self, literals: Iterable[str] = (), *, numbers: Iterable[str] = CRISIS_NUMBERS):
        self._texts: list[str] = []
        self._numbers: set[str] = {n for n in (_digits(x) for x in numbers) if n}
        for lit in literals:
            lit = lit.strip()
            if not lit:
                continue
            if _is_number_literal(lit):
                self._numbers.add(_digits(lit))
            else:
                self._texts.append(lit)
        patterns = [re.escape(t) for t in sorted(set(self._texts), key=len, reverse=True)]
        patterns += [
            rf"(?<!\d){_SEPARATORS.join(n)}(?!\d)"
            for n in sorted(self._numbers, key=len, reverse=True)
        ]
        self._rx = re.compile("|".join(patterns)) if patterns else None

    def occurrences(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` that are allowed literals or numbers."""
        if self._rx is None:
            return []
        return [(m.start(), m.end()) for m in self._rx.finditer(text) if m.end() > m.start()]

    def filter(self, text: str, findings: Sequence[Finding]) -> list[Finding]:
        """Drop the findings that are allowed (see the module docstring)."""
        if not findings:
            return []
        spans = self.occurrences(text)
        kept = []
        for f in findings:
            value = text[f.start : f.end]
            if _is_number_literal(value) and _national_forms(value) & self._numbers:
                continue
            if any(s <= f.start and f.end <= e for s, e in spans):
                continue
            kept.append(f)
        return kept
