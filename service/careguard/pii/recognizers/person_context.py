"""Names that follow a phrase which announces a name.

spaCy's small model misses many names, above all foreign, lower-case or one-word ones. Chat
and forms announce names in a few regular ways: "my name is …", "call me …", "my friend …",
"I'm Ade.", "Dr. …", "Name: …", "Dear …,", "hey Mei,", and sign off with them ("thanks,
Tomasz", "Cheers,\nSiobhán", "- Kwame"). The name that follows is taken when it is capitalised
(up to four parts, with particles: "Ana de la Cruz") or, after "my name is" / "call me" / a
sign-off, in lower case ("priya raghunathan", cut at the first ordinary word), and when its
first and last words are not ordinary words (:data:`~careguard.pii.words.NOT_A_NAME_AFTER_CUE`:
"I'm Fine", "thanks, everyone"). "I'm X" counts only where the clause ends after the name.
Scores (0.86–0.88) are above the 0.85 that spaCy gives its own labels: where the small model
calls the announced name a place, the phrase wins.
"""

from __future__ import annotations

import re
from typing import Any

from careguard.pii.recognizers._regex import RegexPattern, RegexRecognizer
from careguard.pii.words import NOT_A_NAME_AFTER_CUE, ends_are_names
from careguard.text import any_apostrophe

