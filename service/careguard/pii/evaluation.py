"""Span-level scoring of the redactor on presidio-research-style samples.

A sample is ``{"full_text", "spans": [{"entity_type", "start_position", "end_position"}]}``;
dataset entity names are mapped to careguard's with :data:`ENTITY_MAP` (the table in
``../shared/data/pii/README.md``; types with no recogniser map to None and are not scored).

Matching is per type. With ``match="overlap"`` (the default) a gold span counts as found when a
prediction of the same type overlaps it, and a prediction counts as correct when it overlaps a
gold span of its type — what matters for redaction is that the value is covered, and the data
set splits one address into pieces in some samples and not in others. ``match="exact"``
requires identical offsets. F2 weighs recall twice as much as precision.

Types must agree, with one exception taken from the data set's README, which maps its
STREET_ADDRESS to "LOCATION at best": a gold STREET_ADDRESS span also accepts a LOCATION
prediction (some samples annotate a whole address block, town and country included, as one
STREET_ADDRESS). ``strict_types=True`` turns that off.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from careguard.errors import InputError, ShapeError
from careguard.pii.spans import Finding

__all__ = [
    "ENTITY_MAP",
    "STRUCTURED_TYPES",
    "Sample",
    "Score",
    "format_table",
    "load_samples",
    "score",
]

ENTITY_MAP: dict[str, str | None] = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "DATE_TIME": "DATE_TIME",
    "NRP": "NRP",
    "GPE": "LOCATION",
    "DOMAIN_NAME": "URL",
    "STREET_ADDRESS": "STREET_ADDRESS",  # careguard's own recogniser (presidio has none)
    "ORGANIZATION": "ORGANIZATION",
    "TITLE": None,
    "AGE": None,
    "ZIP_CODE": None,
}
STRUCTURED_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
)
"""Identifier types the acceptance bar holds to recall >= 0.90."""

Match = Literal["overlap", "exact"]

ALSO_ACCEPTED: dict[str, frozenset[str]] = {"STREET_ADDRESS": frozenset({"LOCATION"})}
"""Gold type -> prediction types that also count (the data README's mapping)."""


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    gold: tuple[Finding, ...]  # mapped types; score 1.0


@dataclass(slots=True)
class Score:
    """Counts for one entity type (or the overall row)."""

    gold: int = 0
    pred: int = 0
    gold_found: int = 0
    pred_correct: int = 0

    @property
    def recall(self) -> float:
        return self.gold_found / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.pred_correct / self.pred if self.pred else 0.0

    @property
    def f2(self) -> float:
        p, r = self.precision, self.recall
        return 5 * p * r / (4 * p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.gold_found += other.gold_found
        self.pred_correct += other.pred_correct


def load_samples(path: Path) -> list[Sample]:
    """Read a JSON list of samples; shape problems raise :class:`InputError` naming the item."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{path}: cannot read file ({reason})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(data, list):
        raise ShapeError(f"{path}: expected a JSON list of samples", field="$")
    return [_sample(item, f"$[{i}]", path) for i, item in enumerate(data)]


def _sample(item: Any, where: str, path: Path) -> Sample:
    try:
        text = item["full_text"]
        spans = item["spans"]
        if not isinstance(text, str) or not isinstance(spans, list):
            raise TypeError
        gold = []
        for s in spans:
            mapped = ENTITY_MAP.get(str(s["entity_type"]))
            start, end = int(s["start_position"]), int(s["end_position"])
            if mapped is not None and 0 <= start < end <= len(text):
                gold.append(Finding(start, end, mapped, 1.0))
    except (KeyError, TypeError, ValueError):
        raise ShapeError(
            f"{path}: {where} needs full_text and spans with entity_type, "
            "start_position and end_position",
            field=where,
        ) from None
    return Sample(text, tuple(sorted(gold)))


def _hit(pred: Finding, gold: Finding, match: Match, strict_types: bool) -> bool:
    if pred.entity_type != gold.entity_type and (
        strict_types or pred.entity_type not in ALSO_ACCEPTED.get(gold.entity_type, ())
    ):
        return False
    a, b = pred, gold
    if match == "exact":
        return a.start == b.start and a.end == b.end
    return a.overlaps(b)


def score(
    samples: Iterable[Sample],
    predict: Callable[[str], Sequence[Finding]],
    *,
    match: Match = "overlap",
    strict_types: bool = False,
) -> dict[str, Score]:
    """Per-type counts of ``predict`` against the gold spans."""
    scores: dict[str, Score] = {}
    for sample in samples:
        preds = list(predict(sample.text))
        for g in sample.gold:
            s = scores.setdefault(g.entity_type, Score())
            s.gold += 1
            s.gold_found += any(_hit(p, g, match, strict_types) for p in preds)
        for p in preds:
            s = scores.setdefault(p.entity_type, Score())
            s.pred += 1
            s.pred_correct += any(_hit(p, g, match, strict_types) for g in sample.gold)
    return scores


@dataclass(slots=True)
class Table:
    rows: list[tuple[str, Score, bool]] = field(default_factory=list)
    overall: Score = field(default_factory=Score)


def build_table(scores: dict[str, Score], policy_entities: Collection[str]) -> Table:
    """Rows sorted by gold count; the overall row sums the policy's entity types only."""
    table = Table()
    for name, s in sorted(scores.items(), key=lambda kv: (-kv[1].gold, kv[0])):
        in_policy = name in policy_entities
        table.rows.append((name, s, in_policy))
        if in_policy:
            table.overall.add(s)
    return table


def format_table(table: Table) -> str:
    """A Markdown table (the same text goes into docs/pii-evaluation.md)."""
    lines = [
        "| entity | in policy | gold | predicted | precision | recall | F2 |",
        "|---|:-:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, s: Score, flag: str) -> str:
        return (
            f"| {name} | {flag} | {s.gold} | {s.pred} | "
            f"{s.precision:.3f} | {s.recall:.3f} | {s.f2:.3f} |"
        )

    for name, s, in_policy in table.rows:
        lines.append(row(name, s, "yes" if in_policy else "no"))
    lines.append(row("**overall (policy entities)**", table.overall, ""))
    return "\n".join(lines)
