"""careguard's own recognizers, run directly on text (no spaCy model needed)."""

from __future__ import annotations

import pytest

from careguard.pii.recognizers import (
    AddressPlacesRecognizer,
    CardNumberRecognizer,
    ContactBlockNameRecognizer,
    CountryRecognizer,
    LocationContextRecognizer,
    PersonContextRecognizer,
    PhoneContextRecognizer,
    PhoneNumbersRecognizer,
    PostcodeRecognizer,
    StreetAddressRecognizer,
)
from careguard.pii.recognizers._regex import RegexRecognizer, luhn_ok
from careguard.pii.recognizers.email import OfflineEmailRecognizer
from careguard.pii.recognizers.phone_numbers import PHONE_REGIONS


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
        ("The bus station is on Villacher Strasse 89", "Villacher Strasse 89"),
        ("935 69 Gordon Terrace\nSuite 828", "935 69 Gordon Terrace"),
        ("The bus station is on Pod Floriánem 1677", "Pod Floriánem 1677"),
        ("stop at the corner of 11 Botley Road St. and Herceg Gateway St.", "Herceg Gateway St."),
        ("It's at the corner of 35 Pentelis Str. and Waechter Turnpike", "35 Pentelis Str."),
        ("It's at the corner of 35 Pentelis Str. and Waechter Turnpike", "Waechter Turnpike"),
        ("I live on Elm Street", "Elm Street"),
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
    "text",
    ["She is on Day 3 of rehab", "I'm on Level 3 now", "I am at Grade 12", "in Central Park"],
)
def test_no_street_without_a_street_type_or_number(text: str) -> None:
    """Ordinals of days, levels and grades, and park names, are not streets."""
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
    ("text", "value"),
    [
        ("call me on +44 7700 900123 tonight", "+44 7700 900123"),
        ("+44 7700 900123", "+44 7700 900123"),
        ("text 07700 900123", "07700 900123"),
        ("my mobile is +44 7700 900 123", "+44 7700 900 123"),
        ("my number is +447700900123", "+447700900123"),
        ("call 0044 20 7946 0958", "0044 20 7946 0958"),
        ("ring me on 020 7946 0958", "020 7946 0958"),
        ("(212) 555-0187 is my cell", "(212) 555-0187"),
        ("+1 416 555 0199", "+1 416 555 0199"),
        ("mobile 0412 345 678", "0412 345 678"),
        ("+61 412 345 678", "+61 412 345 678"),
        ("+64 21 123 4567", "+64 21 123 4567"),
        ("call 087 123 4567", "087 123 4567"),
        ("+353 87 123 4567", "+353 87 123 4567"),
        ("+91 98765 43210", "+91 98765 43210"),
        ("098765 43210", "098765 43210"),
        ("+49 30 12345678", "+49 30 12345678"),
        ("030 12345678", "030 12345678"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("+34 612 34 56 78", "+34 612 34 56 78"),
        ("+39 347 123 4567", "+39 347 123 4567"),
        ("+31 6 12345678", "+31 6 12345678"),
        ("+65 9123 4567", "+65 9123 4567"),
        ("+81 90-1234-5678", "+81 90-1234-5678"),
        ("+27 82 123 4567", "+27 82 123 4567"),
        ("+46 70 123 45 67", "+46 70 123 45 67"),
        ("+45 20 12 34 56", "+45 20 12 34 56"),
        ("+47 412 34 567", "+47 412 34 567"),
        ("+32 470 12 34 56", "+32 470 12 34 56"),
        ("+63 917 123 4567", "+63 917 123 4567"),
        ("+52 55 1234 5678", "+52 55 1234 5678"),
        ("+55 11 91234-5678", "+55 11 91234-5678"),
        ("+82 10-1234-5678", "+82 10-1234-5678"),
        ("+358 40 1234567", "+358 40 1234567"),
    ],
)
def test_phone_numbers_of_the_directory_countries(text: str, value: str) -> None:
    """International (+CC, 00CC, any grouping) and national trunk-prefix formats are found."""
    assert value in _values(PhoneNumbersRecognizer(), text, threshold=0.4)


@pytest.mark.parametrize(
    "text",
    [
        "we met on 2021-07-09 and 12.03.2024",
        "from 41.176.181.243 again",
        "I walked 12000 steps",
        "my card 4969800024734372 was declined",
        "order 1234567 shipped",
        "it cost $1,250,000",
        "On 2018-01-14 03:07:43 it began",
        "3747 3911 fourth avenue suite 112 calgary",
        "ZIP: 75534-030",
    ],
)
def test_phone_numbers_leave_dates_addresses_and_amounts(text: str) -> None:
    """Dates, IP addresses, card numbers, order numbers and amounts are not phone numbers."""
    assert _values(PhoneNumbersRecognizer(), text, threshold=0.4) == set()


