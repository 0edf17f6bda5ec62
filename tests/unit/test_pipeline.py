"""Tests for careguard.pipeline: the per-turn orchestration with the real stages."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import time
from collections.abc import Sequence
from typing import Any

import anyio
import msgspec
import pytest

from careguard.adapters import parse_request
from careguard.conversation import Message
from careguard.errors import StageError, StageTimeout
from careguard.levels import Level
from careguard.pipeline import Pipeline, Stages, TurnContext, build_stages, conversation_key
from careguard.policy import FailureMode, LoadedPolicy, StageSettings, load_policy

NAME = "Margaret Thornbury"
CRISIS = "I can't go on anymore. I have decided to kill myself tonight."
PLACEHOLDER = re.compile(r"<PERSON_[A-Z0-9]+>")


@pytest.fixture(scope="module")
def stages() -> Stages:
    return build_stages(load_policy())


def policy_with(**sections: dict[str, Any]) -> LoadedPolicy:
    base = load_policy()
    changes = {n: msgspec.structs.replace(getattr(base.policy, n), **f)
               for n, f in sections.items()}
    return LoadedPolicy(msgspec.structs.replace(base.policy, **changes), base.source)


def prepare(pipeline: Pipeline, messages: list[dict[str, Any]], *, api: Any = "openai",
            country: str = "US", cid: str | None = None) -> Any:
    ex = parse_request(api, {"model": "m", "messages": copy.deepcopy(messages)})
    return anyio.run(pipeline.prepare, ex, TurnContext("r1", country, cid))


class Spy:
    """Wraps a real stage object and records the calls to one method."""

    def __init__(self, real: Any, method: str, *, delay: float = 0.0, fail: bool = False):
        self.real, self.method, self.delay, self.fail = real, method, delay, fail
        self.calls: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.real, name)
        if name != self.method:
            return target

        def wrapped(*args: Any, **kw: Any) -> Any:
            self.calls.append(args)
            time.sleep(self.delay)
            if self.fail:
                raise RuntimeError("stage down")
            return target(*args, **kw)

        return wrapped


pytestmark = pytest.mark.models


def test_history_is_redacted_with_one_placeholder_per_value(stages: Stages) -> None:
    """A name in two messages becomes the same placeholder in both; the name never leaves."""
    turn = prepare(Pipeline(stages), [
        {"role": "user", "content": f"Hi, I'm {NAME}."},
        {"role": "assistant", "content": f"Hello {NAME}, how are you?"},
        {"role": "user", "content": "Not great today."},
    ])
    sent = json.dumps(turn.exchange.body)
    assert NAME not in sent
    sent_msgs = [m for m in turn.exchange.body["messages"] if m["role"] != "system"]
    first = PLACEHOLDER.findall(sent_msgs[0]["content"])
    second = PLACEHOLDER.findall(sent_msgs[1]["content"])
    assert first and first == second
    assert turn.redactions >= 2


def test_distress_is_assessed_on_the_original_text(stages: Stages) -> None:
    """The assessor gets the user's words before redaction."""
    spy = Spy(stages.assessor, "assess")
    prepare(Pipeline(dataclasses.replace(stages, assessor=spy)),
            [{"role": "user", "content": f"I'm {NAME} and I feel low."}])
    (messages,) = spy.calls[0]
    assert messages[-1] == Message("user", f"I'm {NAME} and I feel low.")


def test_crisis_turn_injects_local_resources_and_guarantees_them(stages: Stages) -> None:
    """At the crisis level the system prompt gets the country's lines and the reply must too."""
    turn = prepare(Pipeline(stages), [{"role": "user", "content": CRISIS}], country="GB")
    assert turn.level >= Level.HIGH
    assert turn.guarantee
    system = turn.exchange.body["messages"][0]
    assert system["role"] == "system" and "116 123" in system["content"]


def test_neutral_turn_changes_nothing_but_personal_data(stages: Stages) -> None:
    """A neutral turn without personal data is forwarded exactly as sent."""
    messages = [{"role": "user", "content": "Please convert five kilometres to miles."}]
    turn = prepare(Pipeline(stages), messages)
    assert turn.level is Level.NONE
    assert turn.exchange.body["messages"] == messages
    assert not turn.guarantee


