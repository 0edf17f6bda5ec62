"""The toxicity stage in the per-turn pipeline, with the real compact scorer (built once)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import anyio
import msgspec
import pytest

from careguard.adapters import parse_request
from careguard.errors import StageError
from careguard.levels import Level
from careguard.pipeline import Pipeline, Stages, Turn, TurnContext, build_stages
from careguard.pipeline_toxicity import (
    ANNOTATION,
    NEUTRAL_REPLY,
    REWRITTEN_SENTENCE,
    ToxicityStage,
    load_failures,
)
from careguard.policy import FailureMode, LoadedPolicy, ReplyAction, load_policy, policies_dir

pytestmark = pytest.mark.models

SELF_HOSTILE = "I hate myself so much."
ABUSE = "My coworker is a stupid bitch and I want to scream at her."
NEUTRAL = "Could you help me plan my week?"
DISTRESSED = "I've been feeling really low and alone lately."
CRISIS = "I can't go on anymore. I have decided to kill myself tonight."
KIND = "That sounds really hard, and I'm glad you told me."
DEMEANING = "Honestly, you're pathetic and you need to get over it."


def toxicity_policy(**sections: dict[str, Any]) -> LoadedPolicy:
    """toxicity.yaml without the reply-safety judge, so these tests see the toxicity stage's
    own actions (the judge also rewrites "you need to get over it"; the proxy test
    ``test_with_the_reply_safety_judge_on_too_the_insult_never_arrives`` runs both)."""
    base = load_policy(policies_dir() / "toxicity.yaml")
    rc = msgspec.structs.replace(base.policy.reply_checks, safety_model=False)
    base = LoadedPolicy(msgspec.structs.replace(base.policy, reply_checks=rc), base.source)
    changes = {n: msgspec.structs.replace(getattr(base.policy, n), **f)
               for n, f in sections.items()}
    return LoadedPolicy(msgspec.structs.replace(base.policy, **changes), base.source)


@pytest.fixture(scope="module")
def stages() -> Stages:
    return build_stages(toxicity_policy())


def with_policy(stages: Stages, **sections: dict[str, Any]) -> Pipeline:
    return Pipeline(dataclasses.replace(stages, loaded=toxicity_policy(**sections)))


def prepare(pipeline: Pipeline, text: str) -> Turn:
    body = {"model": "m", "messages": copy.deepcopy([{"role": "user", "content": text}])}
    ex = parse_request("openai", body)
    turn: Turn = anyio.run(pipeline.prepare, ex, TurnContext("r1", "US"))
    return turn


def whole_reply(pipeline: Pipeline, turn: Turn, text: str) -> str:
    reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
    out = pipeline.reply(turn).finish_json("openai", reply)
    content: str = out["choices"][0]["message"]["content"]
    return content


def test_default_policy_builds_no_toxicity_stage() -> None:
    """With toxicity off the stage is None, so no model (and no torch) is loaded for it."""
    assert ToxicityStage.build(load_policy()) is None


def test_self_directed_hostility_raises_the_level_to_moderate(stages: Stages) -> None:
    """Self-hostility alone is below moderate for the distress model; with toxicity, moderate."""
    without = prepare(Pipeline(dataclasses.replace(stages, toxicity=None)), SELF_HOSTILE)
    turn = prepare(Pipeline(stages), SELF_HOSTILE)
    assert without.level < Level.MODERATE
    assert turn.level >= Level.MODERATE
    assert "toxicity_self_directed" in [s.name for s in turn.assessment.signals]


def test_self_directed_hostility_gets_the_moderate_guideline(stages: Stages) -> None:
    """The raised level reaches the plan: the moderate guideline goes into the system block."""
    turn = prepare(Pipeline(stages), SELF_HOSTILE)
    moderate = stages.loaded.policy.interventions.guidelines[Level.MODERATE]
    assert turn.plan.guideline_ids == (moderate,)
    assert "abuse" not in turn.plan.guideline_ids


def test_abuse_of_others_adds_the_de_escalation_note(stages: Stages) -> None:
    """Hostility at someone else is not distress; it adds the ``abuse`` guideline instead."""
    turn = prepare(Pipeline(stages), ABUSE)
    system = turn.exchange.body["messages"][0]
    # not raised as self-hostility is (to moderate): the level is the distress model's own
    # reading of anger at someone else (none or low, "frustration" on the ladder)
    assert turn.level < Level.MODERATE
    assert "abuse" in turn.plan.guideline_ids
    assert system["role"] == "system" and "De-escalate" in system["content"]


def test_neutral_turn_gets_no_tone_change(stages: Stages) -> None:
    """A neutral turn gets neither the abuse note nor a raised level."""
    turn = prepare(Pipeline(stages), NEUTRAL)
    assert (turn.level, turn.plan.guideline_ids) == (Level.NONE, ())


def test_user_side_off_leaves_self_hostility_to_the_distress_model(stages: Stages) -> None:
    """``check_user: false`` scores no user turn: the level stays the distress model's."""
    turn = prepare(with_policy(stages, toxicity={"check_user": False}), SELF_HOSTILE)
    assert turn.level < Level.MODERATE


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (ReplyAction.REPLACE, NEUTRAL_REPLY),
        (ReplyAction.REWRITE, f"{KIND} {REWRITTEN_SENTENCE}"),
        (ReplyAction.ANNOTATE, f"{KIND} {DEMEANING}\n\n{ANNOTATION}"),
    ],
)
def test_demeaning_whole_reply_to_a_distressed_user_gets_the_action(
    stages: Stages, action: ReplyAction, expected: str
) -> None:
    """A non-streaming demeaning reply to a distressed user gets ``toxicity_action``."""
    pipeline = with_policy(stages, reply_checks={"toxicity_action": action})
    turn = prepare(pipeline, DISTRESSED)
    assert turn.level >= Level.LOW
    assert whole_reply(pipeline, turn, f"{KIND} {DEMEANING}") == expected