__all__ = ["PersonContextRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я"
_CAP = rf"[{_UP}][\w'’-]+"
_PARTICLE = r"(?:van|von|de|del|della|der|den|da|das|dos|di|du|la|le|bin|binti|ibn|ben|ter|ten)"
_NAME = (
    rf"{_CAP}(?:[ ]+(?:{_PARTICLE}[ ]+)*(?:[{_UP}]\.?|{_CAP})(?![\w'’-])){{0,3}}(?!\w)"
)
_LOWER = r"[^\W\d_][\w'’-]{1,30}(?!\w)"
_LOWER_NAME = rf"{_LOWER}(?:[ ]+{_LOWER}){{0,2}}"
"""One to three lower-case words; :meth:`PersonContextRecognizer.analyze` cuts it at the
first ordinary word ("priya raghunathan and i'm scared" gives "priya raghunathan")."""
_ENDS = r"(?=[ ]*(?:$|[,.!?;:)\n]|[ ]+(?i:and|but|from|here|btw|by the way|aged?|[0-9])\b))"
_SIGN_OFF = (
    r"thanks|thank you|thx|ty|cheers|regards|best|best wishes|kind regards|love|lots of love|"
    r"xoxo|sincerely|yours|take care|bye|see you|talk soon|speak soon|many thanks"
)
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
    RegexPattern("after a name phrase", rf"(?i:\b(?:{_ANNOUNCE}))[ ]+({_NAME})", 0.88, group=1),
    RegexPattern(
        "lower-case words after 'my name is' / 'call me'",
        any_apostrophe(
            r"(?i:\b(?:my name is|my name's|call me|calls me|i'm called|"
            r"(?:first|last|middle|maiden|sur|family) ?name is))"
        )
        + rf"[ ]+({_LOWER_NAME})",
        0.86,
        group=1,
    ),
    RegexPattern(
        "after 'I'm', before the end of the clause",
        any_apostrophe(r"(?i:\b(?:i'm|i am|im))") + rf"[ ]+({_NAME}){_ENDS}",
        0.86,
        group=1,
    ),
    RegexPattern(
        "sign-off",
        rf"(?i:\b(?:{_SIGN_OFF}))(?:[ ]+(?i:so much|a lot|again))?[ ]*(?:,|\n)[ \t\n]*"
        rf"(?:[-–—~][ ]*)?({_NAME}|{_LOWER})[ ]*[.!]*[ ]*(?:x+)?[ ]*$",
        0.86,
        group=1,
    ),
    RegexPattern(
        "thanking someone by name",
        rf"(?i:\b(?:thanks|thank you|cheers|thx|ty))[ ]*,?[ ]+({_NAME})(?=[ ]*(?:$|[,.!?]))",
        0.86,
        group=1,
    ),
    RegexPattern(
        "signature line", rf"\n[ \t]*[-–—~][ \t]*({_NAME})[ \t]*$", 0.86, group=1
    ),
    RegexPattern(
        "after a relation",
        rf"(?i:\b(?:my|his|her|our|their)[ ]+(?:{_RELATIONS}))[ ]*,?[ ]+({_NAME})",
        0.88,
        group=1,
    ),
    RegexPattern(
        "after a title", rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ ]+({_NAME})", 0.88, group=1
    ),
    RegexPattern(
        "form field",
        rf"(?m)^[ \t]*(?i:name|full name|patient|contact|customer|attn|"
        r"(?:billing|shipping|postal|mailing) address|ship to|deliver to|recipient)"
        rf"[ \t]*:[ \t]*({_NAME})",
        0.88,
        group=1,
    ),
    RegexPattern(
        "addressee of 'said X to'", rf"\bsaid[ ]+{_NAME}[ ]+to[ ]+({_NAME})", 0.88, group=1
    ),
    RegexPattern(
        "first name, middle initial, last name",
        rf"(?<![\w.])([{_UP}][a-zà-ÿ'’-]+[ ]+[{_UP}]\.?[ ]+[{_UP}][a-zà-ÿ'’-]+)(?!\w)",
        0.86,
        group=1,
    ),
    RegexPattern(
        "credit field", rf"(?i:\b(?:directed|written|produced|performed) by)[ ]*:?[ ]*({_NAME})",
        0.88,
        group=1,
    ),
    RegexPattern(
        "speaker label", rf"(?m)^[ \t]*({_NAME}|{_LOWER})[ \t]*:[ \t]*[\"“]", 0.86, group=1
    ),
    RegexPattern(
        "whose relative", rf"(?<![\w'’])({_NAME})['’]s[ ]+(?i:{_RELATIONS})\b", 0.86, group=1
    ),
    RegexPattern(
        "subject of 'lives at' / 'is from'",
        rf"(?m)(?:^|[.!?][ ]+|\b(?:and|but|because|my friend|my neighbou?r)[ ]+)"
        rf"({_NAME}|^{_LOWER_NAME})[ ]+(?:(?:lives|lived|is living|was living|stays|is staying|"
        r"works|worked)[ ]+(?:at|in|on)|(?:is|was|comes|came)[ ]+from)\b",
        0.86,
        group=1,
    ),
    RegexPattern(
        "addressed by name at the end of an exclamation or question",
        rf",[ ]*({_NAME})[ ]*[!?]+(?=[ ]|$)",
        0.86,
        group=1,
    ),
    RegexPattern(
        "addressed by name before a question or request",
        rf"(?m)(?:^|[.!?][ ]+)({_NAME}),[ ]+(?i:can|could|would|will|do|did|are|have|please|"
        r"why|what|how|where|when|is|i|we|you)\b",
        0.86,
        group=1,
    ),
    RegexPattern(
        "greeting", rf"(?i:\b(?:Dear|Hi|Hello|Hey|Hiya))[ ]+({_NAME})(?=[ ]*[,!])", 0.86, group=1
    ),
)


class PersonContextRecognizer(RegexRecognizer):
    """Names announced by the phrases in :data:`PATTERNS`."""

    ENTITY = "PERSON"
    NAME = "PersonContextRecognizer"
    PATTERNS = PATTERNS

    def validate(self, value: str) -> bool:
        return value.split()[0].lower() not in NOT_A_NAME_AFTER_CUE

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        """The base patterns, with lower-case names cut at the first ordinary word."""
        results = []
        for r in super().analyze(text, entities, nlp_artifacts):
            value = text[r.start : r.end]
            words = list(re.finditer(r"\S+", value))
            if not value.islower():  # capitalised: the ends must not be ordinary words
                ends = {words[0].group().lower(), words[-1].group().lower().rstrip(".")}
                if ends & NOT_A_NAME_AFTER_CUE or not ends_are_names(value):
                    continue
                results.append(r)
                continue
            keep = 0
            for w in words:
                if w.group().strip(".,!?") in NOT_A_NAME_AFTER_CUE:
                    break
                keep += 1
            if keep:
                r.end = r.start + words[keep - 1].end()
                results.append(r)
        return results