def test_phone_regions_cover_the_crisis_directory() -> None:
    """Every country of policies/resources.yaml has its national formats parsed."""
    from careguard.resources import ResourceDirectory, policies_dir

    directory = ResourceDirectory.load(policies_dir() / "resources.yaml")
    countries = {r.country for r in directory.entries} | set(directory.emergency)
    assert countries - {"ZZ"} <= set(PHONE_REGIONS)


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
    ("text", "value"),
    [
        ("My name is priya raghunathan", "priya raghunathan"),
        ("my name is priya raghunathan and i'm scared", "priya raghunathan"),
        ("MY NAME IS PRIYA RAGHUNATHAN", "PRIYA RAGHUNATHAN"),
        ("I'm Ade.", "Ade"),
        ("Hi, I'm Ade and I need to talk", "Ade"),
        ("I am Oluwaseun, 34, from Lagos", "Oluwaseun"),
        ("call me Mei", "Mei"),
        ("thanks, Tomasz", "Tomasz"),
        ("ok thanks so much, tomasz", "tomasz"),
        ("Cheers,\nSiobhán", "Siobhán"),
        ("that's all for now.\n- Kwame", "Kwame"),
        ("Love, Ngozi", "Ngozi"),
        ("hey Mei, you there?", "Mei"),
        ("My name is Nguyen Thi Minh Khai", "Nguyen Thi Minh Khai"),
        ("my name is Ana de la Cruz", "Ana de la Cruz"),
        ("my friend Jean-Luc O'Brien", "Jean-Luc O'Brien"),
        ("my sister Aaliyah Al-Hassan called", "Aaliyah Al-Hassan"),
        ("her maiden name is nyberg", "nyberg"),
        ("Billing address: Sophie Lang\n  3482 Via Franscini 71", "Sophie Lang"),
        ('mika: "who are you?"', "mika"),
        ("I'm Roberto's daughter.", "Roberto"),
        ("Warrane, can I please speak to your boss?", "Warrane"),
        ("Tomomi Nishiyama lives at 86036 Rua do Arenque 1634, Goiânia", "Tomomi Nishiyama"),
        ("eva kleist lives at 255 hersnapvej 18", "eva kleist"),
        ("Luiza is from Xignite", "Luiza"),
        ("Don't go to town, Nicholas! Please", "Nicholas"),
        ("are you there, Mei?", "Mei"),
        ("Name:    Martim A Pereira", "Martim A Pereira"),
    ],
)
def test_names_as_people_type_them(text: str, value: str) -> None:
    """Lower-case, all-caps, one-word, sign-off and multi-part names after cues are found."""
    assert value in _values(PersonContextRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm Fine.",
        "I'm Sorry, really",
        "I'm So tired",
        "I'm American and proud",
        "I'M DONE.",
        "it's FAR from dirty!",
        "thanks, everyone",
        "thanks, Doctor",
        "thanks anyway",
        "ok thanks, bye",
        "my name is written on the form",
        "my name is on the list",
        "Love, always",
        "Well, can you help me?",
        "Seriously, why does this keep happening",
        "God, why me",
        "Cool, what's the address?",
        "Hi, how are you?",
        "Second, I'm happy but tired",
        "Yea, I think that's true.",
        "My Mom's brother is a drug addict.",
        "This is from my diary.",
        "Everyone is from somewhere",
        "It is on the table",
        "he lives in a flat",
        "Meeting is in 3 hours.",
        "see you then, Monday!",
        "oh well, Seriously?",
        "thanks, LOL!",
        "my mom's friend is here",
    ],
)
def test_cues_followed_by_ordinary_words(text: str) -> None:
    """Feelings, adjectives, farewells and ordinary words after a name cue are not names."""
    assert _values(PersonContextRecognizer(), text) == set()


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
        ("Celebrating its 10th year in Laax, we", "Laax", True),
        ("after two years in STAVANGER, I left", "STAVANGER", True),
        ("my first year in Pain was hard", "Pain", False),
    ],
)
def test_announced_places(text: str, value: str, found: bool) -> None:
    """Places after "grew up in", "moved from", "I'm in" are found; common words are not."""
    assert (value in _values(LocationContextRecognizer(), text)) is found