def test_replace_on_a_crisis_turn_uses_the_direct_response(stages: Stages) -> None:
    """At the crisis level ``replace`` answers with the safe direct response and resources."""
    pipeline = Pipeline(stages)
    turn = prepare(pipeline, CRISIS)
    out = whole_reply(pipeline, turn, DEMEANING)
    assert turn.plan.crisis
    assert out == pipeline.direct_text(turn)


def test_kind_reply_to_a_distressed_user_is_unchanged(stages: Stages) -> None:
    """A kind reply passes the toxicity check untouched."""
    pipeline = Pipeline(stages)
    turn = prepare(pipeline, DISTRESSED)
    assert whole_reply(pipeline, turn, KIND) == KIND


def test_reply_below_low_is_not_checked(stages: Stages) -> None:
    """With no distress (level none) a blunt reply is left alone."""
    pipeline = Pipeline(stages)
    turn = prepare(pipeline, NEUTRAL)
    assert turn.level is Level.NONE
    assert whole_reply(pipeline, turn, DEMEANING) == DEMEANING


def feed_in_chunks(filt: Any, text: str, size: int) -> list[str]:
    return [filt.feed(text[i:i + size]) for i in range(0, len(text), size)] + [filt.flush()]


def test_stream_releases_kind_sentences_before_the_end(stages: Stages) -> None:
    """Streaming checks sentence by sentence: a kind first sentence goes out before the end."""
    pipeline = Pipeline(stages)
    turn = prepare(pipeline, DISTRESSED)
    parts = feed_in_chunks(pipeline.reply(turn), f"{KIND} Tell me more. {KIND}", 7)
    released_early = "".join(parts[:-1])
    assert released_early.startswith(KIND)
    assert "".join(parts) == f"{KIND} Tell me more. {KIND}"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (ReplyAction.REPLACE, f"{KIND} \n\n{NEUTRAL_REPLY}"),
        (ReplyAction.REWRITE, f"{KIND} {REWRITTEN_SENTENCE} {KIND}"),
        (ReplyAction.ANNOTATE, f"{KIND} {DEMEANING} {KIND}\n\n{ANNOTATION}"),
    ],
)
def test_demeaning_sentence_in_a_stream_gets_the_action(
    stages: Stages, action: ReplyAction, expected: str
) -> None:
    """In a stream the toxic sentence gets the action; text already sent stays sent."""
    pipeline = with_policy(stages, reply_checks={"toxicity_action": action})
    turn = prepare(pipeline, DISTRESSED)
    filt = pipeline.reply(turn)
    out = "".join(feed_in_chunks(filt, f"{KIND} {DEMEANING} {KIND}", 5))
    assert out == expected
    assert filt.stopped is (action is ReplyAction.REPLACE)


