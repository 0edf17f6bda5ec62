"""The numpy classifier learns, and its weights round-trip through the .npz file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from careguard.distress.model import DistressModel, fit


def _toy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4, 8)).astype(np.float32) * 3
    y = rng.integers(0, 4, 800)
    x = (centres[y] + rng.standard_normal((800, 8))).astype(np.float32)
    return x, y.astype(np.int64)


def test_logistic_regression_learns_separable_classes() -> None:
    """On well-separated clusters the fitted model is over 90% accurate."""
    x, y = _toy()
    model = DistressModel(fit(x, y, epochs=30, lr=1e-2))
    assert float(np.mean(model.decide(model.proba(x)) == y)) > 0.9


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    """A saved model loads with the same probabilities, temperature and offsets."""
    x, y = _toy()
    model = DistressModel(fit(x, y, hidden=8, epochs=2), temperature=1.5, meta={"k": 1})
    model.offsets[3] = 0.5
    model.save(tmp_path / "m.npz")
    again = DistressModel.load(tmp_path / "m.npz")
    assert np.allclose(again.proba(x), model.proba(x))
    assert again.temperature == 1.5 and again.offsets[3] == 0.5 and again.meta == {"k": 1}
