"""Town and country lines of a postal address.

A postal address is written street first, then unit, town, region and country, each on its own
line or after a comma ("12 Timms Drive, Suite 215, NUNGATTA, Australia 6400"). spaCy misses
most towns written in capitals or in another language. After an anchor that can only be an
address line (a house number before a name, a name before a house number and a comma, a unit,
a post-office box), this recognizer reads the next few lines or comma-separated parts and
reports those that are only capitalised words as LOCATION (a two- or three-letter region code
only after the town), and a postcode before or after the
town ("London NW1 6XE", "10115 Berlin", "IL 62704") or on its own line as STREET_ADDRESS. A
town followed by running text ("…, Manchester and never wrote") ends the address. It stops at
the first part that does not look like an address part.
"""

from __future__ import annotations

import re
from typing import Any

from careguard.pii.recognizers._regex import RegexRecognizer
from careguard.pii.recognizers.postcode import POSTCODE
from careguard.pii.words import NOT_A_NAME

__all__ = ["AddressPlacesRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я"
_ANCHOR = re.compile(
    r"\b\d{1,6}[A-Za-z]?(?:[ \t]+\d{1,5})?[ \t]+[^\W\d_][\w'’.-]*(?:[ \t]+[\w'’.-]+){0,5}"
    r"|\b(?:Apt|Suite|Unit|Flat)\.?[ \t]*\d{1,5}|\bP\.?[ ]?O\.?[ ]?Box[ \t]+\d+"
    rf"|[{_UP}][\w'’.-]*(?:[ \t]+(?:[\w'’.-]+[ \t]+){{0,2}}[{_UP}][\w'’.-]*)?[ \t]+"
    r"(?!(?:19|20)\d\d\b)\d{1,5}[A-Za-z]?"
    r"(?=[ \t]*,)"
)
_SEPARATOR = re.compile(r"[ \t]*(?:\n|,)[ \t\W]*?(?=[\w(])")
_PLACE = re.compile(
    rf"[{_UP}][\w'’.()-]*(?:[ \t]+(?:[{_UP}][\w'’.()-]*|de|del|la|le|du|da|do|di|nad|pod|"
    rf"upon|on|am|an|im|sur|en|y)(?![\w'’])){{0,4}}"
)
_UNIT = re.compile(r"(?i)(?:apt|apartment|suite|ste|unit|flat|floor|box)\.?\b")
_REGION_CODE = re.compile(rf"[{_UP}]{{2,3}}$")
_STATE = r"(?:[A-Z]{2,3},?[ ])?"
_POSTCODE = re.compile(
    rf"[ \t]+-?[ \t]*({_STATE}(?:{POSTCODE}|\d{{3}}(?:-\d{{2,4}})?))[ \t]*(?=$|[.;])"
)
_CODE_ONLY = re.compile(rf"({POSTCODE}|\d{{3}}|\d{{5}}-\d{{2,4}})")
_LEADING_CODE = re.compile(rf"({POSTCODE})[ \t]+(?=[{_UP}])")
_STREET_FIRST = re.compile(rf"\d{{1,6}}[A-Za-z]?[ \t]+[{_UP}]|[{_UP}]")
"""An anchor that reads as a street line ("12 Oxford Road", "Via Roma 10"), not "3 founders"."""
_PLACE_END = re.compile(r"[ \t]*(?:$|[.;!?)]|[ \t]+[a-z])")
"""What may follow a place that does not fill its part: the end, a full stop, running text."""


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
            street = not text[anchor.end() : pos].strip() and _STREET_FIRST.match(anchor.group())
            town = False  # a region code counts only after the town
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
                lead = _LEADING_CODE.match(part)
                if lead:  # "10115 Berlin"
                    results.append(self._code(start + lead.start(1), start + lead.end(1)))
                name_start = start + (lead.end() if lead else 0)
                postcode = _POSTCODE.search(text, name_start, end)
                name_end = postcode.start() if postcode else start + len(part.rstrip())
                name = text[name_start:name_end]
                if _UNIT.match(name) or re.match(r"\d", name):
                    pos = end  # a unit or number line: part of the address, not a place
                    continue
                place = _PLACE.fullmatch(name)
                last = False
                if place is None:  # "Manchester and never wrote": the place ends the address
                    place = _PLACE.match(name) if street else None
                    if place is None or not _PLACE_END.match(name, place.end()):
                        break
                    if any(w.lower() in NOT_A_NAME for w in place.group(0).split()):
                        break
                    last = True
                name_end = name_start + len(place.group(0).rstrip(".").rstrip())
                if postcode and not last:
                    results.append(self._code(postcode.start(1), postcode.end(1)))
                if name.lower() in NOT_A_NAME:
                    break
                region = _REGION_CODE.fullmatch(name)
                if (town or not region) and name_start not in seen:
                    town = True
                    seen.add(name_start)
                    results.append(self._result(name_start, name_end, self.SCORE, "address line"))
                if last:
                    break
                pos = end
        return results

    @staticmethod
    def _line_or_part_end(text: str, pos: int) -> int:
        m = re.compile(r"[\n,]").search(text, pos)
        return m.start() if m else len(text)