def test_history_is_analysed_once(stages: Stages) -> None:
    """On the next turn only the new message goes through PII analysis."""
    spy = Spy(stages.redactor, "analyze")
    pipeline = Pipeline(dataclasses.replace(stages, redactor=spy))
    history = [{"role": "user", "content": f"I'm {NAME}."},
               {"role": "assistant", "content": "Nice to meet you."}]
    prepare(pipeline, [*history, {"role": "user", "content": "First question here."}])
    before = len(spy.calls)
    prepare(pipeline, [*history, {"role": "user", "content": "Second question now."}])
    assert len(spy.calls) - before == 1


def test_a_failing_pii_stage_fails_closed_by_default(stages: Stages) -> None:
    """Redaction that raises stops the turn with StageError (nothing to forward)."""
    broken = dataclasses.replace(stages, redactor=Spy(stages.redactor, "analyze", fail=True))
    with pytest.raises(StageError):
        prepare(Pipeline(broken), [{"role": "user", "content": "Hello, fresh text 1."}])


def test_distress_that_fails_closed_is_answered_directly(stages: Stages) -> None:
    """Distress that raises under ``failure_mode: closed``: nothing forwarded, careguard
    answers itself (not a StageError that would become a 503)."""
    broken = dataclasses.replace(stages, assessor=Spy(stages.assessor, "assess", fail=True))
    turn = prepare(Pipeline(broken), [{"role": "user", "content": "Hello, fresh text 1b."}])
    assert turn.direct


def test_distress_past_its_deadline_is_level_unknown(stages: Stages) -> None:
    """Distress over its deadline (overload) is reported as ``unknown``, not as a guess."""
    loaded = policy_with(distress={"stage": StageSettings(timeout_ms=50)})
    slow = dataclasses.replace(stages, loaded=loaded,
                               assessor=Spy(stages.assessor, "assess", delay=0.5))
    turn = prepare(Pipeline(slow), [{"role": "user", "content": "Hello, fresh text 1c."}])
    assert turn.level_name == "unknown"


def test_unassessed_turn_answers_with_the_countrys_resources(stages: Stages) -> None:
    """The direct answer when distress could not be assessed carries the country's lines."""
    broken = dataclasses.replace(stages, assessor=Spy(stages.assessor, "assess", fail=True))
    pipeline = Pipeline(broken)
    turn = prepare(pipeline, [{"role": "user", "content": "Hello, fresh text 1d."}],
                   country="GB")
    assert "116 123" in pipeline.direct_text(turn)


def test_assessed_turn_names_its_level(stages: Stages) -> None:
    """An assessed turn's level name is its level's value."""
    turn = prepare(Pipeline(stages), [{"role": "user", "content": "Hello, fresh text 1e."}])
    assert turn.level_name == turn.level.value


def test_a_failing_stage_open_is_marked_degraded(stages: Stages) -> None:
    """Under ``on_failure: open`` the turn continues and names the degraded stage."""
    loaded = policy_with(distress={"stage": StageSettings(on_failure=FailureMode.OPEN)})
    broken = dataclasses.replace(stages, loaded=loaded,
                                 assessor=Spy(stages.assessor, "assess", fail=True))
    turn = prepare(Pipeline(broken), [{"role": "user", "content": "Hello, fresh text 2."}])
    assert turn.degraded == ["distress"]
    assert turn.level is Level.NONE


def test_a_slow_stage_hits_its_deadline(stages: Stages) -> None:
    """A stage over its ``timeout_ms`` raises StageTimeout."""
    loaded = policy_with(pii={"stage": StageSettings(timeout_ms=50)})
    slow = dataclasses.replace(stages, loaded=loaded,
                               redactor=Spy(stages.redactor, "analyze", delay=0.5))
    with pytest.raises(StageTimeout):
        prepare(Pipeline(slow), [{"role": "user", "content": "Hello, fresh text 3."}])


def test_imminent_turn_under_respond_is_answered_directly(stages: Stages) -> None:
    """``imminent_action: respond`` marks the turn for a direct answer with resources."""
    loaded = policy_with(interventions={"imminent_action": "respond"})
    pipeline = Pipeline(dataclasses.replace(stages, loaded=loaded))
    turn = prepare(pipeline, [{"role": "user", "content": CRISIS}], country="GB")
    assert turn.level is Level.IMMINENT
    assert turn.direct
    assert "116 123" in pipeline.direct_text(turn)


