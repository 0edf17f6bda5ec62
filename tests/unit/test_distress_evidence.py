"""The crisis-content gate: the learned model alone calls a message ``high`` only when it
holds some death/suicide/self-harm content; plain sadness is at least ``low``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from careguard.distress.evidence import has_crisis_words
from careguard.distress.message import NO_EVIDENCE_MIN_WORDS, combine
from careguard.distress.model import DistressModel, fit
from careguard.distress.normalize import normalize
from careguard.distress.rules import find
from careguard.levels import Level

LONG_SAD = " ".join(["everything at work and at home has gone wrong again"] * 3)
"""A 30-word message with no crisis words."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to die", True),
        ("thinking about ending it all", True),
        ("I don't want to be here anymore", True),
        ("there's no reason to live", True),
        ("everyone would be better off without me", True),
        ("nobody would miss me if I was gone", True),
        ("I wish I could sleep forever", True),
        ("I've been cutting myself again", True),
        ("I have a rope", True),
        ("I can't go on", True),
        ("I feel really sad and lonely", False),
        ("I've felt hopeless for months", False),
        ("work is stressing me out and I'm sad", False),
        ("I feel so down today, nothing is going right", False),
        ("what's the weather like tomorrow?", False),
    ],
)
def test_crisis_words(text: str, expected: bool) -> None:
    """The lexicon finds death/suicide/self-harm content and nothing in plain sadness."""
    assert has_crisis_words(normalize(text)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I feel so down today", True),
        ("I've been feeling really hopeless", True),
        ("I'm so stressed", True),
        ("I'm not sad", False),
        ("I'm down for pizza", False),
        ("I'm alone at home tonight", False),
    ],
)
def test_sadness_flag(text: str, expected: bool) -> None:
    """First-person sadness in plain words is flagged; negation and slang are not."""
    assert find(normalize(text)).sadness is expected


def _model(penalty: float = 2.0) -> DistressModel:
    """A model whose only role here is its offsets and penalty (``combine`` reads no
    weights)."""
    return DistressModel({}, no_evidence_penalty=penalty)


HIGH_LEANING = np.array([0.2, 0.05, 0.15, 0.6], np.float32)
"""Probabilities where ``high`` wins by log(0.6 / 0.2) = 1.1 log-odds."""


def test_short_message_without_crisis_words_is_capped_below_high() -> None:
    """A short message the model calls high, with no crisis words, takes the model's best
    level below high, and at least low (here none is second best)."""
    r = combine(HIGH_LEANING, find(normalize("I feel really sad and lonely")), _model(0.0))
    assert r.level is Level.LOW
    assert "rule:no_crisis_words" in {s.name for s in r.signals}


def test_capped_message_keeps_the_models_second_level() -> None:
    """When moderate is the model's best level below high, a capped message is moderate."""
    moderate_second = np.array([0.05, 0.1, 0.3, 0.55], np.float32)
    r = combine(moderate_second, find(normalize("everything went wrong today")), _model(0.0))
    assert r.level is Level.MODERATE


def test_short_message_with_crisis_words_stays_high() -> None:
    """With crisis words, the model's high stands (here no rule fires: 'can't go on')."""
    f = find(normalize("honestly I can't go on"))
    assert not f.live_self
    assert combine(HIGH_LEANING, f, _model()).level is Level.HIGH


def test_long_message_high_when_it_clears_the_penalty() -> None:
    """A long message without crisis words stays high when the model clears the penalty."""
    f = find(normalize(LONG_SAD))
    assert f.words >= NO_EVIDENCE_MIN_WORDS and not f.crisis_words
    assert combine(HIGH_LEANING, f, _model(1.0)).level is Level.HIGH


def test_long_message_below_high_when_it_does_not_clear_the_penalty() -> None:
    """A long message without crisis words drops below high when the penalty outweighs it."""
    f = find(normalize(LONG_SAD))
    assert combine(HIGH_LEANING, f, _model(2.0)).level is Level.LOW


def test_plain_sadness_is_at_least_low() -> None:
    """'I feel so down today' is low even when the model says none."""
    none_leaning = np.array([0.9, 0.05, 0.03, 0.02], np.float32)
    r = combine(none_leaning, find(normalize("I feel so down today")), _model())
    assert r.level is Level.LOW


def test_penalty_round_trips(tmp_path: Path) -> None:
    """The no-evidence penalty is saved with the weights and loaded back."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype(np.float32)
    y = rng.integers(0, 4, 40).astype(np.int64)
    DistressModel(fit(x, y, epochs=1), no_evidence_penalty=3.0).save(tmp_path / "m.npz")
    assert DistressModel.load(tmp_path / "m.npz").no_evidence_penalty == 3.0


def test_sample_weight_zero_drops_rows() -> None:
    """Rows with weight 0 do not move the fit: the result equals a fit without them."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (np.arange(64) % 4).astype(np.int64)
    noise = rng.standard_normal((64, 4)).astype(np.float32) * 5
    w = np.r_[np.ones(64), np.zeros(64)].astype(np.float32)
    both = fit(np.r_[x, noise], np.r_[y, y[::-1]], epochs=3, batch=256, l2=0.0, sample_weight=w)
    alone = fit(x, y, epochs=3, batch=256, l2=0.0)
    assert np.allclose(both["W"], alone["W"], atol=1e-5)
