"""The redactor with the real presidio engine and spaCy model."""

from __future__ import annotations

import json

import pytest

from careguard.pii import AllowList, Redactor, build_redactor
from careguard.policy import PiiMode, PiiPolicy, load_policy
from tests.fixtures import SEED

pytestmark = pytest.mark.models



@pytest.fixture(scope="module")
def redactor() -> Redactor:
    """The default policy's redactor, built once for this module."""
    return build_redactor(load_policy(), secret=b"unit-test")


def _variant(base: Redactor, mode: PiiMode, allow: tuple[str, ...] = ()) -> Redactor:
    pii = PiiPolicy(mode=mode, entities=dict(base.entities), allow_list=allow)
    return Redactor(
        base.analyzer, pii, allow=AllowList(allow), secret=b"unit-test", thresholds=base.entities
    )


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("write to jo.berg@example.org today", "EMAIL_ADDRESS", "jo.berg@example.org"),
        ("call me on 212-555-0187 tonight", "PHONE_NUMBER", "212-555-0187"),
        ("Mobile: 72 128 827", "PHONE_NUMBER", "72 128 827"),
        ("my card 4969800024734372 was declined", "CREDIT_CARD", "4969800024734372"),
        ("card no 4415101282806639538 is blocked", "CREDIT_CARD", "4415101282806639538"),
        ("my ssn is 791-10-5487", "US_SSN", "791-10-5487"),
        ("IBAN GB88XDHF05610830433955 please", "IBAN_CODE", "GB88XDHF05610830433955"),
        ("from 41.176.181.243 again", "IP_ADDRESS", "41.176.181.243"),
        ("I live at 221B Baker Street, London.", "STREET_ADDRESS", "221B Baker Street"),
        ("The bus station is on Vesterskovvej 79", "STREET_ADDRESS", "Vesterskovvej 79"),
        ("My name is Anna Lindqvist and I'm tired.", "PERSON", "Anna Lindqvist"),
        ("my friend Tomasz never calls back", "PERSON", "Tomasz"),
        ("I grew up in Springfield.", "LOCATION", "Springfield"),
        ("see https://www.example.com/help for more", "URL", "https://www.example.com/help"),
    ],
)
def test_detects_personal_data(redactor: Redactor, text: str, kind: str, value: str) -> None:
    """Each kind of personal data is found with its exact span and type."""
    found = {(f.entity_type, text[f.start : f.end]) for f in redactor.analyze(text)}
    assert (kind, value) in found


def test_street_name_is_not_a_person(redactor: Redactor) -> None:
    """"Baker" in "221 Baker Street" is part of an address, not a PERSON."""
    text = "Send it to 221 Baker Street please"
    assert [f.entity_type for f in redactor.analyze(text)] == ["STREET_ADDRESS"]


def test_no_url_inside_an_email(redactor: Redactor) -> None:
    """An email address gives one EMAIL_ADDRESS finding, no URL for its domain."""
    text = "mail anna.berg@example.co.uk"
    assert [f.entity_type for f in redactor.analyze(text)] == ["EMAIL_ADDRESS"]


@pytest.mark.parametrize(
    "text",
    [
        "Hope things get better soon, I really do.",
        "Grace under pressure is not my thing right now.",
        "I feel hopeless and I can't sleep.",
        "*sighs heavily* Nothing seems to be going right.",
        "Joy? I haven't felt joy in months.",
        "I walked 5 miles down the road to clear my head.",
        "I slept from 3 to 5 and then stared at the ceiling.",
        "Call or text 988, or text HOME to 741741.",
        "Samaritans are on 116 123 and Lifeline on 13 11 14.",
        "In an emergency dial 911, 999 or 112; NHS 111 for advice.",
        "i don t have anyone to talk to and i don t know what to do",
        "it isn't the same..too many distractions..not enough sleep",
    ],
)
def test_emotional_chat_and_crisis_lines_are_left_alone(redactor: Redactor, text: str) -> None:
    """Ordinary distress talk and crisis-line numbers produce no findings."""
    assert redactor.analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "call me on +44 7700 900123 tonight",
        "my number is 07700 900123",
        "my number is +44 7700 900 123",
    ],
)
def test_uk_mobile_in_every_grouping_is_a_phone_number(redactor: Redactor, text: str) -> None:
    """"+44 7700 900123" is redacted like its national and differently grouped forms."""
    value = text.split(" on " if " on " in text else " is ")[1].removesuffix(" tonight")
    found = {(f.entity_type, text[f.start : f.end]) for f in redactor.analyze(text)}
    assert ("PHONE_NUMBER", value) in found


