"""The training mix of the compact toxicity model and the validation sets it is chosen on.

Training rows:

- Davidson et al. 2017 (MIT), soft labels, rendered as lower-case tokens with ``<user>``
  placeholders (:func:`~careguard.toxicity.data.gab_style`); all hate-speech and neither rows,
  and a seeded sample of the (far more numerous) offensive ones, less a seeded dev share;
- GoEmotions (Apache-2.0) and Counsel Chat (MIT) texts from ``distress/train.jsonl`` as
  non-toxic, without profane or insulting ones (:func:`~careguard.toxicity.data.usable_negative`);
- the ``train`` half of the synthetic set (:mod:`careguard.toxicity.synthetic`).

Validation (model choice, never HateXplain): the Davidson dev rows and the ``valid`` half of
the synthetic set (other templates and fillers than the training half).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from careguard.toxicity.data import (
    LabelledText,
    gab_style,
    profanity_words,
    read_davidson,
    read_negatives,
    usable_negative,
)
from careguard.toxicity.synthetic import generate

__all__ = ["Mix", "MixSettings", "build_mix"]


@dataclass(frozen=True)
class MixSettings:
    seed: int = 13
    davidson_offensive: int = 6000
    """How many of Davidson's ~19k offensive rows to keep (all hate and neither rows are kept)."""
    dev_share: float = 0.1
    synthetic_per_template: int = 120
    synthetic_weight: int = 2
    """How many times each synthetic training item is repeated per epoch."""
    davidson_weight: int = 1
    """Repeats of the Davidson training rows (0: left out; its dev split is still measured)."""


@dataclass(frozen=True)
class Mix:
    parts: dict[str, tuple[list[LabelledText], int]]
    """Training rows by source, with how many times each row is repeated per epoch."""
    dev: dict[str, list[LabelledText]]
    counts: dict[str, int]


def _davidson(path: Path, settings: MixSettings) -> tuple[list[LabelledText], list[LabelledText]]:
    rows = read_davidson(path)
    rng = random.Random(settings.seed)
    offensive = [i for i, r in enumerate(rows) if r.toxicity - r.identity_attack > 0.5]
    keep = set(range(len(rows))) - set(offensive)
    keep |= set(rng.sample(offensive, min(settings.davidson_offensive, len(offensive))))
    chosen = [
        LabelledText(gab_style(rows[i].text), rows[i].toxicity, rows[i].identity_attack)
        for i in sorted(keep)
    ]
    rng.shuffle(chosen)
    cut = int(len(chosen) * settings.dev_share)
    return chosen[cut:], chosen[:cut]


def build_mix(davidson: Path, negatives: Path | None, settings: MixSettings = MixSettings()) -> Mix:
    """The training rows by source and the named dev sets."""
    d_train, d_dev = _davidson(davidson, settings)
    extra: list[LabelledText] = []
    if negatives is not None:
        words = profanity_words()
        extra = [
            LabelledText(t, 0.0, 0.0)
            for t in read_negatives(negatives)
            if usable_negative(t, words)
        ]
    per = settings.synthetic_per_template
    synth = [
        LabelledText(i.text, i.toxicity, i.identity_attack)
        for i in generate("train", per_template=per, seed=settings.seed)
    ]
    synth_valid = [
        LabelledText(i.text, i.toxicity, i.identity_attack)
        for i in generate("valid", per_template=max(1, per // 3), seed=settings.seed + 1)
    ]
    return Mix(
        parts={
            "davidson": (d_train, settings.davidson_weight),
            "negatives": (extra, 1),
            "synthetic": (synth, settings.synthetic_weight),
        },
        dev={"davidson": d_dev, "synthetic": synth_valid},
        counts={
            "davidson_train": len(d_train),
            "davidson_dev": len(d_dev),
            "negatives": len(extra),
            "synthetic_train": len(synth),
            "synthetic_valid": len(synth_valid),
        },
    )