def test_load_failure_is_reported_with_the_stage_and_a_reason() -> None:
    """Official weights that were never fetched: the stage keeps a one-line reason."""
    built = ToxicityStage.build(toxicity_policy(toxicity={"model": "original"}))
    assert built is not None and built.scorer is None
    failures = load_failures(type("S", (), {"toxicity": built})())
    assert list(failures) == ["toxicity"]
    assert "models fetch" in failures["toxicity"] and "\n" not in failures["toxicity"]


def test_load_failure_fails_closed_by_default(stages: Stages) -> None:
    """Closed (the policy's default): a turn is refused with StageError naming the stage."""
    broken = dataclasses.replace(stages, toxicity=ToxicityStage(None, "weights missing"))
    with pytest.raises(StageError) as info:
        prepare(Pipeline(broken), NEUTRAL)
    assert info.value.stage == "toxicity"


def test_load_failure_on_a_crisis_turn_is_answered_directly(stages: Stages) -> None:
    """Closed, but a crisis turn is still answered: with the direct response, not an error."""
    broken = dataclasses.replace(stages, toxicity=ToxicityStage(None, "weights missing"))
    turn = prepare(Pipeline(broken), CRISIS)
    assert turn.direct and turn.degraded == ["toxicity"]


def test_load_failure_open_proceeds_marked_degraded(stages: Stages) -> None:
    """``on_failure: open``: the turn goes on, and ``toxicity`` is named as degraded."""
    loaded = toxicity_policy(toxicity={"stage": msgspec.structs.replace(
        toxicity_policy().policy.toxicity.stage, on_failure=FailureMode.OPEN)})
    broken = dataclasses.replace(stages, loaded=loaded,
                                 toxicity=ToxicityStage(None, "weights missing"))
    turn = prepare(Pipeline(broken), NEUTRAL)
    assert turn.degraded == ["toxicity"] and not turn.direct


class BrokenScorer:
    """A scorer whose model raises on every call (e.g. out of memory mid-reply)."""

    def score(self, texts: Any) -> Any:
        raise RuntimeError("model down")


@pytest.mark.parametrize("mode", [FailureMode.CLOSED, FailureMode.OPEN])
def test_reply_scoring_failure_follows_the_failure_mode(
    stages: Stages, mode: FailureMode
) -> None:
    """A kind reply the model cannot score: closed, the safe reply; open, as is but degraded."""
    stage = msgspec.structs.replace(toxicity_policy().policy.toxicity.stage, on_failure=mode)
    pipeline = with_policy(stages, toxicity={"stage": stage, "check_user": False})
    turn = prepare(pipeline, DISTRESSED)
    broken = Pipeline(dataclasses.replace(pipeline.stages,
                                          toxicity=ToxicityStage(BrokenScorer())))
    out = whole_reply(broken, turn, f"{KIND} Tell me more about it.")
    if mode is FailureMode.CLOSED:
        assert out == NEUTRAL_REPLY and turn.degraded == []
    else:
        assert out == f"{KIND} Tell me more about it." and turn.degraded == ["toxicity"]


def test_reply_filter_says_it_runs_models_when_toxicity_checks_the_reply(stages: Stages) -> None:
    """A distressed turn's reply is scored by the model, so its filter asks to be run off
    the event loop; the same turn without the toxicity stage does not."""
    turn = prepare(Pipeline(stages), DISTRESSED)
    assert Pipeline(stages).reply(turn).runs_models
    plain = Pipeline(dataclasses.replace(stages, toxicity=None))
    assert not plain.reply(prepare(plain, DISTRESSED)).runs_models
