"""The allow-list: crisis numbers and protected literals are never redacted."""

from __future__ import annotations

import pytest

from careguard.pii.allow_list import CRISIS_NUMBERS, AllowList
from careguard.pii.spans import Finding


def _finding(text: str, value: str, kind: str = "PHONE_NUMBER") -> Finding:
    start = text.index(value)
    return Finding(start, start + len(value), kind, 0.9)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Call or text 988 any time.", "988"),
        ("Samaritans: 116 123 (free).", "116 123"),
        ("Lifeline 13 11 14, 24/7", "13 11 14"),
        ("Text HOME to 741741.", "741741"),
        ("Dial 911 now.", "911"),
        ("In the UK ring 999 or 112.", "999"),
        ("Old line 1-800-273-8255 still works", "1-800-273-8255"),
        ("Samaritans 116-123", "116-123"),
    ],
)
def test_builtin_crisis_numbers_are_allowed(text: str, value: str) -> None:
    """A finding that is a built-in crisis number, in any separator style, is dropped."""
    assert AllowList().filter(text, [_finding(text, value)]) == []


def test_longer_number_containing_a_crisis_number_is_kept() -> None:
    """555-988-1234 is a person's number even though it contains 988."""
    text = "my cell is 555-988-1234"
    finding = _finding(text, "555-988-1234")
    assert AllowList().filter(text, [finding]) == [finding]


def test_protected_literal_protects_findings_inside_it() -> None:
    """A finding inside an injected, protected text is dropped; one outside is kept."""
    banner = "Call Samaritans on 116 123 or Hope Line Jo Smith Centre"
    text = f"Ana wrote. {banner}"
    inside = _finding(text, "Jo Smith", "PERSON")
    outside = _finding(text, "Ana", "PERSON")
    assert AllowList([banner]).filter(text, [inside, outside]) == [outside]


def test_policy_numbers_are_compared_by_digits() -> None:
    """An allow-listed number given with dashes also protects its spaced form."""
    text = "our helpline 0800 555 0100"
    finding = _finding(text, "0800 555 0100")
    assert AllowList(["0800-555-0100"]).filter(text, [finding]) == []


def test_builtin_set_has_the_lines_named_in_the_brief() -> None:
    """988, 116 123, 13 11 14, 741741, 111, 112, 911 and 999 are built in."""
    assert {"988", "116123", "131114", "741741", "111", "112", "911", "999"} <= CRISIS_NUMBERS


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Samaritans: +44 116 123", "+44 116 123"),
        ("Lifeline +61 13 11 14", "+61 13 11 14"),
        ("from abroad dial 0044 116 123", "0044 116 123"),
        ("or +1 800 273 8255", "+1 800 273 8255"),
        ("NHS 111 is +44 111", "+44 111"),
    ],
)
def test_crisis_numbers_written_internationally_are_allowed(text: str, value: str) -> None:
    """A crisis number with its country code in front is still the crisis number."""
    assert AllowList().filter(text, [_finding(text, value)]) == []


def test_a_personal_number_written_internationally_is_kept() -> None:
    """+44 7700 900123 is nobody's crisis line."""
    text = "my mobile is +44 7700 900123"
    finding = _finding(text, "+44 7700 900123")
    assert AllowList().filter(text, [finding]) == [finding]
