"""Names that follow a phrase which announces a name.

spaCy's small model misses many names, above all foreign, lower-case or one-word ones. Chat
and forms announce names in a few regular ways: "my name is …", "call me …", "my friend …",
"Dr. …", "Name: …", "Dear …,". The name that follows is taken when it is capitalised (after
"my name is" / "call me" a lower-case single word is taken too) and is not a common word.
"""

from __future__ import annotations

from careguard.pii.recognizers._regex import RegexPattern, RegexRecognizer
from careguard.pii.words import ends_are_names
from careguard.text import any_apostrophe

__all__ = ["PersonContextRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я"
_CAP = rf"[{_UP}][\w'’-]+"
_NAME = rf"{_CAP}(?:[ ]+(?:[{_UP}]\.?|{_CAP})){{0,2}}(?!\w)"
_LOWER = r"[^\W\d_][\w'’-]{1,30}(?!\w)"
_RELATIONS = (
    "husband|wife|son|daughter|brother|sister|friend|best friend|boyfriend|girlfriend|partner|"
    "mom|mum|dad|mother|father|boss|therapist|counsell?or|doctor|teacher|colleague|coworker|"
    "co-worker|ex|fianc[ée]e?|cousin|aunt|uncle|grandma|grandmother|grandpa|grandfather|"
    "roommate|flatmate|neighbou?r|manager|nephew|niece|stepmom|stepdad|baby|kid|child"
)
_ANNOUNCE = any_apostrophe(
    r"my name is|my name's|name is|i am called|i'm called|call me|calls me|called me|"
    r"name on the account is|maiden name is|ask for|this is|it's under|it is under|named|"
    r"known as|goes by|went by|was called|is called|said|asked|told|replied|"
    r"(?:first|last|middle|maiden|sur|family) ?name(?: is|:|\?)|"
    r"name\b[^.?!\n]{0,30}\?(?:[ ]*[A-Z][a-z]+:)?"
)

PATTERNS = (
    RegexPattern("after a name phrase", rf"(?i:\b(?:{_ANNOUNCE}))[ ]+({_NAME})", 0.7, group=1),
    RegexPattern(
        "lower-case word after 'my name is' / 'call me'",
        any_apostrophe(r"(?i:\b(?:my name is|my name's|call me|calls me|i'm called))")
        + rf"[ ]+({_LOWER})(?![ ]+\w)",
        0.65,
        group=1,
    ),
    RegexPattern(
        "after a relation",
        rf"(?i:\b(?:my|his|her|our|their)[ ]+(?:{_RELATIONS}))[ ]*,?[ ]+({_NAME})",
        0.7,
        group=1,
    ),
    RegexPattern(
        "after a title", rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ ]+({_NAME})", 0.7, group=1
    ),
    RegexPattern(
        "form field",
        rf"(?m)^[ \t]*(?i:name|full name|patient|contact|customer|attn)[ \t]*:[ \t]*({_NAME})",
        0.7,
        group=1,
    ),
    RegexPattern(
        "addressee of 'said X to'", rf"\bsaid[ ]+{_NAME}[ ]+to[ ]+({_NAME})", 0.7, group=1
    ),
    RegexPattern(
        "first name, middle initial, last name",
        rf"(?<![\w.])([{_UP}][a-zà-ÿ'’-]+[ ]+[{_UP}]\.?[ ]+[{_UP}][a-zà-ÿ'’-]+)(?!\w)",
        0.65,
        group=1,
    ),
    RegexPattern(
        "credit field", rf"(?i:\b(?:directed|written|produced|performed) by)[ ]*:?[ ]*({_NAME})",
        0.7,
        group=1,
    ),
    RegexPattern(
        "speaker label", rf"(?m)^[ \t]*({_NAME})[ \t]*:[ \t]*[\"“]", 0.65, group=1
    ),
    RegexPattern("greeting", rf"\b(?:Dear|Hi|Hello|Hey)[ ]+({_NAME})(?=[ ]*[,!])", 0.65, group=1),
)


class PersonContextRecognizer(RegexRecognizer):
    """Names announced by the phrases in :data:`PATTERNS`."""

    ENTITY = "PERSON"
    NAME = "PersonContextRecognizer"
    PATTERNS = PATTERNS

    def validate(self, value: str) -> bool:
        return ends_are_names(value)
