"""The rules flag live, negated, idiomatic, past, fictional and third-party mentions and
imminence markers."""

from __future__ import annotations

import pytest

from careguard.distress.normalize import normalize
from careguard.distress.rules import find

_FLAGS = (
    "live_self", "live_other", "negated", "idiom", "past", "fiction", "self_harm",
    "plan", "means", "time_frame", "preparation", "attempt", "positive_idiom",
)  # fmt: skip


def _on(text: str) -> set[str]:
    f = find(normalize(text))
    return {name for name in _FLAGS if getattr(f, name)}


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("I want to kill myself", {"live_self"}),
        ("I'm not suicidal, just tired", {"negated"}),
        ("I tried to kill myself once, in college", {"past"}),
        ("I tried to kill myself last night", {"live_self"}),
        ("I would never kill myself", {"negated"}),
        ("I don't know, I just want to die", {"live_self"}),
        ("i m trying to not kill myself it is hard", {"live_self"}),
        ("this exam is killing me", {"idiom"}),
        ("I'm dying laughing", {"idiom", "positive_idiom"}),
        ("kill me now lol", {"idiom"}),
        ("I want to die lol this homework", {"idiom"}),
        ("Years ago I wanted to die, but I'm much better now", {"past"}),
        ("I used to be happy but now I want to die", {"live_self"}),
        ("My friend told me she wants to kill herself", {"live_other"}),
        ("my brother has been suicidal for months", {"live_other"}),
        ("My ex bf is suicidal, how do I help?", {"live_other"}),
        ("It's been 11 years since I last tried to kill myself", {"past"}),
        ("I'm writing a story where the main character wants to kill himself", {"fiction"}),
        ("Suicide prevention week starts Monday", set()),
        ("I've been cutting myself again", {"self_harm"}),
        ("I have a plan to kill myself", {"live_self", "plan"}),
        ("I don't have a plan", set()),
        ("I have the pills and I'm going to take them tonight", set()),
        (
            "I want to die. I have the pills ready and I'm going to do it",
            {"live_self", "means", "plan"},
        ),
        ("I'm going to kill myself tonight", {"live_self", "plan", "time_frame"}),
        ("I want to end my life tonight", {"live_self", "time_frame"}),
        ("I want to die right now", {"live_self"}),
        ("He told me he thought of suicide", {"live_other"}),
        ("she'd be better off dead, she says", {"live_other"}),
        ("i don t want to die", {"negated"}),
        ("I wrote my goodbye letters", {"preparation"}),
        ("I just took all my pills", {"attempt"}),
        ("never mind, forget it", set()),
        ("Lately I catch myself wishing that I would get sick and die", {"live_self"}),
        ("I hope I get cancer and die", {"live_self"}),
        ("every night I pray I die in my sleep", {"live_self"}),
        ("I wish a truck would run me over", {"live_self"}),
        ("part of me wishes something would just take me", {"live_self"}),
        ("I'm useless, I might as well be dead", {"live_self"}),
        ("nothing changes so I might as well end it all", {"live_self"}),
        ("I never wished I would die", {"negated"}),
        ("I hope I get the job and die happy", set()),
        ("I just want to get old and die in peace", set()),
        ("honestly I should be dead by now", {"live_self"}),
        ("I keep asking myself what is the point of being alive", {"live_self"}),
        ("I wish someone would put me out of my misery", {"live_self"}),
        ("the point of living well is to share it", set()),
        ("put the dog out of its misery", set()),
        ("some guy online told me to kill myself", {"fiction"}),
        ("at school I was encouraged daily to commit suicide", {"fiction"}),
        ("I told my therapist I want to die", {"live_self"}),
        ("I'm thinking about ending things with him over this", set()),
        ("I keep thinking about ending things", {"live_self"}),
        ("you might as well end it with him", set()),
        ("I don\u2019t feel suicidal at the moment", {"negated"}),
        ("lmao my phone died mid-call i want to die", {"idiom"}),
        ("haha i'm going to kill myself trying to finish this puzzle", {"idiom"}),
        ("I want to die for you, you mean everything to me", {"idiom", "positive_idiom"}),
        ("Story of a soldier who wants to kill himself after the war", {"fiction"}),
        ("in the film, played by a young actor, the son wants to end his life", {"fiction"}),
        ("I spend my nights scrolling suicide forums and crying", set()),
        ("Thinking back, nobody knew I was suicidal", {"past"}),
        ("I tried to kill myself once but my dad found me", {"past"}),
        ("the trial took 14 months and I lost my flat", set()),
        ("my sister took every opportunity to mock me", set()),
        ("I've felt empty ever since I overdosed", set()),
        ("I don't want to live with my parents anymore", set()),
        ("I don't want to live like this, something has to change", set()),
        ("I don't want to live anymore", {"live_self"}),
        ("At one point I seriously thought about killing myself", {"past"}),
        ("in 8th grade the bullies made me want to kill myself", {"past"}),
        ("every night I pray some illness snatches me away", {"live_self"}),
        ("I wish someone takes me to the beach this summer", set()),
        ("This is my goodbye note. Please don't blame yourselves.", {"preparation"}),
        ("honestly i just wanna fucking die", {"live_self"}),
        ("I'm so sick of living like this", set()),
        ("I'm so tired of living, every day is the same", {"live_self"}),
        ("I'm tired of living a lie", set()),
        ("I'm tired of life's little surprises", set()),
        ("some days I just want to sleep forever", {"live_self"}),
        ("I would love to die tonight", {"live_self", "time_frame"}),
        ("I'd rather die than go to that wedding", set()),
        ("last night i almost decided to jump into traffic", {"live_self"}),
        ("I took an OD an hour ago and feel sick", {"attempt"}),
        ("He talked to me about suicide last night", {"live_other"}),
        ("she opened up to me about wanting to die", {"live_other"}),
        ("He told me I should just kill myself", {"fiction"}),
        ("he helps me but I still want to die", {"live_self"}),
    ],
)
def test_rule_flags(text: str, flags: set[str]) -> None:
    """Each sentence raises exactly the expected rule flags."""
    assert _on(text) == flags


@pytest.mark.parametrize(
    ("text", "pleasantry"),
    [("bye", True), ("Ok thanks, bye!", True), ("Take care and bye", True),
     ("goodbye forever", False), ("thank you so much", True), ("thanks, I want to die", False)],
)  # fmt: skip
def test_pleasantry(text: str, pleasantry: bool) -> None:
    """Messages that are only greetings, thanks or goodbyes are recognised as such."""
    assert find(normalize(text)).pleasantry is pleasantry


def test_long_message_is_fast_enough() -> None:
    """A 100,000-character message is handled (no catastrophic backtracking)."""
    text = ("I am not sure what to say about all this " * 2500)[:100_000]
    assert find(text).live_self is False


def test_long_message_with_many_listener_phrases_is_handled() -> None:
    """A 32,000-character sentence full of "he talked to me" before a mention is read in one
    pass (it took 2 s, the distress deadline, when each "me" rescanned the text before it)."""
    text = ("he says i am fine and he talked to me about it " * 700)[:32_000] + " i want to die"
    assert find(text).live_self is True


def test_long_sentence_with_many_mentions_is_handled() -> None:
    """"i want to die" repeated through a 32,000-character sentence (someone in crisis may
    type just that) is read with the sentence worked out once, not once per mention (it
    took 21 s when each mention rescanned the sentence)."""
    text = ("i want to die " * 2300)[:32_000]
    assert find(text).live_self is True
