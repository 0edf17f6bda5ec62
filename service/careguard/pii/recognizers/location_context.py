"""Places that follow a phrase which announces a place.

spaCy's small model misses place names in capitals ("KNIVSTA") and many foreign ones. People
announce where they are or come from in regular ways: "I grew up in …", "originally from …",
"we moved to …", "I'm in …". The capitalised words that follow are taken as a LOCATION unless
they are a common word ("I'm in Pain"). Their score (0.88) is above the 0.85 that spaCy gives
its own labels, so where the small model calls the same words a PERSON, the phrase wins.
"""

from __future__ import annotations

from careguard.pii.recognizers._regex import RegexPattern, RegexRecognizer
from careguard.pii.words import ends_are_names
from careguard.text import any_apostrophe

__all__ = ["LocationContextRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я"
_CAP = rf"[{_UP}][\w'’-]*"
_LINK = "de|del|la|le|du|da|do|di|nad|pod|upon|on|am|an|im|sur|en|y"
_PLACE = rf"{_CAP}(?:[ ]+(?:(?:{_LINK})[ ]+)?{_CAP}){{0,2}}(?!\w)"
_ANNOUNCE = any_apostrophe(
    r"grew up in|born in|raised in|originally from|moved(?: here| back| away)? (?:from|to)|"
    r"(?:i|we|they|he|she) (?:live|lived|lives|am living|are living) in|living in|"
    r"returned to|(?:i'm|i am|we're|we are) (?:in|from)|home ?town(?: is|,)?|home city|"
    r"city of|town of|travel(?:l?ed|l?ing)? to|visit(?:ed|ing)?|flew to|fly to|drove to|"
    r"based in|relocated to|come from|comes from|university of|"
    r"(?:first|last|second|third|\d+(?:st|nd|rd|th)) (?:year|years|summer|winter|week|month) in|"
    r"(?:years|summers|winters|months|weeks) in|(?:weekend|holiday|vacation|semester) in"
)

PATTERNS = (
    RegexPattern("after a place phrase", rf"(?i:\b(?:{_ANNOUNCE}))[ ]+({_PLACE})", 0.88, group=1),
)


class LocationContextRecognizer(RegexRecognizer):
    """Places announced by the phrases in :data:`PATTERNS`."""

    ENTITY = "LOCATION"
    NAME = "LocationContextRecognizer"
    PATTERNS = PATTERNS

    def validate(self, value: str) -> bool:
        return ends_are_names(value)