def test_town_and_country_lines_after_an_address() -> None:
    """Town, region code and country lines after a street line are places, the postcode is
    address."""
    text = "07960 Aqqusinersuaq 111\n Suite 201\n Sisimiut\n, GL\n Greenland 26364"
    results = AddressPlacesRecognizer().analyze(text, ["LOCATION"])
    found = {(r.entity_type, text[r.start : r.end]) for r in results}
    assert found == {
        ("LOCATION", "Sisimiut"),
        ("LOCATION", "GL"),
        ("LOCATION", "Greenland"),
        ("STREET_ADDRESS", "26364"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "SNP polling at 41% for the next election, CON at 25, LAB 23, LIB 6, and Greens at 3.",
        "During 2017, Allstate Insurance Group invested heavily",
        "our 3 founders: Vizirov, Barrett and Jones",
    ],
)
def test_no_places_after_numbers_that_are_not_street_lines(text: str) -> None:
    """Scores, years and counts before a comma are not street lines; what follows is kept."""
    assert _values(AddressPlacesRecognizer(), text) == set()


def test_no_region_code_before_the_town() -> None:
    """A two-letter line right after the street line is not taken as a place."""
    text = "12 Elm Street\nOK\nthanks"
    assert _values(AddressPlacesRecognizer(), text) == set()


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


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I live at 221B Baker Street, London NW1 6XE", "NW1 6XE"),
        ("10 Downing Street, London SW1A 2AA", "SW1A 2AA"),
        ("Piccadilly, Manchester M1 1AE", "M1 1AE"),
        ("my postcode is sw1a 2aa", "sw1a 2aa"),
        ("12 Elm St, Springfield, IL 62704-1234", "IL 62704-1234"),
        ("450 Park Ave, New York, NY 10022", "NY 10022"),
        ("zip code 94103", "94103"),
        ("88 Queen St W, Toronto, ON M5V 2T6", "M5V 2T6"),
        ("1 George St, Sydney NSW 2000", "NSW 2000"),
        ("Apartment 4, Dublin D02 X285", "D02 X285"),
        ("my eircode is A65 F4E2", "A65 F4E2"),
        ("Invalidenstraße 12, 10115 Berlin", "10115"),
        ("8 rue de Rivoli, 75001 Paris", "75001"),
        ("Calle Mayor 5, 28013 Madrid", "28013"),
        ("Via Roma 10, 00184 Roma", "00184"),
        ("Damrak 1, 1012 LG Amsterdam", "1012 LG"),
        ("Flat 3, Marine Drive, Mumbai 400020", "400020"),
        ("my PIN code is 560 001", "560 001"),
        ("PLZ: 80331", "80331"),
    ],
)
def test_postcodes_in_address_context(text: str, value: str) -> None:
    """UK, US ZIP(+4), CA, AU, IE Eircode, DE/FR/ES/IT/NL and IN PIN codes are found."""
    assert value in _values(PostcodeRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "I slept 10115 minutes this year",
        "In 2019 Trump visited",
        "it was 2000 Euros",
        "the A12 road was closed",
        "my PIN is 1234",
        "I ran 5000 metres",
    ],
)
def test_no_postcodes_without_address_context(text: str) -> None:
    """Numbers, years, road names and card PINs are not postcodes."""
    assert _values(PostcodeRecognizer(), text) == set()


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("I live at 221B Baker Street, London NW1 6XE", "London"),
        ("She moved to 12 Oxford Road, Manchester and never wrote.", "Manchester"),
        ("14 Station Road, Leeds.", "Leeds"),
        ("Invalidenstraße 12, 10115 Berlin", "Berlin"),
        ("1 George St, Sydney NSW 2000, Australia", "Australia"),
    ],
)
def test_town_after_a_street_address(text: str, place: str) -> None:
    """The town (and country) after a street address are places, also before a postcode."""
    assert place in _values(AddressPlacesRecognizer(), text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Uruguay leader gives 'kill without warning' order", "Uruguay"),
        ("He's injured from the waist down from Cyprus, but", "Cyprus"),
        ("Maha Cazares\n\nChiclana de la Frontera\nSpain", "Chiclana de la Frontera"),
        ("Przemek Kucharski\n\n  ALFRICK\n  United Kingdom", "ALFRICK"),
        ("Przemek Kucharski\n\n  ALFRICK\n  UNITED KINGDOM", "UNITED KINGDOM"),
    ],
)
def test_countries_and_the_town_above_them(text: str, value: str) -> None:
    """Country names, and a town line right above a country line, are places."""
    assert value in _values(CountryRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "Jordan and Chad went to Georgia's party",
        "I ate turkey with china plates",
        "I feel like I need to go somewhere\nSpain maybe",
        "thanks\nFrance",
    ],
)
def test_no_country_or_town_from_names_words_and_sentences(text: str) -> None:
    """Country names that are also first names or words are left; a sentence is no town."""
    found = _values(CountryRecognizer(), text)
    assert found <= {"Spain", "France"}
