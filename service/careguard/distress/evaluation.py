"""Evaluation: per-level precision/recall/F1, macro-F1, confusion matrix, crisis recall,
false-crisis rate, per source, next to a plain suicide-keyword baseline.

Definitions (gold and predicted levels are ranks 0..4):

- **crisis recall**: share of gold ``high``/``imminent`` predicted ``high`` or above;
- **false-crisis rate**: share of gold ``none``/``low``/``moderate`` predicted ``high`` or
  above;
- **macro-F1**: the mean F1 over the levels that occur in the gold labels (the shared dev
  split has no ``imminent`` rows, so ``imminent`` is shown but not averaged);
- **macro-F1, imminent as high**: the same after counting predicted ``imminent`` as
  ``high``, shown when the gold labels have no ``imminent`` rows (no public data set
  separates the two, so every ``imminent`` prediction is otherwise an error by
  construction).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from careguard.errors import ShapeError
from careguard.jsonl import json_objects
from careguard.levels import LEVELS, Level

__all__ = [
    "KEYWORD_PATTERN",
    "Metrics",
    "apply_adjudications",
    "keyword_level",
    "merge_imminent",
    "metrics",
    "read_adjudications",
    "read_records",
    "report",
]

KEYWORD_PATTERN = re.compile(
    r"\b(suicid\w*|kill(ing)? myself|end(ing)? (my|it) (life|all)|want(ed)? to die|wanna die"
    r"|take my (own )?life|don'?t want to (live|be alive|exist)|better off dead"
    r"|no reason to live)\b",
    re.IGNORECASE,
)
"""The baseline: the shared data's own suicidal-language pattern as a plain keyword rule."""


def keyword_level(user_texts: Iterable[str]) -> Level:
    """Baseline prediction: ``high`` when any user text matches the keyword pattern."""
    return Level.HIGH if any(KEYWORD_PATTERN.search(t) for t in user_texts) else Level.NONE


def read_records(lines: Iterable[str | bytes], where: str = "input") -> list[dict[str, Any]]:
    """Parse JSON Lines evaluation records (``messages`` + gold ``level``; ``source``)."""
    out: list[dict[str, Any]] = []
    for n, rec in json_objects(lines, where):
        _check_level(rec, n, where)
        if not isinstance(rec.get("messages"), list):
            raise ShapeError(f"{where}: line {n}: $.messages must be a list", field="$.messages")
        out.append(rec)
    return out


def _check_level(rec: dict[str, Any], n: int, where: str) -> None:
    if "level" not in rec:
        raise ShapeError(f"{where}: line {n}: $.level is missing", field="$.level")
    if rec.get("level") not in {lv.value for lv in LEVELS}:
        raise ShapeError(
            f"{where}: line {n}: $.level must be one of none, low, moderate, high, imminent",
            field="$.level",
        )


def read_adjudications(
    lines: Iterable[str | bytes], where: str = "input"
) -> dict[str, Level]:
    """Parse JSON Lines adjudications: ``id`` and the adjudicated ``level`` (other fields,
    such as ``gold`` or ``reason``, are for people and ignored)."""
    out: dict[str, Level] = {}
    for n, rec in json_objects(lines, where):
        if not isinstance(rec.get("id"), str):
            raise ShapeError(f"{where}: line {n}: $.id must be a string", field="$.id")
        _check_level(rec, n, where)
        out[rec["id"]] = Level(rec["level"])
    return out


def apply_adjudications(
    records: Sequence[dict[str, Any]], adjudications: dict[str, Level]
) -> tuple[list[dict[str, Any]], int]:
    """Copies of ``records`` with adjudicated gold levels, and how many changed. Every
    adjudicated id must name a record: a stale adjudication file is an error."""
    ids = {str(r.get("id")) for r in records}
    missing = sorted(set(adjudications) - ids)
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise ShapeError(
            f"adjudications name ids not in the records: {', '.join(missing[:3])}{more}",
            field="$.id",
        )
    out, changed = [], 0
    for r in records:
        new = adjudications.get(str(r.get("id")))
        if new is not None and new.value != r["level"]:
            r = dict(r, level=new.value)
            changed += 1
        out.append(r)
    return out, changed


@dataclass(frozen=True)
class Metrics:
    n: int
    per_level: dict[str, tuple[float, float, float, int]]
    """level -> (precision, recall, F1, gold support)."""
    macro_f1: float
    confusion: list[list[int]]
    """rows gold, columns predicted, in level order."""
    crisis_recall: float | None
    false_crisis_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "macro_f1": self.macro_f1,
            "crisis_recall": self.crisis_recall,
            "false_crisis_rate": self.false_crisis_rate,
            "per_level": {
                k: {"precision": p, "recall": r, "f1": f, "support": s}
                for k, (p, r, f, s) in self.per_level.items()
            },
            "confusion": self.confusion,
        }


