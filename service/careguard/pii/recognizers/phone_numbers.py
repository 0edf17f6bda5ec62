"""Phone numbers of every country in the crisis directory, parsed with ``phonenumbers``.

presidio's own ``PhoneRecognizer`` (which this one replaces) runs ``phonenumbers``' matcher
once per region, for eight regions, and keeps only numbers that are *valid*: "+44 7700 900123"
(a number in a range reserved for examples and drama) and most national formats outside those
eight countries slip through. Here one pass finds digit runs shaped like a phone number, and
each is parsed once:

- written internationally ("+44 …", "0044 …", any grouping): kept when ``phonenumbers`` finds
  it a possible number of that country code (valid numbers score higher);
- written nationally: kept when it is a valid number of one of :data:`PHONE_REGIONS`, tried in
  turn. Fewer than ten digits in fewer than three groups ("order 1234567", a house number
  and a postcode "3747 3911") and a number that is only *possible* with a trunk prefix
  ("07700 900123") need a phone word nearby.

Dates, IP addresses, amounts and numbers after an ID word ("account", "order") are left alone.
Crisis-line numbers are not this module's business: the allow-list drops them afterwards.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from careguard.pii.recognizers._regex import RegexRecognizer
from careguard.pii.recognizers.phone_context import PhoneContextRecognizer

__all__ = ["PHONE_REGIONS", "PhoneNumbersRecognizer"]

PHONE_REGIONS = (
    "US", "GB", "CA", "AU", "IE", "NZ", "IN", "DE", "FR", "ES", "IT", "NL", "BE", "DK", "FI",
    "NO", "SE", "BR", "MX", "JP", "KR", "PH", "SG", "ZA", "IL",
)  # fmt: skip
"""Regions whose national formats are parsed: the crisis directory's countries
(``policies/resources.yaml``; a test keeps the two in step) and presidio's defaults."""

_CANDIDATE = re.compile(
    r"(?<![\w+./\-])(?:(?:\+|00)[ ]?)?\(?\d[\d \u00a0().\-/]{4,24}\d"
    r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?!\w|[.\-/:]\d)"
)
_EXTENSION = re.compile(r"[ ]?(?:x|ext\.?)[ ]?\d{1,5}$")
_DATE = re.compile(
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}(?!\d)|(?<!\d)\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$|^\d{1,2}/\d{1,2}$"
)
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_CURRENCY = "$€£¥₹"


class PhoneNumbersRecognizer(RegexRecognizer):
    """International and national phone numbers of :data:`PHONE_REGIONS`."""

    ENTITY = "PHONE_NUMBER"
    NAME = "PhoneNumbersRecognizer"
    CONTEXT = PhoneContextRecognizer.CONTEXT
    EXCLUDE_BEFORE = PhoneContextRecognizer.EXCLUDE_BEFORE
    CONTEXT_WINDOW = 30
    VALID_SCORE = 0.6
    POSSIBLE_SCORE = 0.5
    NATIONAL_SCORE = 0.45
    WEAK_SCORE = 0.3
    """Below the default threshold (0.4): counts only when a phone word lifts it."""
    CONTEXT_SCORE = 0.55

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if self.ENTITY not in entities or not any(c.isdigit() for c in text):
            return []
        results: list[Any] = []
        for m in _CANDIDATE.finditer(text):
            start, end = m.span()
            value = m.group(0)
            while value and value[-1] in " .-/(":
                value, end = value[:-1], end - 1
            if value.startswith("(") and ")" not in value:
                value, start = value[1:], start + 1
            score = self._score(value, text, start)
            if score is None:
                continue
            if score < self.CONTEXT_SCORE and self.has_context(text, start, end):
                score = self.CONTEXT_SCORE
            if self._exclude is not None and self._exclude.search(
                text, max(0, start - self.CONTEXT_WINDOW), start
            ):
                continue
            results.append(self._result(start, end, score, "phonenumbers"))
        return results

    def _score(self, value: str, text: str, start: int) -> float | None:
        core = _EXTENSION.sub("", value)
        digits = "".join(c for c in core if c.isdigit())
        if _DATE.search(core) or _IP.match(core) or (start and text[start - 1] in _CURRENCY):
            return None
        international = core.startswith(("+", "00"))
        if not 7 <= len(digits) <= (17 if international else 15):
            return None
        if international:
            number = _parse("+" + core.lstrip("+")[2 if core.startswith("00") else 0 :], None)
            if number is None or not phonenumbers.is_possible_number(number):
                return None
            return self.VALID_SCORE if phonenumbers.is_valid_number(number) else self.POSSIBLE_SCORE
        groups = len(re.findall(r"\d+", core))
        possible = False
        for region in PHONE_REGIONS:
            number = _parse(core, region)
            if number is None:
                continue
            if phonenumbers.is_valid_number_for_region(number, region):
                strong = len(digits) >= 10 or groups >= 3
                return self.NATIONAL_SCORE if strong else self.WEAK_SCORE
            possible = possible or (
                digits.startswith("0") and phonenumbers.is_possible_number(number)
            )
        return self.WEAK_SCORE if possible and len(digits) >= 9 else None


def _parse(value: str, region: str | None) -> Any:
    try:
        return phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
