"""Span-level scoring for eval-pii."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careguard.errors import InputError, ShapeError
from careguard.pii.evaluation import Sample, Score, build_table, format_table, load_samples, score
from careguard.pii.spans import Finding


def _sample(text: str, *gold: tuple[str, str]) -> Sample:
    spans = []
    for kind, value in gold:
        start = text.index(value)
        spans.append(Finding(start, start + len(value), kind, 1.0))
    return Sample(text, tuple(spans))


def test_overlap_match_counts_recall_and_precision() -> None:
    """An overlapping same-type prediction finds the gold span; a stray one is a false hit."""
    sample = _sample("Anna Berg met Bob", ("PERSON", "Anna Berg"), ("PERSON", "Bob"))
    preds = [Finding(0, 4, "PERSON", 0.9), Finding(10, 13, "LOCATION", 0.9)]
    s = score([sample], lambda _t: preds)
    assert (s["PERSON"].gold, s["PERSON"].gold_found) == (2, 1)
    assert (s["LOCATION"].pred, s["LOCATION"].pred_correct) == (1, 0)


def test_exact_match_needs_identical_offsets() -> None:
    """With match='exact' a partial overlap is a miss."""
    sample = _sample("Anna Berg", ("PERSON", "Anna Berg"))
    s = score([sample], lambda _t: [Finding(0, 4, "PERSON", 0.9)], match="exact")
    assert s["PERSON"].gold_found == 0


@pytest.mark.parametrize(("strict", "found"), [(False, 1), (True, 0)])
def test_location_matches_street_address_unless_strict(strict: bool, found: int) -> None:
    """A LOCATION prediction on a gold STREET_ADDRESS counts, as the data README maps it."""
    address = "12 Main Street, Springfield"
    sample = _sample(address, ("STREET_ADDRESS", address))
    preds = [Finding(16, 27, "LOCATION", 0.9)]
    s = score([sample], lambda _t: preds, strict_types=strict)
    assert s["STREET_ADDRESS"].gold_found == found


@pytest.mark.parametrize(
    ("counts", "p", "r", "f2"),
    [((10, 10, 10, 10), 1.0, 1.0, 1.0), ((10, 5, 5, 5), 1.0, 0.5, 0.5 * 5 / 4.5), ((0, 0, 0, 0),
     0.0, 0.0, 0.0)],
)  # fmt: skip
def test_score_formulas(counts: tuple[int, int, int, int], p: float, r: float, f2: float) -> None:
    """precision, recall and F2 (recall weighted twice)."""
    s = Score(*counts)
    assert (s.precision, s.recall) == (p, r)
    assert s.f2 == pytest.approx(f2)


def test_overall_row_sums_policy_entities_only() -> None:
    """The overall row adds up only the types the policy detects."""
    table = build_table({"PERSON": Score(4, 4, 2, 4), "NRP": Score(10, 0, 0, 0)}, {"PERSON"})
    assert (table.overall.gold, table.overall.gold_found) == (4, 2)
    assert "| NRP | no |" in format_table(table)


def test_load_samples_maps_dataset_types(tmp_path: Path) -> None:
    """GPE becomes LOCATION, DOMAIN_NAME becomes URL, TITLE is not scored."""
    p = tmp_path / "s.json"
    text = "Jo in Oslo, CEO, see a.com"
    spans = [
        {"entity_type": t, "entity_value": v, "start_position": text.index(v),
         "end_position": text.index(v) + len(v)}
        for t, v in [("GPE", "Oslo"), ("TITLE", "CEO"), ("DOMAIN_NAME", "a.com")]
    ]  # fmt: skip
    p.write_text(json.dumps([{"full_text": text, "spans": spans}]))
    (sample,) = load_samples(p)
    assert [g.entity_type for g in sample.gold] == ["LOCATION", "URL"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"{", InputError),
        (b"\xff", InputError),
        (b"{}", ShapeError),
        (b'[{"spans": []}]', ShapeError),
    ],
)
def test_load_samples_rejects_bad_files(tmp_path: Path, content: bytes, error: type) -> None:
    """Unreadable or mis-shaped sample files raise careguard's input errors."""
    p = tmp_path / "s.json"
    p.write_bytes(content)
    with pytest.raises(error):
        load_samples(p)
