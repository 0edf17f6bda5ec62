"""Finding clean-up steps: thresholds, URLs inside emails, word-names, repeats, overlaps."""

from __future__ import annotations

import itertools

import pytest

from careguard.pii.spans import (
    Finding,
    apply_thresholds,
    drop_common_words,
    drop_malformed_urls,
    drop_sentence_initial_word_names,
    drop_urls_inside_emails,
    propagate_repeats,
    resolve_overlaps,
)


def _f(start: int, end: int, kind: str = "PERSON", score: float = 0.85) -> Finding:
    return Finding(start, end, kind, score)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([_f(0, 5), _f(10, 15)], [_f(0, 5), _f(10, 15)]),
        ([_f(0, 5), _f(5, 9)], [_f(0, 5), _f(5, 9)]),
        ([_f(0, 17, "STREET_ADDRESS", 0.6), _f(5, 10, "PERSON", 0.85)],
         [_f(0, 17, "STREET_ADDRESS", 0.6)]),
        ([_f(0, 8, "PHONE_NUMBER", 0.5), _f(4, 12, "US_SSN", 0.85)],
         [_f(0, 12, "US_SSN", 0.85)]),
        ([_f(0, 6, "PERSON", 0.85), _f(3, 12, "LOCATION", 0.85)], [_f(0, 12, "LOCATION", 0.85)]),
        ([_f(0, 4), _f(2, 8), _f(7, 12)], [_f(0, 12, "PERSON", 0.85)]),
    ],
    ids=["apart", "touching", "address-over-name", "pattern-types-by-score", "ner-longest",
         "chain"],
)  # fmt: skip
def test_resolve_overlaps_unions_groups_and_picks_one_type(
    findings: list[Finding], expected: list[Finding]
) -> None:
    """Overlapping findings become one span covering all of them, typed by the rules."""
    assert resolve_overlaps(findings) == expected


def test_resolve_overlaps_output_never_overlaps() -> None:
    """After resolution no two findings overlap and they are sorted by start."""
    out = resolve_overlaps([_f(9, 20), _f(0, 10), _f(30, 31), _f(15, 25)])
    assert all(a.end <= b.start for a, b in itertools.pairwise(out))


def test_thresholds_are_per_entity_and_drop_unwanted_types() -> None:
    """A finding is kept only for a wanted type at or above that type's minimum score."""
    findings = [_f(0, 1, "PERSON", 0.59), _f(2, 3, "PERSON", 0.6), _f(4, 5, "NRP", 0.99)]
    assert apply_thresholds(findings, {"PERSON": 0.6}) == [_f(2, 3, "PERSON", 0.6)]


def test_url_inside_email_is_dropped() -> None:
    """presidio's URL hit on an email's domain goes; a separate URL stays."""
    text = "mail jo@example.org or see example.net"
    email = _f(5, 19, "EMAIL_ADDRESS", 1.0)
    inner = _f(8, 19, "URL", 0.5)
    outer = _f(27, 38, "URL", 0.5)
    assert drop_urls_inside_emails([email, inner, outer]) == [email, outer]
    assert text[outer.start : outer.end] == "example.net"


@pytest.mark.parametrize(
    ("text", "value", "kept"),
    [
        ("Hope things get better soon.", "Hope", False),
        ("I'm tired. Grace under pressure, they say.", "Grace", False),
        ("*sighs* Joy is hard to find", "Joy", False),
        ("i have no hope left", "hope", False),
        ("I talked to Grace yesterday.", "Grace", True),
        ("Anna said it was fine.", "Anna", True),
    ],
)
def test_word_names_dropped_only_at_sentence_start_or_lowercase(
    text: str, value: str, kept: bool
) -> None:
    """Common words taken for names are dropped where they open a sentence."""
    start = text.index(value)
    finding = _f(start, start + len(value))
    assert (drop_sentence_initial_word_names(text, [finding]) == [finding]) is kept


def test_repeats_of_a_found_name_are_added() -> None:
    """Another mention of a found surname is covered too."""
    text = "directed by Maciej Borkowski and starring Borkowski"
    found = _f(12, 28)
    out = propagate_repeats(text, [found])
    assert [text[f.start : f.end] for f in out] == ["Maciej Borkowski", "Borkowski"]


def test_repeats_skip_word_names_inside_a_name() -> None:
    """From "Grace Kelly" the surname spreads, the word-name "Grace" does not."""
    text = "Grace Kelly called. Kelly was kind, by Grace of God"
    out = propagate_repeats(text, [_f(0, 11)])
    assert [text[f.start : f.end] for f in out] == ["Grace Kelly", "Kelly"]


def test_repeats_leave_other_types_alone() -> None:
    """An email address found once is not searched for again by this step."""
    text = "a@b.co wrote a@b.co"
    found = _f(0, 6, "EMAIL_ADDRESS", 1.0)
    assert propagate_repeats(text, [found]) == [found]


@pytest.mark.parametrize(("value", "kept"), [("same..too", False), ("example.org", True)])
def test_urls_with_double_dots_are_dropped(value: str, kept: bool) -> None:
    """A 'URL' with two dots in a row is punctuation, not a host name."""
    text = f"it is {value} much"
    finding = _f(6, 6 + len(value), "URL", 0.5)
    assert (drop_malformed_urls(text, [finding]) == [finding]) is kept


@pytest.mark.parametrize(("text", "kept"), [("i don t know", False), ("ask Donna", True)])
def test_contraction_fragments_are_not_names(text: str, kept: bool) -> None:
    """"don" from "i don t" is no name; a real name stays."""
    word = text.split()[1]
    start = text.index(word)
    finding = _f(start, start + len(word))
    assert (drop_common_words(text, [finding]) == [finding]) is kept


@pytest.mark.parametrize(("text", "kept"), [("ask Mr about it", False), ("ask Dr. then", False)])
def test_a_title_alone_is_not_a_name(text: str, kept: bool) -> None:
    """A lone title ("Mr", "Dr.") found as a PERSON is dropped."""
    word = text.split()[1]
    start = text.index(word)
    finding = _f(start, start + len(word))
    assert (drop_common_words(text, [finding]) == [finding]) is kept
