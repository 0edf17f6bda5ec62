"""The name line at the top of a contact or postal block.

Letters, forms and signatures put a person's name on a line of its own right above the address,
phone number or email: "Maureen Thibault / 41086 Kiannonkatu 98 / Suite 464". A line that has
only a name shape (two to four words, each capitalised or an initial, or all in lower case) is
taken as a PERSON when one of the next three lines holds an address, phone number or email.
"""

from __future__ import annotations

import re
from typing import Any

from careguard.pii.recognizers._regex import RegexRecognizer
from careguard.pii.words import NOT_A_NAME

__all__ = ["ContactBlockNameRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я"
_CAP = rf"[{_UP}][^\W\d_]+(?:[-'’][^\W\d_]+)?"
_LOW = r"[^\W\d_A-Z]+"
_NAME_LINE = re.compile(
    rf"^[ \t>|?*-]*((?:{_CAP}(?:[ ]+(?:[{_UP}]\.?|{_CAP}|van|von|de|ten|der|da)){{1,3}})"
    rf"|(?:{_LOW}(?:[ ]+{_LOW}){{1,2}}))[ \t]*$",
    re.M,
)
_CONTACT = re.compile(
    r"\d{1,6}[A-Za-z]?[ \t]+[^\W\d_]|@|\d[\d ().-]{6,}\d|(?i:\b(?:apt|suite|p\.?o\.? box|phone|"
    r"tel|mobile|e-?mail|address|personal info)\b)"
)


class ContactBlockNameRecognizer(RegexRecognizer):
    """A name-shaped line just above contact details."""

    ENTITY = "PERSON"
    NAME = "ContactBlockNameRecognizer"
    SCORE = 0.65
    LOOKAHEAD_LINES = 3

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if self.ENTITY not in entities or "\n" not in text:
            return []
        results: list[Any] = []
        for m in _NAME_LINE.finditer(text):
            words = m.group(1).split()
            if any(w.lower() in NOT_A_NAME for w in words):
                continue
            following = [ln for ln in text[m.end() :].split("\n")[1:] if ln.strip()]
            if any(_CONTACT.search(ln) for ln in following[: self.LOOKAHEAD_LINES]):
                results.append(self._result(m.start(1), m.end(1), self.SCORE, "contact block"))
        return results