def _restoring_turn(stages: Stages) -> tuple[Pipeline, Any, str]:
    pipeline = Pipeline(stages)
    turn = prepare(pipeline, [{"role": "user", "content": f"My name is {NAME}."}])
    placeholder = PLACEHOLDER.findall(json.dumps(turn.exchange.body))[0]
    return pipeline, turn, f"Hello {placeholder}. It is good to hear from you. Take care."


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 1000])
def test_streamed_reply_equals_the_whole_reply(stages: Stages, size: int) -> None:
    """Restoring a reply fed in chunks of any size gives the same text as the whole reply."""
    pipeline, turn, reply = _restoring_turn(stages)
    rf = pipeline.reply(turn)
    out = "".join(rf.feed(reply[i : i + size]) for i in range(0, len(reply), size)) + rf.flush()
    whole = pipeline.reply(turn).finish_json(
        "openai", {"choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}]}
    )
    assert out == whole["choices"][0]["message"]["content"]
    assert out.startswith(f"Hello {NAME}.")


@pytest.mark.parametrize(
    ("reply", "noted"),
    [("I'm here with you.", True), ("Please call 116 123 now, I'm here with you.", False)],
)
def test_resource_note_only_when_the_reply_lacks_resources(
    stages: Stages, reply: str, noted: bool
) -> None:
    """At the crisis level the note is added only to a reply without the resources."""
    pipeline = Pipeline(stages)
    turn = prepare(pipeline, [{"role": "user", "content": CRISIS}], country="GB")
    rf = pipeline.reply(turn)
    rf.feed(reply)
    rf.flush()
    assert (rf.note() is not None) is noted


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ([("user", "hi"), ("assistant", "yo"), ("user", "more")], [("user", "hi")], True),
        ([("system", "s"), ("user", "hi")], [("system", "s"), ("user", "hi"),
                                              ("assistant", "x"), ("user", "y")], True),
        ([("user", "hi")], [("user", "hello")], False),
    ],
)
def test_conversation_key_is_stable_as_history_grows(
    a: Sequence[tuple[str, str]], b: Sequence[tuple[str, str]], same: bool
) -> None:
    """The derived key depends on the opening turns only, so resent history keeps it."""

    def ex(ms: Sequence[tuple[str, str]]) -> Any:
        return parse_request("openai", {"messages": [{"role": r, "content": c} for r, c in ms]})

    assert (conversation_key(ex(a), None) == conversation_key(ex(b), None)) is same


def test_explicit_conversation_id_wins() -> None:
    """x-careguard-conversation-id decides the key, whatever the messages."""
    one = parse_request("openai", {"messages": [{"role": "user", "content": "a"}]})
    two = parse_request("openai", {"messages": [{"role": "user", "content": "b"}]})
    assert conversation_key(one, "c-1") == conversation_key(two, "c-1")


def test_crisis_turn_without_redaction_is_answered_not_forwarded(stages: Stages) -> None:
    """PII down on a crisis turn: the turn is answered directly (never forwarded, no 503)."""
    broken = dataclasses.replace(stages, redactor=Spy(stages.redactor, "analyze", fail=True))
    pipeline = Pipeline(broken)
    turn = prepare(pipeline, [{"role": "user", "content": f"I'm {NAME}. {CRISIS}"}],
                   country="GB")
    assert turn.direct
    assert turn.degraded == ["pii"]
    assert "116 123" in pipeline.direct_text(turn)


class _BrokenChecks:
    """Reply checks whose checker raises (a check that cannot run)."""

    def check(self, text: str, plan: Any = None) -> str:
        raise RuntimeError("checker down")

    def stream(self, plan: Any = None) -> Any:
        return self

    def feed(self, chunk: str) -> str:
        raise RuntimeError("checker down")

    def flush(self) -> str:
        return ""


def test_broken_reply_check_fails_closed_with_the_safe_message(stages: Stages) -> None:
    """A reply check that cannot run never passes the reply as checked: the safe message
    (with resources) takes its place and the rest of the stream is dropped."""
    pipeline = Pipeline(dataclasses.replace(stages, checks=_BrokenChecks()))
    turn = prepare(pipeline, [{"role": "user", "content": "Tell me a short story."}])
    rf = pipeline.reply(turn)
    first = rf.feed("Once upon a time. ")
    assert "Once upon" not in first
    assert first.strip() == pipeline.direct_text(turn).strip()
    assert rf.feed("More text.") == ""
    whole = pipeline.reply(turn).finish_json(
        "openai", {"choices": [{"index": 0, "message": {"content": "Once upon a time."}}]})
    assert whole["choices"][0]["message"]["content"] == pipeline.direct_text(turn)
