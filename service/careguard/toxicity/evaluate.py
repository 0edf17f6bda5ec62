"""Quality of a toxicity scorer next to a word-list baseline (``careguard toxicity-eval``).

- HateXplain validation (never trained on): ROC AUC toxic (hate or offensive) vs normal, and
  hate vs normal on ``identity_attack``; the threshold reaching a target precision.
- Distress posts (``distress/dev.jsonl``, levels moderate/high): the share the model calls toxic
  at the policy threshold, and the share :func:`classify_user_turn` calls ``abuse`` (the one
  that matters: self-directed hostility must not count as abuse).
The baseline (a profanity/slur word list) is measured in the same run on the same texts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from careguard.toxicity.data import profanity_words, read_distress, read_hatexplain
from careguard.toxicity.metrics import positive_rate, precision_threshold, roc_auc
from careguard.toxicity.scorer import ToxicityScorer
from careguard.toxicity.uses import classify_user_turn

__all__ = ["evaluate", "word_list_scores"]

_WORD = re.compile(r"[a-z]+")


def word_list_scores(texts: list[str]) -> list[float]:
    """Baseline: how many listed words each text contains."""
    words = profanity_words()
    return [float(sum(1 for w in _WORD.findall(t.lower()) if w in words)) for t in texts]


def evaluate(
    scorer: ToxicityScorer,
    hatexplain: Path,
    distress: Path | None,
    *,
    distress_limit: int = 400,
    target_precision: float = 0.9,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure everything above; returns a JSON-ready report."""
    posts = read_hatexplain(hatexplain)
    texts = [p.text for p in posts]
    toxic = [p.toxic for p in posts]
    log(f"hatexplain: {len(posts)} posts")
    started = time.monotonic()
    results = scorer.score(texts)
    seconds = time.monotonic() - started
    tox = [r.toxicity for r in results]
    base = word_list_scores(texts)
    hate_idx = [i for i, p in enumerate(posts) if p.label in ("hatespeech", "normal")]
    hate_gold = [posts[i].label == "hatespeech" for i in hate_idx]
    report: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "hatexplain": {
            "posts": len(posts),
            "toxic_posts": sum(toxic),
            "model_auc_toxic_vs_normal": roc_auc(tox, toxic),
            "baseline_auc_toxic_vs_normal": roc_auc(base, toxic),
            "model_auc_hate_vs_normal_identity_attack": roc_auc(
                [results[i].scores.get("identity_attack", 0.0) for i in hate_idx], hate_gold
            ),
            "baseline_auc_hate_vs_normal": roc_auc([base[i] for i in hate_idx], hate_gold),
            "model_at_policy_threshold": _confusion([r.toxic for r in results], toxic),
            "baseline_any_word": _confusion([b > 0 for b in base], toxic),
            f"model_threshold_at_precision_{target_precision}": precision_threshold(
                tox, toxic, target_precision
            ),
            "scoring_seconds": round(seconds, 1),
        },
        "threshold": scorer.threshold,
    }
    if distress is not None:
        texts_d = read_distress(distress)[:distress_limit]
        log(f"distress: {len(texts_d)} posts")
        scored = scorer.score(texts_d)
        flagged = [r.toxic for r in scored]
        kinds = [
            classify_user_turn(scorer, t, r).kind for t, r in zip(texts_d, scored, strict=True)
        ]
        report["distress"] = {
            "posts": len(texts_d),
            "model_toxic_rate": positive_rate(flagged),
            "abuse_rate_after_self_directed_check": positive_rate([k == "abuse" for k in kinds]),
            "self_directed_rate": positive_rate([k == "self_directed" for k in kinds]),
            "baseline_any_word_rate": positive_rate([b > 0 for b in word_list_scores(texts_d)]),
        }
    return report


def _confusion(pred: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(1 for p, g in zip(pred, gold, strict=True) if p and g)
    fp = sum(1 for p, g in zip(pred, gold, strict=True) if p and not g)
    fn = sum(1 for p, g in zip(pred, gold, strict=True) if g and not p)
    negatives = sum(1 for g in gold if not g)
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "false_positive_rate": fp / negatives if negatives else 0.0,
    }
