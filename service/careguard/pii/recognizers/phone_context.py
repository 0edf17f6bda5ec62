"""Phone numbers in national formats that presidio's phone recognizer cannot parse.

presidio parses phone numbers with ``phonenumbers`` for a handful of regions, so "72 128 827",
"60-56-85-91" or "+46 (0)179 459 33" go unnoticed. This recognizer accepts 7–15 digits in
groups (spaces, dashes, dots, brackets, an optional ``+`` and ``(0)``, an extension) only when
a phone word is near ("Mobile:", "call me on", "655 437 108 office"), and never a date.
"""

from __future__ import annotations

import re

from careguard.pii.recognizers._regex import RegexPattern, RegexRecognizer

__all__ = ["PhoneContextRecognizer"]

_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


class PhoneContextRecognizer(RegexRecognizer):
    """Grouped 7–15 digit numbers next to a phone word."""

    ENTITY = "PHONE_NUMBER"
    NAME = "PhoneContextRecognizer"
    CONTEXT_WINDOW = 24
    PATTERNS = (
        RegexPattern(
            "grouped digits, phone context",
            r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(0\)[ ]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}"
            r"(?:[ .-]\d{1,5}){1,5}(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w-])"
            r"|(?<![\w+])\+?\d{7,15}(?!\w)",
            0.0,
            0.5,
        ),
    )
    CONTEXT = (
        "phone", "telephone", "tel", "mobile", "cell", "cellphone", "fax", "desk", "office",
        "home", "work", "call", "calling", "called", "ring", "text", "sms", "whatsapp",
        "number", "no", "contact", "reach", "registered", "landline",
    )  # fmt: skip

    EXCLUDE_BEFORE = (
        "licen", "passport", "ssn", "social security", "account", "acct", "iban", "routing",
        "card", "order", "invoice", "tracking", "policy", "member", "patient id",
    )  # fmt: skip

    def validate(self, value: str) -> bool:
        digits = sum(c.isdigit() for c in value)
        return 7 <= digits <= 15 and not _DATE.match(value)
