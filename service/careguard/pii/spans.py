"""Findings and the small, pure steps that clean them up before replacement.

A finding carries offsets and a score, never the text. The steps run in this order in the
redactor: per-entity thresholds, URL hits inside email addresses dropped, common words that
spaCy took for names at the start of a sentence dropped ("Hope things get better"), the
allow-list (see :mod:`careguard.pii.allow_list`), and last, overlapping spans resolved into one
span each so replacement never cuts a value in half.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from careguard.pii.words import NOT_A_NAME

__all__ = [
    "Finding",
    "apply_thresholds",
    "drop_common_words",
    "drop_malformed_urls",
    "drop_sentence_initial_word_names",
    "drop_urls_inside_emails",
    "from_presidio",
    "propagate_repeats",
    "resolve_overlaps",
]


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One detected value: ``text[start:end]`` is of ``entity_type`` with ``score`` (0–1)."""

    start: int
    end: int
    entity_type: str
    score: float

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Finding) -> bool:
        return self.start <= other.start and other.end <= self.end

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.entity_type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }


def from_presidio(results: Iterable[Any]) -> list[Finding]:
    """Convert presidio ``RecognizerResult``s (empty spans are dropped)."""
    return sorted(
        Finding(int(r.start), int(r.end), str(r.entity_type), float(r.score))
        for r in results
        if r.end > r.start
    )


def apply_thresholds(findings: Iterable[Finding], thresholds: Mapping[str, float]) -> list[Finding]:
    """Keep findings of a wanted type whose score reaches that type's minimum."""
    return [
        f for f in findings if f.entity_type in thresholds and f.score >= thresholds[f.entity_type]
    ]


def drop_urls_inside_emails(findings: Sequence[Finding]) -> list[Finding]:
    """presidio's URL recognizer also matches the domain of an email address: drop those."""
    emails = [f for f in findings if f.entity_type == "EMAIL_ADDRESS"]
    return [
        f for f in findings if f.entity_type != "URL" or not any(f.overlaps(e) for e in emails)
    ]


def drop_malformed_urls(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """presidio's URL recognizer takes "same..too" or "17...and" for a domain: a host name
    never has two dots in a row, so such hits are dropped."""
    return [f for f in findings if f.entity_type != "URL" or ".." not in text[f.start : f.end]]


# Fragments of contractions typed without the apostrophe ("i don t"), which spaCy's small model
# tags as names or places, other short words it mistakes on informal text, and lone titles.
CONTRACTION_STEMS = frozenset(
    """
    don won didn doesn isn wasn aren weren couldn shouldn wouldn hasn haven hadn ain cant
    dont wont im ive id ill youre theyre thats whats max er ok lol omg idk tbh
    mr mrs ms mx dr prof
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def drop_common_words(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """Drop PERSON / LOCATION hits that are a common word or a contraction fragment."""
    kept = []
    for f in findings:
        value = text[f.start : f.end].lower().rstrip(".")
        if f.entity_type in ("PERSON", "LOCATION") and (
            value in NOT_A_NAME or value in CONTRACTION_STEMS
        ):
            continue
        kept.append(f)
    return kept


# Given names that are also ordinary words people use when they talk about how they feel.
# spaCy's small model often tags them as PERSON when they open a sentence.
WORD_NAMES = frozenset(
    """
    hope grace faith joy patience charity mercy harmony serenity trinity destiny honor
    honesty prudence constance felicity bliss dawn summer autumn winter spring april may june
    august sunny rose lily daisy ivy holly heather iris violet ruby pearl amber crystal angel
    sky rain storm river brook will bill pat sue rich frank mark bob cliff dean drew gene guy
    jack art rob sandy carol chase grant miles norm ray rusty wade victor buddy chip penny
    ginger candy honey misty melody precious blessing trust love lovely sweetie darling
    baby babe bae mom mum dad
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_SENTENCE_ENDERS = frozenset('.!?*:;"“”()[]~-')


def drop_sentence_initial_word_names(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """Drop one-word PERSON hits on :data:`WORD_NAMES` that open a sentence or are lowercase.

    "Hope things get better" and "grace under pressure" are not names; "I talked to Grace"
    keeps its finding.
    """
    kept = []
    for f in findings:
        value = text[f.start : f.end]
        if (
            f.entity_type == "PERSON"
            and value.lower() in WORD_NAMES
            and (value.islower() or _opens_sentence(text, f.start))
        ):
            continue
        kept.append(f)
    return kept


def propagate_repeats(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """Add the other occurrences of a found name or place ("Maciej Borkowski … Borkowski").

    For PERSON and LOCATION findings, the whole value and (for a PERSON of several words) each
    capitalised word of three letters or more that is not a common word or a word-name
    (:data:`WORD_NAMES`) are looked up as whole words, case-sensitively; uncovered occurrences
    get a finding of the same type and score.
    """
    extra: list[Finding] = []
    terms: dict[str, Finding] = {}
    for f in findings:
        if f.entity_type not in ("PERSON", "LOCATION"):
            continue
        value = text[f.start : f.end]
        candidates = [value]
        if f.entity_type == "PERSON":
            candidates += [
                w
                for w in value.split()
                if len(w) >= 3 and w[0].isupper() and w.isalpha() and w.lower() not in WORD_NAMES
            ]
        for term in candidates:
            if term.lower() not in NOT_A_NAME and term not in terms:
                terms[term] = f
    if not terms:
        return list(findings)
    covered = [(f.start, f.end) for f in findings]
    pattern = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    for m in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", text):
        if any(s <= m.start() and m.end() <= e for s, e in covered):
            continue
        source = terms[m.group(0)]
        extra.append(Finding(m.start(), m.end(), source.entity_type, source.score))
        covered.append((m.start(), m.end()))
    return sorted([*findings, *extra])


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _SENTENCE_ENDERS or "\n" in text[len(before) : start]


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Merge overlapping findings into one span each, sorted by start.

    A group of overlapping findings becomes the union of their spans (so no part of any value
    is left uncovered). Its type and score come from one finding: a pattern-based type before an
    NER type ("221 Baker Street" as STREET_ADDRESS wins over "Baker" as PERSON), then one that
    spans the whole group, then the highest score, the longest, the earliest.
    """
    ordered = sorted(findings)
    merged: list[Finding] = []
    group: list[Finding] = []
    group_end = -1
    for f in ordered:
        if group and f.start < group_end:
            group.append(f)
            group_end = max(group_end, f.end)
            continue
        if group:
            merged.append(_merge(group))
        group, group_end = [f], f.end
    if group:
        merged.append(_merge(group))
    return merged


# Types found by a language model's NER; in a group of overlapping findings a pattern-based
# type (an address, a phone number, ...) is the better description of the whole span.
NER_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "DATE_TIME", "ORGANIZATION"})


def _merge(group: list[Finding]) -> Finding:
    if len(group) == 1:
        return group[0]
    start = min(f.start for f in group)
    end = max(f.end for f in group)
    best = max(
        group,
        key=lambda f: (
            f.entity_type not in NER_TYPES,
            f.start == start and f.end == end,
            f.score,
            f.end - f.start,
            -f.start,
            f.entity_type,
        ),
    )
    return Finding(start, end, best.entity_type, best.score)
