"""The crisis-resource directory: generated file, ordering, fallbacks, what is never shown."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from careguard.errors import PolicyError
from careguard.resources import ResourceDirectory, normalize_country
from tests.fixtures import CRISIS_LINES

REPO = Path(__file__).resolve().parents[2]
DIRECTORY = REPO / "policies" / "resources.yaml"

# Every outdated number in ../shared/resources/crisis-lines.yaml, as digits (pinned here on
# purpose: if the data changes, these tests say so).
OUTDATED_DIGITS = [
    "18002738255",  # US legacy NSPL 1-800-273-8255
    "18886289454",  # US legacy Spanish line
    "18334564566",  # CA Talk Suicide Canada
    "45645",  # CA Talk Suicide Canada text
    "199284284",  # IT old Telefono Amico
    "010195202",  # FI old national crisis line
    "0941350501",  # FI old line for foreigners
    "1393",  # KR old suicide prevention line
    "15770199",  # KR mental-health crisis counselling
    "141",  # BR old CVV number
    "18002214444",  # SG old SOS hotline
    "09179898727",  # PH 2019 launch number
    "0279898727",  # PH 2019 launch landline
]


def _load_tool() -> ModuleType:
    tool = REPO / "tools" / "build_resources.py"
    spec = importlib.util.spec_from_file_location("build_resources", tool)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def digits_in(text: str, digits: str) -> bool:
    """Whether ``digits`` appear in ``text`` as a whole number, whatever the separators."""
    sep = r"[\s\-.()/\u00a0]*"
    return re.search(r"(?<!\d)" + sep.join(digits) + r"(?!\d)", text) is not None


@pytest.mark.parametrize(
    ("text", "digits", "expected"),
    [("call 1-800-273-8255 now", "18002738255", True), ("ring (09) 4135 0501", "0941350501", True),
     ("text 31393", "1393", False), ("0800 068 4141", "141", False), ("dial 141.", "141", True)],
)
def test_digits_in_matches_whole_numbers_only(text: str, digits: str, expected: bool) -> None:
    """The never-shown checks find a number in any spacing, never inside a longer one."""
    assert digits_in(text, digits) is expected


@pytest.fixture(scope="module")
def directory() -> ResourceDirectory:
    return ResourceDirectory.load(DIRECTORY)


def test_committed_directory_is_what_the_tool_generates() -> None:
    """policies/resources.yaml equals a fresh run of tools/build_resources.py (on the copy of
    ../shared/resources/crisis-lines.yaml in tests/fixtures)."""
    assert _load_tool().render(CRISIS_LINES) == DIRECTORY.read_text(encoding="utf-8")


def test_directory_lists_every_pinned_outdated_number(directory: ResourceDirectory) -> None:
    """The generated outdated list holds exactly the pinned outdated numbers."""
    listed = [d for o in directory.outdated for d in o.digits]
    assert sorted(listed) == sorted(OUTDATED_DIGITS)


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("1-800-273-8255 (1-800-273-TALK)", ["18002738255"]),
        ("1-833-456-4566 / text 45645", ["18334564566", "45645"]),
        ("(09) 4135 0501", ["0941350501"]),
        ("1393", ["1393"]),
    ],
)
def test_tool_reads_outdated_number_forms(number: str, digits: list[str]) -> None:
    """The tool turns each outdated-number field into its digit forms."""
    assert _load_tool().digit_forms(number) == digits


@pytest.mark.parametrize(
    ("country", "first_service", "first_number"),
    [
        ("GB", "Samaritans", "116 123"),
        ("US", "988 Suicide & Crisis Lifeline", "988"),
        ("CA", "9-8-8 Suicide Crisis Helpline", "9-8-8"),
        ("NO", "Mental Helse Hjelpetelefonen", "116 123"),
        ("IE", "Pieta 24/7 Crisis Helpline", "1800 247 247"),  # Samaritans IE is stale
        ("AU", "Lifeline Australia", "13 11 14"),
    ],
)
def test_first_line_for_country(
    directory: ResourceDirectory, country: str, first_service: str, first_number: str
) -> None:
    """A covered country's best line comes first."""
    first = directory.for_country(country)[0]
    assert (first.service, first.phones[0].display) == (first_service, first_number)


@pytest.mark.parametrize("code", ["PL", "ZZ", None, "xx", "POL", "", "12"])
def test_uncovered_or_invalid_country_gets_international_directories(
    directory: ResourceDirectory, code: str | None
) -> None:
    """A country the directory lacks (or no valid code) gets the international fallback."""
    lines = directory.for_country(code)
    assert lines and {r.country for r in lines} == {"ZZ"}
    assert lines[0].link == "findahelpline.com"


def test_country_without_showable_general_line_falls_back(directory: ResourceDirectory) -> None:
    """Denmark (only line disputed, others specialised) falls back to international."""
    assert {r.country for r in directory.for_country("DK")} == {"ZZ"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [("gb", "GB"), (" us ", "US"), ("UK", "GB"), ("GBR", "GB"), ("XX", None), ("ZZ", None),
     ("G1", None), (None, None)],
)
def test_normalize_country(code: str | None, expected: str | None) -> None:
    """Country codes are validated as assigned ISO 3166-1 alpha-2 codes."""
    assert normalize_country(code) == expected


