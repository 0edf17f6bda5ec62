"""A synthetic, template-based toxicity set written by the careguard team (HateCheck-style).

Content warning: the templates and word lists produce slurs and abuse.

Why: Davidson's labels (tweets sampled with a hate lexicon) do not teach what makes a post
about a group hateful rather than neutral. These templates pair each kind of abuse with hard
negatives about the same groups and words:

- toxic (``toxicity`` 1): derogatory generalisations about protected groups, dehumanising
  comparisons, calls for violence or exclusion, slurs used as attacks (these also have
  ``identity_attack`` 1), insults and threats aimed at a person;
- not toxic (0): neutral or positive statements about the same groups, news and policy talk,
  harsh but civil criticism of institutions and political camps, counter-speech and quoting
  hate to condemn it, identity self-description, first-person self-hostility from distress
  ("i hate myself", "i want to die");
- profanity aimed at no one ("this fucking traffic"): ``toxicity`` 0.2 (rude, not abuse).

A share of items of every kind is preceded by a neutral sentence (longer, mixed posts). Every
item is rendered in a random surface style (sentence case, lower case, lower-case
tokens with punctuation split off, optional ``<user>`` mentions, hashtags, ``<url>``), applied
the same way to both classes. :data:`TRAIN_TEMPLATES` and :data:`VALID_TEMPLATES` are disjoint
wordings, filled from disjoint filler lists, so ``split="valid"`` measures generalisation to
unseen wording. No dataset text was copied; this is ours to license (the careguard licence).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from careguard.toxicity.synthetic_lexicon import (
    GROUPS,
    TRAIN,
    VALID,
    Fillers,
    Group,
    singular_slur,
)

__all__ = ["KINDS", "TRAIN_TEMPLATES", "VALID_TEMPLATES", "SyntheticItem", "generate"]

KINDS: dict[str, tuple[float, float]] = {
    "hate": (1.0, 1.0),
    "insult": (1.0, 0.0),
    "group_neutral": (0.0, 0.0),
    "counter": (0.0, 0.0),
    "self": (0.0, 0.0),
    "opinion": (0.0, 0.0),
    "profane": (0.2, 0.0),
}
"""Template kind -> (toxicity, identity_attack)."""

# Slots: {P} group plural, {S} singular, {A} adjective, {SL} slur, {C} contempt, {V} vermin,
# {F} fate, {K} kill verb, {I} insult, {IA} insult adjective, {T} threat, {PL} place,
# {PR} praise, {ACT} activity, {TOP} topic, {CITY}, {N} name, {SW} swear, {TH} thing,
# {SH} first-person self-hostility, {PW} institution or political camp, {CO} complaint,
# {SLS} a slur in the singular, {CT} what a conspiracy says a group controls, {EV} what it
# blames the group for.
TRAIN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "hate": (
        "{P} are {C}",
        "all {P} are {C}.",
        "{P} are {V} and should be {F}",
        "i hate {P}, they are {C}",
        "i fucking hate {P}",
        "{P} should all be {F}",
        "we need to {K} all the {P}",
        "{P} do not belong in {PL}. send them back",
        "{SL} are ruining {PL}",
        "never trust a {S}, they are all {C}",
        "{P} are not human, they are {V}",
        "the only good {S} is a dead {S}",
        "get these {SL} out of {PL}",
        "typical {S}, {C} as always",
        "{P} breed like {V}",
        "look at this {IA} {S} lol",
        "{SL} everywhere, {PL} is finished",
        "{A} people are {V}",
        "if you see a {S} in {CITY}, {K} them",
        "{P} are {V}. {F} all of them",
        "another {S} doing what {SL} do",
        "{PL} would be better without {P}",
        "shut up you {IA} {S}",
        "saw a bunch of {SL} at the mall today",
        "my new neighbour is a {SLS}, great",
        "that {SLS} {N} thinks he is one of us",
        "{P} control {CT}",
        "{P} are behind {EV}",
        "{P} are invading {PL}",
        "{PL} is being overrun by {P}",
        "{A} invaders need to go home",
        "{P} have no place in a civilised society",
        "{P} are a threat to our women and children",
        "what do you expect from a {SLS}",
        "shut up {SLS}",
        "{N} is such a {SLS}",
    ),
    "insult": (
        "you are a {I}",
        "you're such a {IA} {I}",
        "shut up you {IA} {I}",
        "{N} is a {IA} {I}",
        "go fuck yourself you {I}",
        "nobody likes you, you {IA} {I}",
        "i will {T}",
        "<user> you {IA} {I}",
        "lol look at this {I}",
        "you {I}, kill yourself",
        "your mom is a {I}",
        "stfu {I}",
        "you are so {IA}, {N}",
    ),
    "group_neutral": (
        "{P} are {PR}",
        "many {P} live in {CITY}",
        "as a {S}, i {ACT}",
        "i am {A} and proud of it",
        "{P} have the same rights as everyone else",
        "new report on {P} and {TOP} in {CITY}",
        "my neighbours are {A} and they are {PR}",
        "the {A} community in {CITY} raised money for the hospital",
        "a {S} won the election in {CITY}",
        "we talked about {TOP} for {P} at work today",
        "{P} make up a big part of {PL}",
        "my best friend is {A}, we {ACT} together",
        "what do {P} think about {TOP}?",
        "the debate on {TOP} affects {P} too",
        "{N} said {P} in {CITY} need better {TOP}",
    ),
    "counter": (
        "calling {P} {V} is disgusting",
        "stop saying {P} are {C}, it is not true",
        "people who hate {P} are the problem",
        "someone called my friend a {S} like it was an insult. it is not",
        "it is racist to say {P} are {C}",
        "hate against {P} in {CITY} went up this year, police say",
        "police arrested a man who attacked {P} in {CITY}",
        "he called them {V}. that kind of talk leads to violence against {P}",
        "no, {P} are not {C}. they are people like us",
    ),
    "self": (
        "{SH}",
        "{SH}. i do not know what to do anymore",
        "honestly {SH}",
        "{SH} and i cannot stop crying",
        "sometimes i think {SH}",
        "{SH}, nobody should have to deal with me",
    ),
    "opinion": (
        "{PW} {CO} {TOP}",
        "i am so angry, {PW} {CO} {TOP}",
        "honestly {PW} {CO} {TOP} and everyone knows it",
        "wake up people, {PW} {CO} {TOP}!",
        "{PW} {CO} {TOP}. vote them out",
        "i hate how {PW} {CO} {TOP}",
    ),
    "profane": (
        "this {SW} {TH}",
        "{SW} {TH} again, i am so tired",
        "holy shit the {TH} was amazing",
        "what the fuck, the {TH} is late again",
        "damn that {TH} was good",
        "fuck this {TH}",
    ),
}

VALID_TEMPLATES: dict[str, tuple[str, ...]] = {
    "hate": (
        "honestly {P} are nothing but {V}",
        "{P} = {V}",
        "can not stand {P}, {C} every last one of them",
        "deport every single one of the {SL}",
        "why are {P} always so {C}",
        "{P} should be {F} tbh",
        "time to {K} the {SL}",
        "{A} scum like you should be {F}",
        "{PL} is crawling with {SL}",
        "{P} run {CT}, wake up",
        "ugh, {SL}. that is all",
        "some {SLS} cut in front of me at the store",
        "{P} caused {EV}, look it up",
        "go back to your country, {SLS}",
    ),
    "insult": (
        "what a {IA} {I} you are",
        "{N} you absolute {I}",
        "listen here you {I}",
        "i am going to {T}",
        "nobody asked you, {I}",
    ),
    "group_neutral": (
        "the {A} festival in {CITY} was great this year",
        "{P} deserve {TOP} like everybody else",
        "i grew up with {A} friends who are {PR}",
        "study finds {P} in {CITY} struggle with {TOP}",
        "being {A} is part of who i am",
        "{N} and her {A} partner moved to {CITY}",
    ),
    "counter": (
        "saying {P} are {V} is dehumanising and wrong",
        "i reported the guy who said {P} should be {F}",
        "no group deserves to be called {C}, including {P}",
        "there is no excuse for violence against {P}",
    ),
    "self": (
        "{SH}",
        "i keep thinking {SH}",
        "{SH} and i do not see the point",
    ),
    "opinion": (
        "sick of it. {PW} {CO} {TOP}",
        "{PW} {CO} {TOP}, what a joke",
        "nobody trusts {PW} anymore, it {CO} {TOP}",
    ),
    "profane": (
        "ugh this {SW} {TH}",
        "{SW} hell, the {TH} again",
        "shit, forgot about the {TH}",
    ),
}

_SLOT = re.compile(r"\{([A-Z]+)\}")
_AN = re.compile(r"\b([Aa])\s+([aeiou])")  # "a arab" -> "an arab"
_TOKEN = re.compile(r"<user>|<url>|\w+(?:'\w+)?|[^\w\s]")
_CONTEXT_KINDS = ("group_neutral", "opinion")
_CONTEXT_SHARE = 0.3
_HASHTAGS = ("#news", "#truth", "#maga", "#life", "#wtf", "#politics", "#lol", "#fact")


@dataclass(frozen=True, slots=True)
class SyntheticItem:
    """One generated text, its kind and soft targets."""

    text: str
    kind: str
    toxicity: float
    identity_attack: float


def _fill(template: str, group: Group, words: Fillers, rng: random.Random) -> str | None:
    choices: dict[str, tuple[str, ...]] = {
        "C": words.contempt, "V": words.vermin, "F": words.fates, "K": words.kill_verbs,
        "I": words.insults, "IA": words.insult_adjs, "T": words.threats, "PL": words.places,
        "PR": words.praise, "ACT": words.activities, "TOP": words.topics, "CITY": words.cities,
        "N": words.names, "SW": words.swears, "TH": words.things, "SH": words.self_hate,
        "PW": words.powers, "CO": words.complaints, "CT": words.controls, "EV": words.evils,
        "P": (group.plural,), "S": (group.singular,), "A": (group.adjective,),
        "SL": group.slurs, "SLS": tuple(singular_slur(s) for s in group.slurs),
    }  # fmt: skip
    if ("{SL}" in template or "{SLS}" in template) and not group.slurs:
        return None
    picked: dict[str, str] = {}

    def one(m: re.Match[str]) -> str:
        slot = m.group(1)
        if slot not in picked:
            picked[slot] = rng.choice(choices[slot])
        return picked[slot]

    return _AN.sub(r"\1n \2", _SLOT.sub(one, template))


def _style(text: str, rng: random.Random) -> str:
    """Render in one surface style; the same distribution for toxic and non-toxic items."""
    r = rng.random()
    if r < 0.25:
        text = text[0].upper() + text[1:]
        if text[-1].isalnum():
            text += rng.choice((".", "!", "", "..."))
    elif r < 0.55:
        text = " ".join(_TOKEN.findall(text.lower()))  # lower-case tokens, like Gab/Twitter dumps
    if rng.random() < 0.3:
        text = " ".join(["<user>"] * rng.choice((1, 1, 2, 3)) + [text])
    if rng.random() < 0.1:
        text = f"{text} {rng.choice(_HASHTAGS)}"
    if rng.random() < 0.05:
        text = f"{text} <url>"
    return text


def _items(
    templates: dict[str, tuple[str, ...]], words: Fillers, per_template: int, seed: int
) -> Iterator[SyntheticItem]:
    rng = random.Random(seed)
    context = [
        text
        for kind in _CONTEXT_KINDS
        for template in templates[kind]
        for _ in range(5)
        if (text := _fill(template, rng.choice(GROUPS), words, rng)) is not None
    ]
    for kind, group_templates in templates.items():
        toxicity, identity = KINDS[kind]
        for template in group_templates:
            for _ in range(per_template):
                text = _fill(template, rng.choice(GROUPS), words, rng)
                if text is None:
                    continue
                if rng.random() < _CONTEXT_SHARE:  # longer posts: a neutral sentence first
                    text = f"{rng.choice(context)}. {text}"
                yield SyntheticItem(_style(text, rng), kind, toxicity, identity)


def generate(
    split: str = "train", *, per_template: int = 120, seed: int = 7
) -> list[SyntheticItem]:
    """The ``train`` or ``valid`` half of the set, deduplicated, in a fixed order."""
    if split not in ("train", "valid"):
        raise ValueError(f"unknown split {split!r}")
    templates, words = (TRAIN_TEMPLATES, TRAIN) if split == "train" else (VALID_TEMPLATES, VALID)
    seen: set[str] = set()
    out: list[SyntheticItem] = []
    for item in _items(templates, words, per_template, seed):
        if item.text not in seen:
            seen.add(item.text)
            out.append(item)
    return out
