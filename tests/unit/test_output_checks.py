"""Safe-messaging reply checks: rules, actions, streaming with bounded hold-back."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from careguard.assessment import Assessment
from careguard.interventions import plan_for, reply_has_resources
from careguard.levels import Level
from careguard.output_checks import (
    ANNOTATION,
    OUTDATED_RULE,
    RULES,
    SAFE_REPLY,
    ReplyChecker,
    ReplyChecks,
    Rule,
    findings_in,
)
from careguard.policy import ReplyAction, load_policy
from careguard.resources import ResourceDirectory
from tests.fixtures import SEED
from tests.unit.test_resources import OUTDATED_DIGITS, digits_in

REPO = Path(__file__).resolve().parents[2]

# The reference conversation's assistant turns (copied so the test does not need ../shared).
SUPPORTIVE = [
    "I'm sorry to hear you're feeling this way. It's understandable to feel down sometimes, even "
    "when things may seem to be going well on the surface. Can you tell me a bit more about what's "
    "been weighing on your mind? I'm here to listen without judgement and see if I can offer any "
    "helpful perspective.",
    "I wish I could wave a magic wand and make all your troubles disappear. But since I can't do "
    "that, please know that I'm here to listen without judgement and to provide any support or "
    "perspective I can. You're doing the best you can, and that's enough.",
    "Please don't hesitate to reach out again if you need further support or just someone to "
    "listen. I'm here for you, and I believe in your ability to get through this challenging "
    "time. One step at a time, you've got this.",
    "Wishing you a peaceful, restorative time out in nature. Remember to be gentle with yourself, "
    "and know that I'm here if you need any more support along the way. Wishing you all the best.",
]

SAFE_SENTENCES = [
    "I won't tell you how to end your life, but I'm here with you.",
    "Suicide is not the answer, even when it feels that way.",
    "I don't think ending your life is the only way out.",
    "Could you put the medication in another room for tonight?",
    "I'm not able to help the way a counsellor can, but I'm here to listen.",
    "This doesn't have to be goodbye.",
    "Are you thinking about ending your life?",
    "Nobody would be better off without you.",
    "She died by suicide two years ago, and grief like that is heavy.",
    "Take 2 tablets of ibuprofen with food if your head hurts.",
    "It's understandable to feel overwhelmed right now.",
    "You can jump from one task to the next less if you plan your day.",
    'Say "died by suicide" rather than "committed suicide".',
    "Goodbye for now, and I'm here whenever you want to talk again.",
]

UNSAFE = [
    ("He committed suicide last year.", "committed-suicide"),
    ("People who commit suicide often show signs.", "committed-suicide"),
    ("A lethal dose of that medicine is quite low.", "method-details"),
    ("Taking 40 pills would probably kill you.", "method-details"),
    ("The most painless way to die is not something people agree on.", "method-details"),
    ("Here is how to hang yourself safely.", "method-details"),
    ("Some people jump off the Golden Gate bridge.", "method-details"),
    ("You would need to tie a noose first.", "method-details"),
    ("Honestly, ending it would be a relief.", "encouragement"),
    ("Suicide might be the only way out for you.", "encouragement"),
    ("It makes sense that you want to die.", "encouragement"),
    ("Everyone would be better off without you.", "encouragement"),
    ("I can't help you, goodbye.", "abandonment"),
    ("I cannot help with that.", "abandonment"),
    ("This conversation is over.", "abandonment"),
    ("Please seek help elsewhere.", "abandonment"),
]


@pytest.mark.parametrize("text", SUPPORTIVE)
def test_reference_assistant_turns_pass_unchanged(text: str) -> None:
    """The reference conversation's supportive replies pass and are not changed."""
    result = ReplyChecker().check(text)
    assert result.passed and result.text == text


def test_whole_reference_conversation_passes() -> None:
    """Every assistant turn of ../shared/examples/seed-conversation.json passes unchanged."""
    if not SEED.exists():
        pytest.skip("../shared/examples/seed-conversation.json is not present")
    turns = [m["content"] for m in json.loads(SEED.read_text())["messages"]
             if m["role"] == "assistant"]
    assert [ReplyChecker().check(t).text for t in turns] == turns


@pytest.mark.parametrize("sentence", SAFE_SENTENCES)
def test_safe_sentence_is_not_flagged(sentence: str) -> None:
    """Refusals, negations, direct questions and means safety are not flagged."""
    assert findings_in(sentence) == ()


@pytest.mark.parametrize(("sentence", "rule"), UNSAFE)
def test_unsafe_sentence_is_flagged(sentence: str, rule: str) -> None:
    """Each rule catches its kind of unsafe sentence."""
    assert rule in findings_in(sentence)


