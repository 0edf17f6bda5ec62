"""Evaluation figures: per-level P/R/F1, macro-F1 over gold levels, crisis recall and
false-crisis rate, and the keyword baseline."""

from __future__ import annotations

import pytest

from careguard.distress.evaluation import (
    apply_adjudications,
    keyword_level,
    merge_imminent,
    metrics,
    read_adjudications,
    read_records,
)
from careguard.errors import InputError, ShapeError
from careguard.levels import Level

N, L, M, H, IMM = Level.NONE, Level.LOW, Level.MODERATE, Level.HIGH, Level.IMMINENT


def test_crisis_recall_counts_high_or_above() -> None:
    """Predicting imminent for gold high counts towards crisis recall."""
    m = metrics([H, H, IMM, H], [IMM, H, M, L])
    assert m.crisis_recall == pytest.approx(2 / 4)


def test_false_crisis_rate_counts_calm_predicted_high() -> None:
    """Gold none/low/moderate predicted high or above are false crises."""
    m = metrics([N, L, M, M], [H, L, IMM, M])
    assert m.false_crisis_rate == pytest.approx(2 / 4)


def test_macro_f1_averages_levels_present_in_gold() -> None:
    """Levels without gold rows do not enter macro-F1."""
    m = metrics([N, N, H, H], [N, N, H, H])
    assert m.macro_f1 == pytest.approx(1.0)
    assert m.per_level["imminent"][3] == 0


def test_confusion_rows_are_gold() -> None:
    """confusion[gold][pred] counts."""
    m = metrics([N, H], [L, H])
    assert m.confusion[0][1] == 1 and m.confusion[3][3] == 1


@pytest.mark.parametrize(
    ("texts", "level"),
    [(["i want to die"], H), (["This exam is killing me"], N), (["hello", "suicidal"], H)],
)
def test_keyword_baseline(texts: list[str], level: Level) -> None:
    """The baseline says high exactly when a keyword matches."""
    assert keyword_level(texts) is level


def test_read_records_rejects_unknown_level() -> None:
    """A record with a level outside the ladder is a shape error naming the line."""
    with pytest.raises(ShapeError, match="line 1"):
        read_records(['{"messages": [], "level": "severe"}'])


def test_read_records_rejects_bad_json() -> None:
    """Invalid JSON is an input error naming the line."""
    with pytest.raises(InputError, match="line 2"):
        read_records(['{"messages": [], "level": "none"}', "{nope"])


def test_merge_imminent_counts_imminent_as_high() -> None:
    """With imminent counted as high, a gold-high/predicted-imminent row is a hit."""
    assert merge_imminent([H, N], [IMM, N]).macro_f1 == pytest.approx(1.0)


def test_adjudications_replace_gold_levels_by_id() -> None:
    """An adjudication file's level replaces the gold level of the record with that id."""
    records = [
        {"id": "a", "level": "moderate", "messages": []},
        {"id": "b", "level": "none", "messages": []},
    ]
    adj = read_adjudications(['{"id": "a", "level": "high", "reason": "present ideation"}'])
    out, replaced = apply_adjudications(records, adj)
    assert [r["level"] for r in out] == ["high", "none"] and replaced == 1
    assert records[0]["level"] == "moderate"  # the input records are not changed


def test_adjudication_with_unknown_level_is_an_error() -> None:
    """An adjudication whose level is not on the ladder stops with the line number."""
    with pytest.raises(ShapeError, match="line 1"):
        read_adjudications(['{"id": "a", "level": "severe"}'])


def test_adjudication_for_an_absent_id_is_an_error() -> None:
    """An adjudication naming no record in the file is reported, not silently ignored."""
    adj = read_adjudications(['{"id": "zz", "level": "high"}'])
    with pytest.raises(ShapeError, match="zz"):
        apply_adjudications([{"id": "a", "level": "none", "messages": []}], adj)