def metrics(gold: Sequence[Level], pred: Sequence[Level]) -> Metrics:
    k = len(LEVELS)
    cm = [[0] * k for _ in range(k)]
    for g, p in zip(gold, pred, strict=True):
        cm[g.rank][p.rank] += 1
    per: dict[str, tuple[float, float, float, int]] = {}
    f1s = []
    for i, lv in enumerate(LEVELS):
        tp = cm[i][i]
        support = sum(cm[i])
        predicted = sum(row[i] for row in cm)
        prec = tp / predicted if predicted else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lv.value] = (prec, rec, f1, support)
        if support:
            f1s.append(f1)
    crisis = [p >= Level.HIGH for g, p in zip(gold, pred, strict=True) if g >= Level.HIGH]
    calm = [p >= Level.HIGH for g, p in zip(gold, pred, strict=True) if g < Level.HIGH]
    return Metrics(
        n=len(gold),
        per_level=per,
        macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        confusion=cm,
        crisis_recall=sum(crisis) / len(crisis) if crisis else None,
        false_crisis_rate=sum(calm) / len(calm) if calm else None,
    )


def merge_imminent(gold: Sequence[Level], pred: Sequence[Level]) -> Metrics:
    """Metrics with predicted ``imminent`` counted as ``high``."""
    return metrics(gold, [Level.HIGH if p is Level.IMMINENT else p for p in pred])


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def report(
    gold: Sequence[Level],
    pred: Sequence[Level],
    baseline: Sequence[Level],
    sources: Sequence[str],
) -> str:
    """A plain-text report: overall, per level, confusion matrices, per source."""
    ours, base = metrics(gold, pred), metrics(gold, baseline)
    merged = ""
    if not any(g is Level.IMMINENT for g in gold):
        mo_f1 = merge_imminent(gold, pred).macro_f1
        mb_f1 = merge_imminent(gold, baseline).macro_f1
        merged = f"{'macro-F1, imminent=high':24}{_fmt(mo_f1):>12}{_fmt(mb_f1):>12}"
    lines = [
        f"records: {ours.n}",
        "",
        f"{'':24}{'careguard':>12}{'keyword':>12}",
        f"{'macro-F1':24}{_fmt(ours.macro_f1):>12}{_fmt(base.macro_f1):>12}",
        *([merged] if merged else []),
        f"{'crisis recall':24}{_fmt(ours.crisis_recall):>12}{_fmt(base.crisis_recall):>12}",
        f"{'false-crisis rate':24}{_fmt(ours.false_crisis_rate):>12}"
        f"{_fmt(base.false_crisis_rate):>12}",
        "",
        f"{'level':10}{'support':>8}   {'P':>6}{'R':>7}{'F1':>7}"
        f"   {'kw P':>6}{'kw R':>7}{'kw F1':>7}",
    ]
    for lv in LEVELS:
        p, r, f, s = ours.per_level[lv.value]
        bp, br, bf, _ = base.per_level[lv.value]
        lines.append(
            f"{lv.value:10}{s:>8}   {p:6.3f}{r:7.3f}{f:7.3f}   {bp:6.3f}{br:7.3f}{bf:7.3f}"
        )
    for title, m in (("careguard", ours), ("keyword", base)):
        lines += ["", f"confusion ({title}; rows gold, columns predicted)"]
        lines.append(f"{'':10}" + "".join(f"{lv.value:>10}" for lv in LEVELS))
        for lv, row in zip(LEVELS, m.confusion, strict=True):
            lines.append(f"{lv.value:10}" + "".join(f"{c:>10}" for c in row))
    lines += [
        "",
        "per source"
        f"{'n':>21}{'macro-F1':>10}{'crisis-R':>10}{'false-cr':>10}"
        f"{'kw mF1':>10}{'kw cr-R':>10}{'kw f-cr':>10}",
    ]
    for src in sorted(set(sources)):
        idx = [i for i, s in enumerate(sources) if s == src]
        g = [gold[i] for i in idx]
        mo = metrics(g, [pred[i] for i in idx])
        mb = metrics(g, [baseline[i] for i in idx])
        lines.append(
            f"{src:23}{len(idx):>8}{_fmt(mo.macro_f1):>10}{_fmt(mo.crisis_recall):>10}"
            f"{_fmt(mo.false_crisis_rate):>10}{_fmt(mb.macro_f1):>10}"
            f"{_fmt(mb.crisis_recall):>10}{_fmt(mb.false_crisis_rate):>10}"
        )
    return "\n".join(lines)