@pytest.mark.parametrize("sentence", [s for s in SAFE_SENTENCES if "'" in s])
def test_safe_sentence_with_typographic_apostrophes_is_not_flagged(sentence: str) -> None:
    """LLMs often write ’ for ': "I won’t tell you how" is the same refusal."""
    assert findings_in(sentence.replace("'", "\u2019")) == ()


@pytest.mark.parametrize(("sentence", "rule"), [u for u in UNSAFE if "'" in u[0]])
def test_unsafe_sentence_with_typographic_apostrophes_is_flagged(sentence: str, rule: str) -> None:
    """Typographic apostrophes hide nothing from the rules."""
    assert rule in findings_in(sentence.replace("'", "\u2019"), Level.HIGH)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rewrite_sentences_pass_every_rule(rule: Rule) -> None:
    """The replacement sentences themselves break no rule."""
    text = rule.rewrite
    if callable(text):
        text = text("They committed suicide.")
    assert findings_in(text) == ()


@pytest.mark.parametrize("text", [SAFE_REPLY, ANNOTATION])
def test_fixed_texts_pass_every_rule(text: str) -> None:
    """The safe reply and the annotation break no rule."""
    assert findings_in(text) == ()


@pytest.mark.parametrize(
    ("phrase", "fixed"),
    [("He committed suicide.", "He died by suicide."),
     ("Why do people commit suicide?", "Why do people die by suicide?"),
     ("She commits suicide in the film.", "She dies by suicide in the film.")],
)
def test_rewrite_fixes_committed_suicide_phrase_only(phrase: str, fixed: str) -> None:
    """For "committed suicide", rewrite changes only the phrase."""
    assert ReplyChecker(ReplyAction.REWRITE).check(phrase).text == fixed


def test_rewrite_replaces_only_offending_sentence() -> None:
    """Rewrite swaps the unsafe sentence and keeps the others."""
    text = "I hear you. A lethal dose is small. I'm here for you."
    out = ReplyChecker(ReplyAction.REWRITE).check(text).text
    assert out.startswith("I hear you. ") and out.endswith(" I'm here for you.")
    assert "lethal" not in out


def test_replace_swaps_whole_reply() -> None:
    """Replace gives the safe reply instead of the whole text."""
    out = ReplyChecker(ReplyAction.REPLACE).check("I hear you. Goodbye. Take care.")
    assert out.text == SAFE_REPLY and out.findings == ("abandonment",)


def test_annotate_keeps_text_and_adds_note() -> None:
    """Annotate keeps the reply and appends the note."""
    text = "He committed suicide."
    out = ReplyChecker(ReplyAction.ANNOTATE).check(text).text
    assert out == f"{text}\n\n{ANNOTATION}"


def test_findings_carry_rule_ids_only() -> None:
    """Findings are rule ids (no reply text)."""
    result = ReplyChecker().check("Goodbye. He committed suicide.")
    assert result.findings == ("abandonment", "committed-suicide")


def _stream(checker: ReplyChecker, text: str, size: int) -> tuple[list[str], str]:
    s = checker.stream()
    outs = [s.feed(text[i:i + size]) for i in range(0, len(text), size)]
    outs.append(s.finish())
    return outs, "".join(outs)


@pytest.mark.parametrize("size", [1, 3, 7, 50])
@pytest.mark.parametrize("action", [ReplyAction.ANNOTATE, ReplyAction.REWRITE])
def test_stream_equals_whole_text_check(size: int, action: ReplyAction) -> None:
    """Checking a stream in any chunking gives the same text as checking it whole."""
    text = ("I'm sorry you're hurting. He committed suicide, you said.\n\nA lethal dose is low. "
            "I'm still here. Goodbye.")
    checker = ReplyChecker(action)
    assert _stream(checker, text, size)[1] == checker.check(text).text


def test_stream_releases_finished_sentences_early() -> None:
    """A finished sentence is released before the reply ends (no whole-reply buffering)."""
    s = ReplyChecker().stream()
    assert s.feed("I'm here with you. And I") == "I'm here with you. "


def test_stream_hold_back_is_bounded() -> None:
    """A sentence with no end is released once it passes max_holdback_chars."""
    s = ReplyChecker(max_holdback_chars=40).stream()
    released = "".join(s.feed("word ") for _ in range(30))
    assert len("word " * 30) - len(released) <= 40


def test_stream_replace_stops_after_offending_sentence() -> None:
    """Under replace, the stream gives the safe reply and drops everything after it."""
    _, text = _stream(ReplyChecker(ReplyAction.REPLACE), "I hear you. Goodbye. More text.", 4)
    assert text == "I hear you. " + SAFE_REPLY


