"""80 hard single messages (plus the issue's five examples) written by the rating guide, by a
writer who never saw the model or its training data: implicit plans, goodbyes, means, recent
attempts, self-harm, relayed and mixed disclosures, idiom, fiction, negation, past tense,
innocent means.

Each row expects the guide's level and, for a crisis, its subject. Rows the shipped model
gets wrong today are marked ``known_miss`` in the table and run as strict xfails: they are
the measured gap (32 of 85 on 2026-12-04), and one that starts passing fails the suite until
its mark is removed, so the table cannot drift from the truth.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from careguard.conversation import Message
from careguard.distress import build_assessor
from careguard.distress.assessor import Assessor
from careguard.policy import load_policy

pytestmark = pytest.mark.models

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "distress_hard_cases_v2.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def assessor() -> Assessor:
    return build_assessor(load_policy())


def _param(c: dict[str, Any]) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason="known miss of the shipped model")] \
        if c["known_miss"] else []
    return pytest.param(c["text"], c["level"], c["subject"], id=f"{c['kind']}:{c['text'][:40]}",
                        marks=marks)


@pytest.mark.parametrize(("text", "level", "subject"), [_param(c) for c in CASES])
def test_hard_case_v2(assessor: Assessor, text: str, level: str, subject: str) -> None:
    a = assessor.assess([Message("user", text)])
    assert a.level.value == level
    if level in ("high", "imminent"):
        assert a.subject == subject


def test_the_table_covers_every_kind_the_issue_names() -> None:
    kinds = {c["kind"] for c in CASES}
    assert {"implicit_plan", "goodbye", "means", "recent_attempt", "self_harm", "relayed",
            "idiom_hyperbole", "fiction_homework", "negation", "past_tense"} <= kinds
    assert len(CASES) >= 60