@pytest.mark.parametrize(("code", "resolved"), [("FR", "FR"), ("bogus", "US"), (None, "US")])
def test_resolve_country_falls_back_to_default(
    directory: ResourceDirectory, code: str | None, resolved: str
) -> None:
    """An invalid or missing country resolves to the policy default."""
    assert directory.resolve_country(code, "US") == resolved


def test_other_audience_prefers_lines_that_serve_helpers(directory: ResourceDirectory) -> None:
    """For someone worried about another person, lines that serve helpers come first."""
    lines = directory.for_country("NZ", "other")
    assert lines[0].serves_others and lines[0].id == "nz-suicide-crisis-helpline"


def test_self_audience_keeps_priority_order(directory: ResourceDirectory) -> None:
    """For the user themself, the priority-1 line comes first."""
    assert directory.for_country("NZ", "self")[0].id == "nz-1737"


def test_specialised_lines_are_not_general_lines(directory: ResourceDirectory) -> None:
    """Priority-3 lines (specific audience or hours) are not in a country's general list."""
    assert all(r.priority <= 2 for cc in directory.countries for r in directory.for_country(cc))


def test_entries_carry_sources_and_verification_date(directory: ResourceDirectory) -> None:
    """Every entry carries at least one source and a verification date."""
    assert all(r.sources and re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.checked)
               for r in directory.entries)


def test_no_disputed_entry_is_in_the_directory(directory: ResourceDirectory) -> None:
    """Disputed entries are withheld, never loaded as showable entries."""
    withheld = {w.id for w in directory.withheld if w.reason == "disputed"}
    assert withheld and not withheld & {r.id for r in directory.entries}


def test_disputed_values_are_not_contacts(directory: ResourceDirectory) -> None:
    """No withheld (disputed) number is a phone or text number of any shown entry."""
    shown = [re.sub(r"\D", "", p.dial) for r in directory.entries for p in r.phones]
    shown += [re.sub(r"\D", "", t.to) for r in directory.entries for t in r.texts]
    withheld = [re.sub(r"\D", "", v) for v in directory.never_shown()]
    assert not set(shown) & set(filter(None, withheld))


def test_protected_strings_cover_shown_numbers(directory: ResourceDirectory) -> None:
    """The PII allow-list includes the numbers and links the directory shows."""
    protected = directory.protected_strings()
    assert {"116 123", "116123", "988", "findahelpline.com", "Samaritans", "999"} <= protected


def test_protected_strings_exclude_outdated_numbers(directory: ResourceDirectory) -> None:
    """No outdated number is on the allow-list."""
    protected = " | ".join(sorted(directory.protected_strings()))
    assert not [d for d in OUTDATED_DIGITS if digits_in(protected, d)]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "resources.yaml"
    p.write_text(text, encoding="utf-8")
    return p


_ZZ = """
  - {id: zz, country: ZZ, service: Dir, priority: 1, verified: one-source, checked: '2026-01-01',
     website: https://findahelpline.com}
"""


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("format: 1\nservices:\n  - {id: x, country: NO, service: S, priority: 1, "
         "verified: two-sources, checked: '2026-01-01'}\n", "$.services[0].country"),
        ("format: 1\nservices:\n  - {id: x, country: GB, service: S, priority: 1, "
         "verified: disputed, checked: '2026-01-01'}\n", "$.services[0].verified"),
        ("format: 1\nservices:\n  - {id: x, country: GB, service: S, priority: 1, "
         "verified: two-sources, checked: '2026-01-01', surprise: 1}\n", "$.services[0]"),
        ("format: 2\nservices: []\n", "$.format"),
        ("format: 1\nservices:" + _ZZ + "emergency: {NO: {primary: '112'}}\n", "$.emergency"),
    ],
    ids=["bare-NO-country", "disputed", "unknown-key", "format", "bare-NO-key"],
)
def test_bad_directory_file_names_the_path(tmp_path: Path, text: str, path: str) -> None:
    """A bad directory file stops loading with the $.path of the problem."""
    with pytest.raises(PolicyError) as err:
        ResourceDirectory.load(_write(tmp_path, text))
    assert err.value.path.startswith(path)


def test_directory_without_international_entries_is_rejected(tmp_path: Path) -> None:
    """A directory with no ZZ fallback cannot load."""
    text = ("format: 1\nservices:\n  - {id: x, country: GB, service: S, priority: 1, "
            "verified: two-sources, checked: '2026-01-01'}\n")
    with pytest.raises(PolicyError, match="international"):
        ResourceDirectory.load(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("outdated", "current"),
    [("18002738255", "988"), ("1-800-273-TALK", "988"), ("141", "188"),
     ("199284284", "02 2327 2327")],
)
def test_corrections_map_outdated_to_current_number(
    directory: ResourceDirectory, outdated: str, current: str
) -> None:
    """Each outdated number maps to the current number of the line that replaced it."""
    assert (outdated, current) in directory.corrections()


def test_every_outdated_number_has_a_correction(directory: ResourceDirectory) -> None:
    """Every pinned outdated number can be corrected in replies."""
    assert {n for n, _ in directory.corrections()} >= set(OUTDATED_DIGITS)


@pytest.mark.parametrize(("code", "first"), [("bogus", "gb-samaritans"), (None, "gb-samaritans"),
                                             ("US", "us-988")])
def test_for_country_uses_default_for_invalid_code(
    directory: ResourceDirectory, code: str | None, first: str
) -> None:
    """for_country falls back to the given default country for a missing or invalid code."""
    assert directory.for_country(code, default="GB")[0].id == first