def test_no_number_of_the_crisis_directory_is_redacted(redactor: Redactor) -> None:
    """Every phone, text and emergency number the directory may show survives redaction,
    with the allow-list the pipeline builds (built-in numbers + the directory's strings)."""
    from careguard.resources import ResourceDirectory, policies_dir

    directory = ResourceDirectory.load(policies_dir() / "resources.yaml")
    variant = Redactor(
        redactor.analyzer,
        PiiPolicy(mode=PiiMode.REDACT, entities=dict(redactor.entities)),
        allow=AllowList(directory.protected_strings()),
        secret=b"unit-test",
        thresholds=redactor.entities,
    )
    numbers = {n for r in directory.entries for p in r.phones for n in (p.display, p.dial)}
    numbers |= {t.to for r in directory.entries for t in r.texts}
    numbers |= {n for e in directory.emergency.values() for n in (e.primary, *e.numbers)}
    assert len(numbers) > 50
    leaked = []
    for number in sorted(numbers):
        for text in (f"You can call {number} any time.", f"{number}", f"phone: {number}"):
            if variant.redact(text).text != text:
                leaked.append(text)
    assert leaked == []


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("I live at 221B Baker Street, London NW1 6XE", ("Baker", "London", "NW1 6XE")),
        ("Send it to 10 Downing Street, London SW1A 2AA", ("London", "SW1A 2AA")),
        ("It's 1 Piccadilly, Manchester M1 1AE.", ("Manchester", "M1 1AE")),
        ("We moved to 12 Oxford Road, Manchester last year.", ("Oxford Road", "Manchester")),
    ],
)
def test_uk_address_block_leaves_nothing_behind(
    redactor: Redactor, text: str, secrets: tuple[str, ...]
) -> None:
    """Street, town and postcode of a UK address are all replaced."""
    out = _variant(redactor, PiiMode.REDACT).redact(text).text
    assert [s for s in secrets if s in out] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My name is priya raghunathan", "priya raghunathan"),
        ("my name is priya", "priya"),
        ("I'm Ade, I don't know who else to talk to", "Ade"),
        ("call me Mei", "Mei"),
        ("thanks, Tomasz", "Tomasz"),
    ],
)
def test_names_typed_in_chat_are_redacted(redactor: Redactor, text: str, name: str) -> None:
    """Names as people type them in chat never reach the upstream."""
    assert name not in _variant(redactor, PiiMode.REDACT).redact(text).text


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("my NHS number is 943 476 5919", "UK_NHS", "943 476 5919"),
        ("NI number AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"),
        ("my tax file number is 123 456 782", "AU_TFN", "123 456 782"),
        ("Medicare card 2123 45670 1", "AU_MEDICARE", "2123 45670 1"),
        ("my aadhaar is 2345 6789 0124", "IN_AADHAAR", "2345 6789 0124"),
        ("PAN card ABCPD1234E", "IN_PAN", "ABCPD1234E"),
        ("mi DNI es 12345678Z", "ES_NIF", "12345678Z"),
        ("codice fiscale RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
        ("my NRIC is S1234567D", "SG_NRIC_FIN", "S1234567D"),
    ],
)
def test_national_identifiers(redactor: Redactor, text: str, kind: str, value: str) -> None:
    """The default policy finds the national identifiers presidio can recognise."""
    found = {(f.entity_type, text[f.start : f.end]) for f in redactor.analyze(text)}
    assert (kind, value) in found


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("call me on 943 476 5919", "UK_NHS"),
        ("I have 123 456 782 reasons to panic", "AU_TFN"),
        ("the code ABCPD1234E is on the box and I panic", "IN_PAN"),
        ("my number is 2345 6789 0124", "IN_AADHAAR"),
    ],
)
def test_national_identifiers_need_context(redactor: Redactor, text: str, kind: str) -> None:
    """A checksum-valid NHS/TFN/PAN/Aadhaar shape without its context word is not that ID."""
    assert kind not in {f.entity_type for f in redactor.analyze(text)}


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("my NHS number is 943 476 5919", "UK_NHS", "943 476 5919"),
        ("codice fiscale RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
    ],
)
def test_national_identifiers_deep_in_a_long_message(
    redactor: Redactor, text: str, kind: str, value: str
) -> None:
    """In a message longer than ContextGated.SCAN_WHOLE the identifiers are read around the
    digits only (presidio's patterns over a whole 32,000-character message took ~2 s, past
    the stage deadline); one in the middle is still found, at its own offsets."""
    filler = "I keep going over what happened at work and I cannot sleep. " * 60
    long_text = filler + text + ". " + filler
    found = {(f.entity_type, long_text[f.start : f.end]) for f in redactor.analyze(long_text)}
    assert (kind, value) in found


