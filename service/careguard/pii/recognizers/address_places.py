"""Town and country lines of a postal address.

A postal address is written street first, then unit, town, region and country, each on its own
line or after a comma ("12 Timms Drive, Suite 215, NUNGATTA, Australia 6400"). spaCy misses
most towns written in capitals or in another language. After an anchor that can only be an
address line (a house number before a name, a unit, a post-office box), this recognizer reads
the next few lines or comma-separated parts and reports those that are only capitalised words
as LOCATION, and a postcode on such a line (or on its own line) as STREET_ADDRESS. It stops at
the first part that does not look like an address part.
"""

from __future__ import annotations

import re
from typing import Any

from careguard.pii.recognizers._regex import RegexRecognizer
from careguard.pii.words import NOT_A_NAME

__all__ = ["AddressPlacesRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я"
_ANCHOR = re.compile(
    r"\b\d{1,6}[A-Za-z]?(?:[ \t]+\d{1,5})?[ \t]+[^\W\d_][\w'’.-]*(?:[ \t]+[\w'’.-]+){0,5}"
    r"|\b(?:Apt|Suite|Unit|Flat)\.?[ \t]*\d{1,5}|\bP\.?[ ]?O\.?[ ]?Box[ \t]+\d+"
)
_SEPARATOR = re.compile(r"[ \t]*(?:\n|,)[ \t\W]*?(?=[\w(])")
_PLACE = re.compile(
    rf"[{_UP}][\w'’.()-]*(?:[ \t]+(?:[{_UP}][\w'’.()-]*|de|del|la|le|du|da|do|di|nad|pod|"
    rf"upon|on|am|an|im|sur|en|y)){{0,4}}"
)
_UNIT = re.compile(r"(?i)(?:apt|apartment|suite|ste|unit|flat|floor|box)\.?\b")
_REGION_CODE = re.compile(rf"[{_UP}]{{2,3}}$")
_POSTCODE = re.compile(r"[ \t]+(\d{3,6}(?:[- ]\d{2,4})?)\b")
_CODE_ONLY = re.compile(r"(\d{3,6}(?:-\d{2,4})?)")


class AddressPlacesRecognizer(RegexRecognizer):
    """Towns and countries in the lines after an address anchor."""

    ENTITY = "LOCATION"
    NAME = "AddressPlacesRecognizer"
    MAX_PARTS = 4
    SCORE = 0.9
    """High: a line in that position of a postal address is a place, not a name."""
    CODE_SCORE = 0.6
    """A postcode in the same lines is reported as part of the STREET_ADDRESS."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supported_entities = [self.ENTITY, "STREET_ADDRESS"]

    def _code(self, start: int, end: int) -> Any:
        result = self._result(start, end, self.CODE_SCORE, "postcode in an address")
        result.entity_type = "STREET_ADDRESS"
        return result

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if self.ENTITY not in entities:
            return []
        results: list[Any] = []
        seen: set[int] = set()
        for anchor in _ANCHOR.finditer(text):
            pos = self._line_or_part_end(text, anchor.end())
            for _ in range(self.MAX_PARTS):
                sep = _SEPARATOR.match(text, pos)
                if sep is None:
                    break
                start = sep.end()
                end = self._line_or_part_end(text, start)
                part = text[start:end]
                if not part.strip():
                    break
                code = _CODE_ONLY.fullmatch(part.rstrip())
                if code:  # a postcode on its own
                    results.append(self._code(start, start + code.end(1)))
                    pos = end
                    continue
                postcode = _POSTCODE.search(part)
                name_end = start + (postcode.start() if postcode else len(part.rstrip()))
                name = text[start:name_end]
                if _UNIT.match(name) or re.match(r"\d", name):
                    pos = end  # a unit or number line: part of the address, not a place
                    continue
                if postcode and _PLACE.fullmatch(name):
                    results.append(self._code(start + postcode.start(1), start + postcode.end(1)))
                if not _PLACE.fullmatch(name) or name.lower() in NOT_A_NAME:
                    break
                if not _REGION_CODE.fullmatch(name) and start not in seen:
                    seen.add(start)
                    results.append(self._result(start, name_end, self.SCORE, "address line"))
                pos = end
        return results

    @staticmethod
    def _line_or_part_end(text: str, pos: int) -> int:
        m = re.compile(r"[\n,]").search(text, pos)
        return m.start() if m else len(text)
