"""ROC AUC and precision-threshold helpers of the toxicity evaluation."""

from __future__ import annotations

import pytest

from careguard.toxicity.metrics import positive_rate, precision_threshold, roc_auc


@pytest.mark.parametrize(
    ("scores", "labels", "auc"),
    [
        ([0.1, 0.2, 0.8, 0.9], [False, False, True, True], 1.0),
        ([0.9, 0.8, 0.2, 0.1], [False, False, True, True], 0.0),
        ([0.5, 0.5, 0.5, 0.5], [False, True, False, True], 0.5),
        ([0.1, 0.4, 0.35, 0.8], [False, False, True, True], 0.75),
        ([0.2, 0.3, 0.3, 0.9], [False, False, True, True], 0.875),
    ],
)
def test_roc_auc_matches_hand_computed_values(
    scores: list[float], labels: list[bool], auc: float
) -> None:
    """ROC AUC equals the share of (positive, negative) pairs ranked right, ties half."""
    assert roc_auc(scores, labels) == pytest.approx(auc)


def test_roc_auc_needs_both_classes() -> None:
    """ROC AUC of a single class is an error, not a number."""
    with pytest.raises(ValueError, match="both classes"):
        roc_auc([0.1, 0.2], [True, True])


def test_precision_threshold_picks_lowest_threshold_meeting_target() -> None:
    """The chosen threshold is the lowest one whose precision reaches the target."""
    scores = [0.9, 0.8, 0.7, 0.6, 0.5]
    labels = [True, True, False, True, False]
    assert precision_threshold(scores, labels, 0.75) == pytest.approx((0.6, 0.75, 1.0))


def test_positive_rate_of_empty_is_zero() -> None:
    """The rate of an empty sequence is 0.0 rather than a division error."""
    assert (positive_rate([]), positive_rate([True, False, False, False])) == (0.0, 0.25)
