"""The training mix: Davidson sampled and split, clean negatives only, synthetic repeated."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from careguard.toxicity.mix import MixSettings, build_mix


def _davidson(path: Path, hate: int, offensive: int, neither: int) -> Path:
    rows = [(3, 0, 0, f"neutral tweet {i}") for i in range(neither)]
    rows += [(3, 3, 0, f"hateful tweet {i}") for i in range(hate)]
    rows += [(3, 0, 3, f"offensive tweet {i}") for i in range(offensive)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["", "count", "hate_speech", "offensive_language", "neither", "class", "tweet"]
        )
        for i, (count, h, o, text) in enumerate(rows):
            out.writerow([i, count, h, o, count - h - o, 0, text])
    return path


def _negatives(path: Path, texts: list[str]) -> Path:
    recs = [{"source": "goemotions", "messages": [{"role": "user", "content": t}]} for t in texts]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


@pytest.fixture
def settings() -> MixSettings:
    return MixSettings(davidson_offensive=5, dev_share=0.2, synthetic_per_template=2)


def test_davidson_dev_rows_are_not_trained_on(tmp_path: Path, settings: MixSettings) -> None:
    """No Davidson dev text is among the training rows."""
    mix = build_mix(_davidson(tmp_path / "d.csv", 10, 40, 10), None, settings)
    train = {r.text for r in mix.parts["davidson"][0]}
    assert mix.dev["davidson"] and not train & {r.text for r in mix.dev["davidson"]}


def test_offensive_rows_are_sampled_hate_and_neither_kept(
    tmp_path: Path, settings: MixSettings
) -> None:
    """All hate and neither rows are kept, offensive ones only up to the sample size."""
    mix = build_mix(_davidson(tmp_path / "d.csv", 10, 40, 10), None, settings)
    rows = mix.parts["davidson"][0] + mix.dev["davidson"]
    assert sum("offensive" in r.text for r in rows) == 5
    assert sum("hateful" in r.text for r in rows) == 10
    assert sum("neutral" in r.text for r in rows) == 10


def test_profane_negatives_are_left_out(tmp_path: Path, settings: MixSettings) -> None:
    """Extra non-toxic texts with profanity or insults are not used as non-toxic examples."""
    neg = _negatives(tmp_path / "n.jsonl", ["what a lovely day", "you idiot", "this shit again"])
    mix = build_mix(_davidson(tmp_path / "d.csv", 2, 2, 2), neg, settings)
    assert [r.text for r in mix.parts["negatives"][0]] == ["what a lovely day"]


def test_synthetic_rows_carry_the_configured_weight(tmp_path: Path) -> None:
    """Synthetic training rows are repeated synthetic_weight times per epoch."""
    settings = MixSettings(synthetic_per_template=2, synthetic_weight=3)
    mix = build_mix(_davidson(tmp_path / "d.csv", 2, 2, 2), None, settings)
    rows, repeat = mix.parts["synthetic"]
    assert rows and repeat == 3
    assert mix.counts["synthetic_train"] == len(rows)