def test_an_acknowledgement_after_thanks_is_not_a_name(redactor: Redactor) -> None:
    """"Thanks, noted." (an assistant turn in history) is not a sign-off with a name."""
    assert "PERSON" not in {f.entity_type for f in redactor.analyze("Thanks, noted.")}


def test_seed_conversation_user_turns_unchanged(redactor: Redactor) -> None:
    """The reference conversation's user turns hold no personal data and stay as they are."""
    messages = json.loads(SEED.read_text())["messages"]
    session = redactor.session("seed")
    for m in (m for m in messages if m["role"] == "user"):
        assert redactor.redact(m["content"], session).text == m["content"]


def test_pseudonymize_then_restore_gives_the_original(redactor: Redactor) -> None:
    """A reply that echoes the placeholders is restored to the user's own values."""
    text = "I'm Anna Lindqvist, mail anna@lindqvist.se or call 212-555-0187."
    session = redactor.session("conv-1")
    redacted = redactor.redact(text, session).text
    assert "Anna" not in redacted and "212-555-0187" not in redacted
    restorer = session.restorer()
    assert restorer.feed(redacted[:17]) + restorer.feed(redacted[17:]) + restorer.flush() == text


def test_one_value_one_placeholder_across_messages_and_requests(redactor: Redactor) -> None:
    """The same email in two messages and in a later request gets one placeholder."""
    first = redactor.session("conv-2")
    a = redactor.redact("mail me at zoe@example.org", first).text
    b = redactor.redact("again: zoe@example.org", first).text
    c = redactor.redact("zoe@example.org", redactor.session("conv-2")).text
    placeholder = c
    assert a.endswith(placeholder) and b.endswith(placeholder)
    other = redactor.redact("zoe@example.org", redactor.session("conv-3")).text
    assert other != placeholder


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (PiiMode.REDACT, "mail <EMAIL_ADDRESS> now"),
        (PiiMode.MASK, "mail z**@*******.org now"),
        (PiiMode.PASS, "mail zoe@example.org now"),
    ],
)
def test_modes(redactor: Redactor, mode: PiiMode, expected: str) -> None:
    """redact writes the type, mask keeps the shape, pass changes nothing but still finds."""
    variant = _variant(redactor, mode)
    result = variant.redact("mail zoe@example.org now")
    assert result.text == expected
    assert [f.entity_type for f in result.findings] == ["EMAIL_ADDRESS"]


def test_policy_allow_list_is_never_redacted(redactor: Redactor) -> None:
    """A literal in policy.pii.allow_list survives even though it looks like PII."""
    variant = _variant(redactor, PiiMode.REDACT, allow=("help@careline.example.org",))
    text = "write to help@careline.example.org or to me at zoe@example.org"
    expected = "write to help@careline.example.org or to me at <EMAIL_ADDRESS>"
    assert variant.redact(text).text == expected


def test_protected_literals_from_build_are_never_redacted() -> None:
    """build_redactor(protected=...) protects injected text, e.g. a resource line."""
    line = "Samaritans (UK): call 116 123 or email jo@samaritans.org"
    r = build_redactor(load_policy(), protected=[line], secret=b"k")
    assert r.redact(f"{line}. I'm Anna Lindqvist.").text.startswith(line)


def test_guard_redact_uses_the_conversation_placeholders(redactor: Redactor) -> None:
    """Guard.redact gives the same placeholder as a session of that conversation."""
    from careguard import Guard

    guard = Guard(load_policy(), assessor=None, redactor=redactor)
    text = "mail me at zoe@example.org"
    expected = redactor.redact(text, redactor.session("conv-9")).text
    assert guard.redact(text, conversation_key="conv-9").text == expected


def test_values_seen_earlier_in_the_request_are_replaced_again(redactor: Redactor) -> None:
    """A name found in message 1 is replaced in message 2 even with no finding there."""
    session = redactor.session("conv-memory")
    first = redactor.redact("my name is Zyx Qorvath", session)
    (placeholder,) = session.mapping
    assert placeholder in first.text
    assert redactor.replace("so, Zyx Qorvath. again", [], session) == f"so, {placeholder}. again"