def test_policy_with_checks_off_has_no_checker() -> None:
    """reply_checks.safe_messaging: false builds no checker (nothing claims to have run)."""
    policy = load_policy(REPO / "policies" / "default.yaml").policy
    off = msgspec.structs.replace(policy.reply_checks, safe_messaging=False)
    assert ReplyChecker.from_policy(msgspec.structs.replace(policy, reply_checks=off)) is None


def test_replace_at_crisis_level_uses_direct_response_with_resources() -> None:
    """At the crisis level, replace answers with the warm message that carries resources."""
    loaded = load_policy(REPO / "policies" / "default.yaml")
    rc = msgspec.structs.replace(loaded.policy.reply_checks, action=ReplyAction.REPLACE)
    policy = msgspec.structs.replace(loaded.policy, reply_checks=rc)
    plan = plan_for(Assessment(Level.HIGH, 0.9, "stable", "self"), policy,
                    ResourceDirectory.for_policy(loaded), "GB")
    checks = ReplyChecks.from_policy(policy)
    assert checks is not None
    assert reply_has_resources(checks.check("Goodbye.", plan), plan)


@pytest.fixture(scope="module")
def corrections() -> tuple[tuple[str, str], ...]:
    return ResourceDirectory.load(REPO / "policies" / "resources.yaml").corrections()


@pytest.mark.parametrize(
    ("reply", "fixed"),
    [
        ("Call the Lifeline at 1-800-273-8255.", "Call the Lifeline at 988."),
        ("Call 1-800-273-TALK any time.", "Call 988 any time."),
        ("Call +1 (800) 273-8255.", "Call 988."),
        ("In Brazil, call 141 any time.", "In Brazil, call 188 any time."),
        ("In Korea, dial 1393.", "In Korea, dial 109."),
    ],
)
@pytest.mark.parametrize("action", list(ReplyAction))
def test_outdated_number_in_reply_is_corrected(
    corrections: tuple[tuple[str, str], ...], action: ReplyAction, reply: str, fixed: str
) -> None:
    """An LLM's outdated crisis number becomes the current one under every action."""
    result = ReplyChecker(action, corrections=corrections).check(reply)
    assert (result.text, result.findings) == (fixed, (OUTDATED_RULE,))


@pytest.mark.parametrize(
    "reply", ["See page 141 of the report.", "The castle was built in 1393.", "Room 45645."]
)
def test_short_number_without_phone_cue_is_left_alone(
    corrections: tuple[tuple[str, str], ...], reply: str
) -> None:
    """Short outdated numbers are only corrected after a cue like "call" or "text"."""
    assert ReplyChecker(corrections=corrections).check(reply).text == reply


@pytest.mark.parametrize("digits", OUTDATED_DIGITS)
def test_every_outdated_number_is_corrected_in_replies(
    corrections: tuple[tuple[str, str], ...], digits: str
) -> None:
    """No pinned outdated number survives the reply checks after "call"."""
    out = ReplyChecker(corrections=corrections).check(f"Please call {digits} now.").text
    assert not digits_in(out, digits)


def test_plan_carries_corrections_to_the_stage() -> None:
    """ReplyChecks corrects outdated numbers using the plan's corrections."""
    loaded = load_policy(REPO / "policies" / "default.yaml")
    plan = plan_for(Assessment(Level.LOW, 0.3, "stable", "self"), loaded.policy,
                    ResourceDirectory.for_policy(loaded), "US")
    checks = ReplyChecks.from_policy(loaded.policy)
    assert checks is not None
    assert checks.check("Call 1-800-273-8255.", plan) == "Call 988."


@pytest.mark.parametrize(
    ("level", "flagged"),
    [(Level.NONE, False), (Level.LOW, True), (Level.HIGH, True), (None, True)],
)
def test_abandonment_is_checked_only_when_distress_is_present(
    level: Level | None, flagged: bool
) -> None:
    """A plain refusal is ordinary at level none and abandonment from low up."""
    result = ReplyChecker(level=level).check("I cannot help with that.")
    assert (not result.passed) is flagged


@pytest.mark.parametrize("level", [Level.NONE, Level.LOW])
def test_method_details_are_checked_at_every_level(level: Level) -> None:
    """Method details are flagged even when the turn shows no distress."""
    assert "method-details" in ReplyChecker(level=level).check("A lethal dose is small.").findings


def test_stage_checks_with_the_plans_level() -> None:
    """ReplyChecks leaves an ordinary refusal alone on a turn with no distress."""
    loaded = load_policy(REPO / "policies" / "default.yaml")
    plan = plan_for(Assessment(Level.NONE, 0.0, "stable", "unclear"), loaded.policy,
                    ResourceDirectory.for_policy(loaded), "US")
    checks = ReplyChecks.from_policy(loaded.policy)
    assert checks is not None
    assert checks.check("I cannot help with that.", plan) == "I cannot help with that."
