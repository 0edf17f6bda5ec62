"""careguard's own recognizers, run directly on text (no spaCy model needed)."""

from __future__ import annotations

import pytest

from careguard.pii.recognizers import (
    AddressPlacesRecognizer,
    CardNumberRecognizer,
    ContactBlockNameRecognizer,
    LocationContextRecognizer,
    PersonContextRecognizer,
    PhoneContextRecognizer,
    StreetAddressRecognizer,
)
from careguard.pii.recognizers._regex import RegexRecognizer, luhn_ok
from careguard.pii.recognizers.email import OfflineEmailRecognizer


def _values(recognizer: RegexRecognizer, text: str, threshold: float = 0.5) -> set[str]:
    results = recognizer.analyze(text, [recognizer.ENTITY])
    return {text[r.start : r.end] for r in results if r.score >= threshold}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I live at 221B Baker Street, London.", "221B Baker Street"),
        ("615 Benedum Drive, Apt. 4 is mine", "615 Benedum Drive, Apt. 4"),
        ("The bus station is on Vesterskovvej 79", "Vesterskovvej 79"),
        ("meet at Feldstrasse 42", "Feldstrasse 42"),
        ("at 63 Rue de Kairouan tonight", "63 Rue de Kairouan"),
        ("Avenida Pedro Ulisses 888", "Avenida Pedro Ulisses 888"),
        ("Tosh lives at 172 Maneeži 75, Saareküla", "172 Maneeži 75"),
        ("P.O. Box 104", "P.O. Box 104"),
        ("USS Lorenzen\nFPO AE 25990", "USS Lorenzen\nFPO AE 25990"),
        ("Suite 408", "Suite 408"),
    ],
)
def test_street_addresses_found(text: str, value: str) -> None:
    """Address shapes from several countries are found."""
    assert value in _values(StreetAddressRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "I ran 5 miles down the road",
        "I have 3 Kids and 2 dogs",
        "my appointment is at 3 pm",
        "We met at 3 and left at 5",
        "Samaritans are on 116 123 and Lifeline on 13 11 14.",
        "I slept 4 hours. Then 2 more.",
    ],
)
def test_street_address_ignores_everyday_numbers(text: str) -> None:
    """Numbers in ordinary sentences are not addresses."""
    assert _values(StreetAddressRecognizer(), text) == set()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Please block card no 4415101282806639538", True),
        ("limit for card 503890547220?", True),
        ("order 4415101282806639538 shipped", False),
        ("card 4415101282806639539", False),
    ],
    ids=["19-digit", "12-digit", "no-card-word", "bad-checksum"],
)
def test_card_numbers_need_luhn_and_a_card_word(text: str, found: bool) -> None:
    """Long card numbers count only with a valid checksum and a card word near."""
    assert bool(_values(CardNumberRecognizer(), text)) is found


def test_luhn() -> None:
    """The Luhn check accepts a valid test number and rejects a changed digit."""
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Mobile: 72 128 827", "72 128 827"),
        ("655 437 108 office", "655 437 108"),
        ("Desk: +1-903-140-4508x769", "+1-903-140-4508x769"),
        ("Phone: +46 (0)179 459 33", "+46 (0)179 459 33"),
    ],
)
def test_national_phone_formats_with_a_phone_word(text: str, value: str) -> None:
    """Grouped digits next to a phone word are a phone number."""
    assert value in _values(PhoneContextRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "call me on 2021-07-09",
        "My driver's license number is 5130634",
        "I slept 72 128 827 hours",
        "call me at 5",
    ],
)
def test_phone_context_rejects_dates_ids_and_bare_numbers(text: str) -> None:
    """Dates, numbers after an ID word, and numbers with no phone word are left."""
    assert _values(PhoneContextRecognizer(), text) == set()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my name is Ana Dias", "Ana Dias"),
        ("sometimes people call me višeslav", "višeslav"),
        ("my girlfriend Sarah left", "Sarah"),
        ("I saw Dr. Okafor today", "Okafor"),
        ("Name:    Anna Josefsen\nAddress: x", "Anna Josefsen"),
        ("Dear Miklós, thanks", "Miklós"),
        ("What's your last name? Nielsen", "Nielsen"),
        ("What's the name on the account? User: Maja Hermansen", "Maja Hermansen"),
        ("I'm so jealous! said Erle to Maurice", "Maurice"),
        ("Have you been to a Ravil G Yefimov concert?", "Ravil G Yefimov"),
        ("Directed By:    Sari J. Paavolainen", "Sari J. Paavolainen"),
        ("my name\u2019s Oluwaseun", "Oluwaseun"),
        ("i\u2019m called tamsin", "tamsin"),
    ],
)
def test_announced_names(text: str, value: str) -> None:
    """A name after a phrase that announces one is found."""
    assert value in _values(PersonContextRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    ["call me back later", "call me crazy", "my name is not important", "my friend, who left"],
)
def test_announce_phrases_without_a_name(text: str) -> None:
    """Common words after those phrases are not names."""
    assert _values(PersonContextRecognizer(), text) == set()


@pytest.mark.parametrize(
    ("text", "value", "found"),
    [
        ("a 19 year old who grew up in SUND.", "SUND", True),
        ("We moved here from ESPOO", "ESPOO", True),
        ("I'm in Den Haag, at the conference", "Den Haag", True),
        ("I'm in Pain all day", "Pain", False),
        ("I\u2019m from Knivsta originally", "Knivsta", True),
    ],
)
def test_announced_places(text: str, value: str, found: bool) -> None:
    """Places after "grew up in", "moved from", "I'm in" are found; common words are not."""
    assert (value in _values(LocationContextRecognizer(), text)) is found


def test_town_and_country_lines_after_an_address() -> None:
    """Town and country lines after a street line are places, the postcode is address."""
    text = "07960 Aqqusinersuaq 111\n Suite 201\n Sisimiut\n, GL\n Greenland 26364"
    results = AddressPlacesRecognizer().analyze(text, ["LOCATION"])
    found = {(r.entity_type, text[r.start : r.end]) for r in results}
    assert found == {
        ("LOCATION", "Sisimiut"),
        ("LOCATION", "Greenland"),
        ("STREET_ADDRESS", "26364"),
    }


def test_no_places_without_an_address_anchor() -> None:
    """Capitalised lines after ordinary text are not taken as places."""
    text = "I feel lost today\nMonday\nTuesday, Wednesday"
    assert AddressPlacesRecognizer().analyze(text, ["LOCATION"]) == []


def test_offline_email_recognizer_validates_without_network() -> None:
    """The email recognizer checks the domain against the bundled suffix list."""
    r = OfflineEmailRecognizer()
    assert r.validate_result("jo@example.co.uk") and not r.validate_result("jo@example.notatld")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Maureen Thibault\n\n41086 Kiannonkatu 98\n Suite 464", "Maureen Thibault"),
        ("leone mazzi\nnurse\npersonal info:\nphone: 0393 1144137", "leone mazzi"),
        ("Anna K. Berg\nanna@berg.se", "Anna K. Berg"),
    ],
)
def test_name_line_above_contact_details(text: str, value: str) -> None:
    """A name-shaped line right above an address, phone or email is a name."""
    assert value in _values(ContactBlockNameRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "Good Morning\nI feel awful today",
        "Thank you\nI will call 212-555-0187",
        "Maureen Thibault is kind",
    ],
)
def test_no_name_line_without_contact_details(text: str) -> None:
    """Lines not followed by contact details, or with common words, are not names."""
    assert _values(ContactBlockNameRecognizer(), text) == set()
