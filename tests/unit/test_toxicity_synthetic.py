"""The synthetic toxicity set: disjoint train/valid halves, labels by kind, reproducible."""

from __future__ import annotations

import re

import pytest

from careguard.toxicity.data import gab_style
from careguard.toxicity.synthetic import KINDS, TRAIN_TEMPLATES, VALID_TEMPLATES, generate
from careguard.toxicity.synthetic_lexicon import TRAIN, VALID

_SLOT = re.compile(r"\{[A-Z]+\}")


def _wording(template: str) -> str:
    return _SLOT.sub("_", template)


def test_train_and_valid_templates_share_no_wording() -> None:
    """No template wording of the validation half appears in the training half."""
    train = {_wording(t) for ts in TRAIN_TEMPLATES.values() for t in ts if t != "{SH}"}
    valid = {_wording(t) for ts in VALID_TEMPLATES.values() for t in ts if t != "{SH}"}
    assert not train & valid


@pytest.mark.parametrize("slot", ["contempt", "vermin", "fates", "kill_verbs", "insults"])
def test_abuse_fillers_differ_between_halves(slot: str) -> None:
    """The words that make an item abusive are different in the validation half."""
    assert not set(getattr(TRAIN, slot)) & set(getattr(VALID, slot))


def test_no_text_is_in_both_halves() -> None:
    """No generated validation text is also a training text."""
    assert not {i.text for i in generate("train")} & {i.text for i in generate("valid")}


@pytest.mark.parametrize("split", ["train", "valid"])
def test_every_kind_is_generated_with_its_labels(split: str) -> None:
    """Each kind appears, and every item carries the labels of its kind."""
    items = generate(split, per_template=20)
    assert {i.kind for i in items} == set(KINDS)
    assert all((i.toxicity, i.identity_attack) == KINDS[i.kind] for i in items)


def test_self_directed_distress_is_not_toxic() -> None:
    """First-person self-hostility items are labelled non-toxic."""
    items = [i for i in generate("train") if "hate myself" in i.text.lower()]
    assert items and all(i.toxicity == 0.0 for i in items)


def test_generation_is_reproducible() -> None:
    """The same seed gives the same items in the same order."""
    assert generate("valid", seed=3) == generate("valid", seed=3)


def test_unknown_split_is_rejected() -> None:
    """Only train and valid exist."""
    with pytest.raises(ValueError, match="unknown split"):
        generate("test")


@pytest.mark.parametrize(
    ("tweet", "styled"),
    [
        ("@bob You ARE wrong!!", "<user> you are wrong ! !"),
        ("RT @bob: look http://t.co/x", "look <url>"),
        ("Fish &amp; chips", "fish & chips"),
    ],
)
def test_gab_style_lowercases_tokens_with_placeholders(tweet: str, styled: str) -> None:
    """Tweets become lower-case tokens with <user> and <url> placeholders."""
    assert gab_style(tweet) == styled
