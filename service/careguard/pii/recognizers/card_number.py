"""Payment card numbers that presidio's credit-card pattern misses.

presidio's ``CreditCardRecognizer`` expects 13–17 digits with a known issuer prefix. Cards also
come as 12-digit Maestro numbers, 19-digit Visa numbers and 2-series Mastercard numbers. This
recognizer takes any 12–19 digit run (optionally grouped by spaces or dashes) that passes the
Luhn checksum, but only near a card word: one random digit string in ten passes Luhn, so the
checksum alone is not enough.
"""

from __future__ import annotations

from careguard.pii.recognizers._regex import RegexPattern, RegexRecognizer, luhn_ok

__all__ = ["CardNumberRecognizer"]


class CardNumberRecognizer(RegexRecognizer):
    """Luhn-valid 12–19 digit numbers next to a card word."""

    ENTITY = "CREDIT_CARD"
    NAME = "CardNumberRecognizer"
    PATTERNS = (
        RegexPattern(
            "12-19 digits, Luhn, card context",
            r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])",
            0.0,
            0.6,
        ),
    )
    CONTEXT = (
        "card", "cards", "cc", "credit", "debit", "visa", "mastercard", "amex", "maestro",
        "discover", "jcb", "diners", "charge", "charged", "billing", "payment", "pay",
    )  # fmt: skip

    def validate(self, value: str) -> bool:
        digits = "".join(c for c in value if c.isdigit())
        return 12 <= len(digits) <= 19 and luhn_ok(digits)
