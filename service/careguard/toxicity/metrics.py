"""Small, dependency-free quality metrics (ROC AUC, rates) for the toxicity evaluation."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["positive_rate", "precision_threshold", "roc_auc"]


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        raise ValueError("ROC AUC needs both classes")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mid_rank = (i + j) / 2 + 1  # 1-based average rank of the tie group
        rank_sum += mid_rank * sum(1 for k in order[i : j + 1] if labels[k])
        i = j + 1
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def positive_rate(flags: Sequence[bool]) -> float:
    """Share of True values (0.0 for an empty sequence)."""
    return sum(1 for f in flags if f) / len(flags) if flags else 0.0


def precision_threshold(
    scores: Sequence[float], labels: Sequence[bool], target: float
) -> tuple[float, float, float] | None:
    """Lowest threshold whose precision is >= ``target``: (threshold, precision, recall)."""
    pos = sum(1 for y in labels if y)
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    tp = fp = 0
    best: tuple[float, float, float] | None = None
    for k, (s, y) in enumerate(pairs):
        tp += y
        fp += not y
        if k + 1 < len(pairs) and pairs[k + 1][0] == s:
            continue  # decide only at the end of a tie group
        if tp / (tp + fp) >= target:
            best = (s, tp / (tp + fp), tp / pos if pos else 0.0)
    return best
