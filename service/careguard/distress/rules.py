"""Explicit rules for what the training data cannot teach.

The rules read normalised text (see :mod:`careguard.distress.normalize`) sentence by
sentence and return :class:`RuleFindings`: fixed flags, never text. They find

- **suicidal language** and say for each mention whether it is *live* (first person,
  present) or neutralised by **negation** ("I'm not suicidal"), **idiom/hyperbole** ("this
  exam is killing me", "kill me now lol"), **past tense** ("years ago I wanted to die"),
  **fiction/academic/quoted** framing ("my character wants to die", "an essay on suicide"),
  and whether it is about **someone else** ("my friend wants to kill herself");
- **self-harm** language;
- **imminence** markers: a plan, means, a time frame, preparatory acts, an attempt in
  progress. No training row is labelled ``imminent``; these markers lift ``high`` to it.

All patterns are linear-time regular expressions over bounded windows (no nested
quantifiers), so a 100,000-character message costs milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RuleFindings", "find"]

_F = re.IGNORECASE

_SENTENCES = re.compile(r"[^.!?\n]+[.!?\n]*")

# Suicidal language in the first person (self) or about a named third party (other).
_SELF = re.compile(
    r"\b(?:kill(?:ing)? ?my ?self|kms|end(?:ing)? (?:my|it) (?:own )?(?:life|all)|end it"
    r"|take (?:my|my own) life|(?:want|wanted|wanting|need) to die|wanna die"
    r"|(?:wish|wished|hope) (?:i (?:was|were|could be) dead|i (?:was|were)n'?t (?:alive|born|here)"
    r"|i (?:could|would) die|to die|i never woke up|i could disappear forever)"
    r"|don'?t want to (?:live|be alive|exist|be here|wake up|go on)"
    r"|(?:i'?d|i would|i'?m|i am|be) better off dead|no (?:reason|point) (?:to|in) (?:live|living|going on)"
    r"|unalive my ?self|(?:hang|shoot|drown|hurt) my ?self to death|suicidal|suicide"
    r"|(?:sleep|go to sleep) and never wake up|not (?:want to )?be (?:here|alive) anymore"
    r"|can'?t (?:go on|keep going|do this anymore) (?:living|anymore)|end(?:ing)? (?:my|this) pain for good"
    r"|jump (?:off|in front of)|overdos(?:e|ing))\b",
    _F,
)
_OTHER = re.compile(
    r"\b(?:kill(?:ing)? (?:him|her|them)sel(?:f|ves)|end(?:ing)? (?:his|her|their) (?:own )?life"
    r"|take (?:his|her|their) (?:own )?life|(?:he|she|they|friend|brother|sister|mom|mum|dad|son"
    r"|daughter|partner|boyfriend|girlfriend|wife|husband|roommate|cousin)(?:'s| is| are|'re| has been"
    r"| have been| was| were)? ?(?:been )?(?:suicidal|wants? to die|wanted to die|talking about (?:suicide|dying|killing))"
    r"|(?:he|she|they) (?:said|says|told me|keeps saying|texted me) (?:that )?(?:he|she|they) (?:wants?|wanted|is going|was going) to (?:die|end it|kill))\b",
    _F,
)
_SELF_HARM = re.compile(
    r"\b(?:cut(?:ting)?|burn(?:ing)?|hurt(?:ing)?|harm(?:ing)?|scratch(?:ing)?) my ?self\b"
    r"|\bself[- ]?harm(?:ing)?\b|\brelapsed? (?:on|into) (?:cutting|self[- ]?harm)\b",
    _F,
)
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|don'?t|do not|didn'?t|won'?t|wouldn'?t|isn'?t|am not|i'?m not"
    r"|no|nor|without|stopped|quit)\b(?:[ ]+(?!and\b|but\b|so\b)[\w']+){0,2}[ ]*$",
    _F,
)
_IDIOM = re.compile(
    r"\b(?:(?:is|are|was|were|it'?s|that'?s|this|these|those|heat|work|job|exam|homework|traffic"
    r"|boss|kids|feet|back|head|legs) (?:\w+ )?killing me|killing me (?:softly|lol|haha)"
    r"|dying (?:of|from|with) (?:laughter|laughing|embarrassment|boredom|cringe|curiosity|heat)"
    r"|(?:i'?m |im )?dying (?:laughing|lol|lmao|haha)|dead (?:lol|lmao|haha|💀)|i'?m dead(?: lol| 😂| 💀| lmao)"
    r"|kill me now(?: lol| lmao| haha| 😂)?|kill for (?:a|some|that)|to die for|dying to (?:see|try|know|meet|go|get|hear|watch|tell)"
    r"|(?:bored|scared|sick|tired|worried) to death|killed it|drop dead gorgeous|could just die"
    r"|(?:i'?ll|i will|gonna|going to) (?:kill|murder) (?:him|her|you|them)|my (?:mom|dad|mum|parents?|boss|wife|husband) (?:is going to|will|gonna) kill me"
    r"|die of (?:shame|embarrassment))\b"
    r"|\b(?:want(?:ed)? to die|wanna die|kill myself|kms)\b[^.!?\n]{0,25}(?:\blol\b|\blmao\b|\bhaha+\b|\bjk\b|😂|🤣|💀)",
    _F,
)
_PAST = re.compile(
    r"\b(?:years? ago|months ago|when i was (?:younger|a (?:kid|child|teen|teenager)|in (?:high )?school|\d+)"
    r"|as a (?:kid|child|teen|teenager)|used to|in the past|back then|back in|at the time|last year"
    r"|in (?:high school|college|my (?:teens|twenties))|once upon|for a while after)\b",
    _F,
)
_PRESENT = re.compile(r"\b(?:now|still|again|lately|these days|today|tonight|right now)\b", _F)
_GENERIC = re.compile(r"^(?:suicid|overdos|jump)", _F)
_RECOVERED = re.compile(
    r"\b(?:(?:i'?m|i am|doing|feel|feeling|much|way|so much) (?:much |a lot |way )?(?:better|fine|okay|ok|good|great) now"
    r"|not anymore|no longer (?:feel|want|think)|got (?:through|better|help)|glad i (?:didn'?t|survived|am still here)"
    r"|recovered|in recovery|(?:\d+|many|several) years (?:clean|free))\b",
    _F,
)
_FICTION = re.compile(
    r"\b(?:my (?:novel|story|book|screenplay|script|fanfic|fan fiction|poem|character|protagonist|essay|paper|thesis|assignment|dissertation)"
    r"|the (?:novel|story|book|movie|film|show|series|episode|song|lyrics|poem|play|character|protagonist|villain|narrator|author)"
    r"|a (?:character|novel|story|screenplay|poem|song|scene|villain) (?:where|who|that|about)"
    r"|(?:writing|write|reading|read|wrote) (?:a|an|my|the) (?:story|novel|essay|paper|report|scene|poem|book|article)"
    r"|research(?:ing)? (?:on|into|about)|statistics|suicide rates?|(?:essay|paper|article|study|report|lecture|presentation|documentary) (?:on|about)"
    r"|hamlet|to be or not to be|romeo|juliet|in the game|video game|roleplay|role-play|rp)\b",
    _F,
)
_QUOTED = re.compile(r"[\"“][^\"”\n]{0,200}[\"”]")

# Imminence: plan, means, time frame, preparation, an attempt in progress.
_PLAN = re.compile(
    r"\b(?:(?:i|i'?ve) (?:have|got|made|'ve got|'ve made|already have) (?:a|the|my) plan|i (?:have|know) (?:exactly )?how i(?:'?m| am| will|'ll)? (?:going to )?(?:do it|kill|end)"
    r"|plan(?:ned|ning)? (?:to|how to|on|my) (?:kill|end|die|do it|suicide|take|overdose|jump|hang)"
    r"|(?:i'?m|i am|im) (?:going to|gonna) (?:do it|kill myself|end it|end my life|take my life|jump|overdose|hang myself)"
    r"|i(?:'ll| will) (?:kill myself|end it|end my life|do it) (?:tonight|today|tomorrow|soon|now)"
    r"|(?:decided|made up my mind|ready) to (?:kill|end|die|do it|go)|made up my mind|set a date|picked (?:a|the) (?:date|day|spot|place))\b",
    _F,
)
_MEANS = re.compile(
    r"\b(?:bought|buy|got|have|saved|saving|stockpil\w*|hoard\w*|collect(?:ed|ing)|hid|hidden|ready|loaded|tied|counted|found)"
    r"\b[^.!?\n]{0,30}?\b(?:pills?|tablets?|rope|noose|gun|pistol|rifle|bullets?|razors?|blades?|knife|poison|bleach"
    r"|pesticides?|sleeping pills|painkillers|meds|medications?|insulin|helium|charcoal)\b",
    _F,
)
_TIME = re.compile(
    r"\b(?:tonight|today|tomorrow|this (?:weekend|evening|morning|afternoon|week|time)|right now|in (?:an|a few|\d+) (?:hours?|minutes?)"
    r"|when (?:everyone|they|my (?:parents|family|wife|husband)) (?:is |are )?(?:asleep|sleeps?|leaves?|gone)|before (?:morning|sunrise|dawn)"
    r"|after (?:work|school|this|they leave|everyone leaves))\b",
    _F,
)
_PREPARATION = re.compile(
    r"\b(?:(?:wrote|written|writing|left|finished) (?:a |my |the )?(?:suicide |goodbye |last )?(?:note|letter)s?"
    r"|goodbye (?:notes?|letters?)|(?:gave|giving|give) away (?:my|all)|said (?:my )?goodbyes?|saying goodbye to (?:everyone|everybody|you all|my)"
    r"|(?:updated|wrote|made|finished) my will|this is (?:my|the) last (?:message|post|time)|goodbye (?:forever|everyone|world|cruel world)"
    r"|(?:deleted|deleting) (?:all )?my (?:accounts|social media)|put my affairs in order|won'?t be (?:here|around) (?:tomorrow|much longer|anymore))\b",
    _F,
)
_ATTEMPT = re.compile(
    r"\b(?:took|taken|swallowed|downed|ingested|took like) (?:all|every|a (?:bunch|handful|bottle|lot)|the (?:whole|entire|rest)|\d+|too many|an overdose|way too many)\b"
    r"|\bi(?:'ve| have)? (?:just )?(?:overdosed|od'?d)\b"
    r"|\b(?:standing|sitting|am|i'?m) on (?:the|a|top of the|top of a) (?:edge|ledge|bridge|roof|railing|tracks)\b"
    r"|\b(?:rope|noose) (?:is )?(?:around my neck|ready|tied)\b|\bbleeding (?:out|a lot|heavily)\b|\bcut (?:too )?deep\b"
    r"|\bcan'?t stop the bleeding\b|\bslit my wrists?\b|\bit'?s (?:already )?too late\b|\bthe pills are (?:kicking|starting)\b",
    _F,
)
_SELF_WORDS = re.compile(r"\b(?:i|i'?m|im|i'?ve|i'?d|i'?ll|me|my|myself|mine)\b", _F)
_SELF_SUBJECT = re.compile(r"\b(?:i|i'?m|im|i'?ve|i'?d|i'?ll|me|myself)\b", _F)
_OTHER_WORDS = re.compile(
    r"\b(?:he|she|they|his|her|their|him|them|my (?:friend|best friend|brother|sister|mom|mum|dad|son|daughter"
    r"|partner|boyfriend|girlfriend|wife|husband|roommate|cousin|classmate|coworker|student|patient|client))\b",
    _F,
)


@dataclass(frozen=True, slots=True)
class RuleFindings:
    """What the rules found in one message (flags only, no text)."""

    live_self: bool = False
    """Suicidal language, first person, present, not negated/idiomatic/fictional."""
    live_other: bool = False
    """Suicidal language about someone else (a friend, a relative)."""
    negated: bool = False
    idiom: bool = False
    past: bool = False
    fiction: bool = False
    self_harm: bool = False
    plan: bool = False
    means: bool = False
    time_frame: bool = False
    preparation: bool = False
    attempt: bool = False
    first_person: bool = False
    third_person: bool = False

    @property
    def any_mention(self) -> bool:
        return self.live_self or self.live_other or self.negated or self.past or self.fiction

    @property
    def imminence(self) -> tuple[str, ...]:
        names = ("plan", "means", "time_frame", "preparation", "attempt")
        return tuple(n for n in names if getattr(self, n))

    def features(self) -> list[float]:
        """Numeric features for the learned model (fixed order, see ``FEATURE_NAMES``)."""
        return [float(getattr(self, n)) for n in FEATURE_NAMES]


FEATURE_NAMES = (
    "live_self", "live_other", "negated", "idiom", "past", "fiction", "self_harm",
    "first_person", "third_person",
)  # fmt: skip


def _classify(sentence: str, start: int, fiction: bool) -> str:
    """Why a suicidal mention at ``start`` in ``sentence`` does or does not count."""
    before = sentence[max(0, start - 60) : start]
    if _NEGATION.search(before):
        return "negated"
    if fiction or _QUOTED_SPAN(sentence, start):
        return "fiction"
    if _PAST.search(sentence) and (not _PRESENT.search(sentence) or _RECOVERED.search(sentence)):
        return "past"
    return "live"


def _QUOTED_SPAN(sentence: str, pos: int) -> bool:  # noqa: N802 - reads like a predicate
    return any(m.start() < pos < m.end() for m in _QUOTED.finditer(sentence))


def find(text: str) -> RuleFindings:
    """Run every rule over ``text`` (already normalised)."""
    flags: dict[str, bool] = {}
    fiction_doc = bool(_FICTION.search(text))
    recovered = bool(_RECOVERED.search(text))
    for sm in _SENTENCES.finditer(text):
        s = sm.group(0)
        idioms = [(m.start(), m.end()) for m in _IDIOM.finditer(s)]
        if idioms:
            flags["idiom"] = True
        others = [(m.start(), m.end()) for m in _OTHER.finditer(s)]
        for a, _ in others:
            kind = _classify(s, a, fiction_doc)
            flags["live_other" if kind == "live" else kind] = True
        for m in _SELF.finditer(s):
            if any(a <= m.start() < b for a, b in idioms + others):
                continue  # an idiom, or part of a third-party phrase
            kind = _classify(s, m.start(), fiction_doc)
            if kind == "live" and _GENERIC.match(m.group(0)) and not _SELF_WORDS.search(s):
                continue  # "suicide prevention week": a topic, not a disclosure
            if kind == "live" and not _SELF_WORDS.search(s) and _OTHER_WORDS.search(s[: m.start()]):
                kind = "other"
            if kind == "past" and not recovered and re.search(r"\b(?:still|again)\b", s, _F):
                kind = "live"
            flags[{"live": "live_self", "other": "live_other"}.get(kind, kind)] = True
        for m in _SELF_HARM.finditer(s):
            if _classify(s, m.start(), fiction_doc) == "live":
                flags["self_harm"] = True
        for name, rx in (
            ("plan", _PLAN),
            ("means", _MEANS),
            ("time_frame", _TIME),
            ("preparation", _PREPARATION),
            ("attempt", _ATTEMPT),
        ):
            for m in rx.finditer(s):
                if not _NEGATION.search(s[max(0, m.start() - 60) : m.start()]) and not fiction_doc:
                    flags[name] = True
    flags["first_person"] = bool(_SELF_SUBJECT.search(text))
    flags["third_person"] = bool(_OTHER_WORDS.search(text))
    if recovered and not flags.get("live_self"):
        flags["past"] = flags.get("past", False) or flags.get("negated", False)
    return RuleFindings(**flags)
