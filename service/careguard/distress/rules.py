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

import bisect
import re
from dataclasses import dataclass

from careguard.distress.evidence import has_crisis_words

__all__ = ["RuleFindings", "find"]

_F = re.IGNORECASE

_SENTENCES = re.compile(r"[^.!?\n]+[.!?\n]*")

# Suicidal language in the first person (self) or about a named third party (other).
_SELF = re.compile(
    r"\b(?:kill(?:ing)? ?my ?self|kms|end(?:ing)? (?:my|it) (?:own )?(?:life|all)"
    r"|end it(?! with| off)"
    r"|take (?:my|my own) life|(?:think|thinking|thought|thoughts) (?:about|of)"
    r" (?:ending (?:it|my life|things|everything)(?! with| off| between)|killing myself"
    r"|taking my (?:own )?life)"
    r"|ending it all|better off without me|(?:want|wanted|wanting|need) to (?:fucking |really "
    r"|just |literally |honestly |actually |seriously )?die|wanna (?:fucking |really |just "
    r"|literally |honestly |actually |seriously )?die"
    r"|(?:tired|sick) of (?:being alive|staying alive|living)(?=[ ]*(?:$|[.,;:!?]"
    r"|(?:anymore|any more|and|but|so|honestly|tbh|at all)\b))|(?:just )?(?:want|wanna|wish i"
    r" could) (?:to )?(?:just )?sleep forever|(?:need|want|wish|hope for) death to come"
    r"|(?:would|'d) (?:rather|love to|like to) (?:just )?die(?! than| for| of| laughing)"
    r"|(?:wish|wished"
    r"|hope) (?:i (?:was|were|could be) dead|i (?:was|were)n'?t (?:alive|born|here)|i (?:could"
    r"|would) die|to die|i never woke up|i could disappear forever)"
    r"|don'?t want to (?:live(?! (?:like|with|in|at|here|there|near"
    r"|this way|that way)\b)"
    r"|be alive|exist|be here|wake up|go on)|(?:i'?d|i would|i'?m|i am|be) better off dead"
    r"|no (?:reason|point) (?:to|in) (?:live|living|going on)|unalive my ?self|(?:hang|shoot"
    r"|drown|hurt) my ?self to death|suicidal|suicide(?! (?:forums?|posts?|subreddits?|threads?"
    r"|videos?|memes?|jokes?|awareness|prevention|rates?|statistics|stories|squad))"
    r"|(?:sleep|go to sleep) and never wake up"
    r"|(?:wish|wishing|wished|wishes|hope|hoping|pray|praying)(?: that)? i"
    r" (?:would |could |will |might |'?d )?"
    r"(?:just )?(?:get|catch) (?!old\b)(?:\w+ ){0,2}and die(?! happy| rich| old| in peace)"
    r"|(?:wish|wishing|wished|wishes|pray|praying) (?:a|some|something|someone|somebody)"
    r"(?: \w+)? (?:(?:would|will|could) (?:just )?(?:kill me|take me|run me over|hit me)"
    r"|(?:just )?(?:kills me|snatch(?:es)? me|takes me away|runs me over|hits me))"
    r"|(?:pray|praying) (?:that )?i (?:would |will )?(?:just )?die"
    r"|might as well (?:just )?(?:be dead|die|end it(?: all)?(?! with| off)|get it over with)"
    r"|i (?:should|ought to) (?:just )?(?:be dead|have died|not be alive)"
    r"|(?:what'?s|whats|what is) (?:even )?the point (?:of|in) (?:being alive|staying alive|living"
    r"|going on|carrying on)|put me out of my misery"
    r"|not (?:want to )?be (?:here|alive) anymore|can'?t (?:go on|keep going"
    r"|do this anymore) (?:living|anymore)|end(?:ing)? (?:my|this) pain for good"
    r"|jump (?:into traffic|off"
    r"|in front of)|overdos(?:e|ing))\b",
    _F,
)
_OTHER = re.compile(
    r"\b(?:kill(?:ing)? (?:him|her|them)sel(?:f|ves)|end(?:ing)? (?:his|her"
    r"|their) (?:own )?life|take (?:his|her|their) (?:own )?life|(?:he|she|they|friend|brother"
    r"|sister|mom|mum|dad|son|daughter|partner|boyfriend|girlfriend|wife|husband|roommate"
    r"|cousin|bf|gf|ex|fiance|fiancee)(?:'s| is| are|'re| has been| have been| was| were)?"
    r" ?(?:been )?(?:suicidal"
    r"|wants? to die|wanted to die|talking about (?:suicide|dying|killing))|(?:he|she"
    r"|they) (?:said|says|told me|keeps saying|texted me) (?:that )?(?:he|she|they) (?:wants?"
    r"|wanted|is going|was going) to (?:die|end it|kill))\b",
    _F,
)
_SELF_HARM = re.compile(
    r"\b(?:cut(?:ting)?|burn(?:ing)?|hurt(?:ing)?|harm(?:ing)?|scratch(?:ing)?) my ?self\b"
    r"|\bself[- ]?harm(?:ing)?\b|\brelapsed? (?:on|into) (?:cutting|self[- ]?harm)\b",
    _F,
)
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|don(?:'| )?t|dont|do not|didn(?:'| )?t|won(?:'| )?t"
    r"|wouldn(?:'| )?t|isn(?:'| )?t|am not|i'?m not|i m not"
    r"|no|nor|without|stopped|quit)\b(?:[ ]+(?!and\b|but\b|so\b)[\w']+){0,2}[ ]*$",
    _F,
)
_POSITIVE_IDIOM = re.compile(
    r"\b(?:dying (?:of |from |with )?(?:laughter|laughing|lol|lmao|haha)|killed it|killing it"
    r"|to die for|dying to (?:see|try|know|meet|go|get|hear|watch|tell)|drop dead gorgeous"
    r"|i'?m dead (?:lol|lmao|haha|😂|💀)|dead 💀|dead (?:lol|lmao|haha)|i'?m crying laughing)\b",
    _F,
)
_PLEASANTRY = re.compile(
    r"^[\W_]*(?:(?:and |& )?(?:ok(?:ay)?|k|alright|sure|yes|yeah|no|nope|thanks?(?: you)?"
    r"(?: so much| a lot)?|ty|thx|bye(?: bye)?|good ?bye|good ?night|night|take care"
    r"|see (?:you|ya)(?: later)?|cya"
    r"|talk (?:to you )?(?:later|soon)|have a (?:good|nice|great) (?:day|night|evening|one)"
    r"|you too|same to you|hi|hello|hey|good (?:morning|evening|afternoon)|cheers|will do"
    r"|sounds good|got it|i see|cool|great|nice)(?:[\W_]+|$)){1,6}$",
    _F,
)
_EFFORT = re.compile(
    r"\b(?:try|trying|tried|hard|struggling|fighting|doing my best)(?: so| really)?"
    r" (?:not to|to not)[ ]*$",
    _F,
)
_IDIOM = re.compile(
    r"\b(?:(?:is|are|was|were|it'?s|that'?s|this|these|those|heat|work|job|exam|homework"
    r"|traffic|boss|kids|feet|back|head|legs) (?:\w+ )?killing me|killing me (?:softly|lol"
    r"|haha)|dying (?:of|from|with) (?:laughter|laughing|embarrassment|boredom|cringe"
    r"|curiosity|heat)|(?:i'?m |im )?dying (?:laughing|lol|lmao|haha)|dead (?:lol|lmao|haha|💀)"
    r"|i'?m dead(?: lol| 😂| 💀| lmao)|kill me now(?: lol| lmao| haha| 😂)?|kill for (?:a|some"
    r"|that)|to die for|dying to (?:see|try|know|meet|go|get|hear|watch|tell)|(?:bored|scared"
    r"|sick|tired|worried) to death|killed it|drop dead gorgeous|could just die|(?:i'?ll"
    r"|i will|gonna|going to) (?:kill|murder) (?:him|her|you|them)|my (?:mom|dad|mum|parents?"
    r"|boss|wife|husband) (?:is going to|will|gonna) kill me|die of (?:shame|embarrassment))\b"
    r"|\bhill (?:\w+ )?(?:want to |wanna |would |will |to )?die on\b"
    r"|\b(?:want(?:ed)? to die|wanna die|kill myself|kms)\b[^.!?\n]{0,25}(?:\blol\b|\blmao\b"
    r"|\bhaha+\b|\bjk\b|😂|🤣|💀)"
    r"|(?:\blol\b|\blmf?ao\b|\bhaha+\b|😂|🤣|💀)[^.!?\n]{0,40}\b(?:want(?:ed)? to die|wanna die"
    r"|(?:going to |gonna )?kill myself|kms)\b"
    r"|\bkill(?:ing)? myself trying to\b"
    r"|\b(?:want(?:ed)? to|wanna|would|'d|will|ready to|willing to) die for (?:you|him|her|them"
    r"|it|us|my (?:country|family|kids|children|faith|team)|god|jesus|love)\b",
    _F,
)
_PAST = re.compile(
    r"\b(?:years? ago|months ago|when i was (?:younger|a (?:kid|child|teen|teenager)"
    r"|in (?:high )?school|\d+)|as a (?:kid|child|teen|teenager)|used to|in the past|back then"
    r"|back in|at the time|last year|in (?:high school|college|my (?:teens|twenties))"
    r"|once upon|for a while after|years since|since i last|the last time i|looking back"
    r"|thinking back|back when|at one point|in (?:middle|elementary|primary|secondary) school"
    r"|in (?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
    r"|tenth|eleventh|twelfth) grade|\d+(?:st|nd|rd|th) grade)\b",
    _F,
)
_PRESENT = re.compile(r"\b(?:now|still|again|lately|these days|today|tonight|right now)\b", _F)
_GENERIC = re.compile(r"^(?:suicid|overdos|jump)", _F)
_RECOVERED = re.compile(
    r"\b(?:(?:i'?m|i am|doing|feel|feeling|much|way|so much) (?:much |a lot |way )?(?:better"
    r"|fine|okay|ok|good|great) now|not anymore|no longer (?:feel|want|think)|got (?:through"
    r"|better|help)|glad i (?:didn'?t|survived|am still here)|recovered|in recovery|(?:\d+"
    r"|many|several) years (?:clean|free))\b",
    _F,
)
_FICTION = re.compile(
    r"\b(?:my (?:novel|story|book|screenplay|script|fanfic|fan fiction|poem|character"
    r"|protagonist|essay|paper|thesis|assignment|dissertation)|the (?:novel|story|book|movie"
    r"|film|show|series|episode|song|lyrics|poem|play|character|protagonist|villain|narrator"
    r"|author)|a (?:character|novel|story|screenplay|poem|song|scene|villain) (?:where|who"
    r"|that|about)|(?:writing|write|reading|read|wrote) (?:a|an|my|the) (?:story|novel|essay"
    r"|paper|report|scene|poem|book|article)|research(?:ing)? (?:on|into|about)|statistics"
    r"|suicide rates?|(?:essay|paper|article|study|report|lecture|presentation"
    r"|documentary) (?:on|about)|hamlet|to be or not to be|romeo|juliet|in the game|video game"
    r"|roleplay|role-play|rp|story of (?:a|an)|played by|starring)\b",
    _F,
)
_REPORTED = re.compile(
    r"\b(?:told|tells?|telling|encouraged|encourag(?:e|es|ing)|urged|urging|dared|daring)"
    r"(?: me| us)?(?: daily| repeatedly| again| often| constantly| always)? to"
    r" (?:go |just |go and )?(?:commit )?$"
    r"|\b(?:told|tells?|telling|said|says|keeps? saying)(?: to)? (?:me|us) (?:that )?(?:i|we)"
    r" (?:should|ought to|need to|might as well) (?:just |go |go and )?(?:commit )?$",
    _F,
)
"""Someone else telling the writer to do it ("he told me to kill myself"): reported
speech, like a quotation, not the writer's own wish."""
_QUOTED = re.compile(r"[\"“][^\"”\n]{0,200}[\"”]")

# Imminence: plan, means, time frame, preparation, an attempt in progress.
_PLAN = re.compile(
    r"\b(?:(?:i|i'?ve) (?:have|got|made|'ve got|'ve made|already have) (?:a|the|my) plan"
    r"|i (?:have|know) (?:exactly )?how i(?:'?m| am| will|'ll)? (?:going to )?(?:do it|kill"
    r"|end)|plan(?:ned|ning)? (?:to|how to|on|my) (?:kill|end|die|do it|suicide|take|overdose"
    r"|jump|hang)|(?:i'?m|i am|im) (?:going to|gonna) (?:do it|kill myself|end it|end my life"
    r"|take my life|jump|overdose|hang myself)|i(?:'ll| will) (?:kill myself|end it"
    r"|end my life|do it) (?:tonight|today|tomorrow|soon|now)|(?:decided|made up my mind"
    r"|ready) to (?:kill|end|die|do it|go)|made up my mind|set a date|picked (?:a|the) (?:date"
    r"|day|spot|place))\b",
    _F,
)
_MEANS = re.compile(
    r"\b(?:bought|buy|got|have|saved|saving|stockpil\w*|hoard\w*|collect(?:ed|ing)|hid|hidden"
    r"|ready|loaded|tied|counted|found)\b[^.!?\n]{0,30}?\b(?:pills?|tablets?|rope|noose|gun"
    r"|pistol|rifle|bullets?|razors?|blades?|knife|poison|bleach|pesticides?|sleeping pills"
    r"|painkillers|meds|medications?|insulin|helium|charcoal)\b",
    _F,
)
_TIME = re.compile(
    r"\b(?:tonight|today|tomorrow|this (?:weekend|evening|morning|afternoon|week|time)"
    r"|right now|in (?:an|a few|\d+) (?:hours?|minutes?)|when (?:everyone|they|my (?:parents"
    r"|family|wife|husband)) (?:is |are )?(?:asleep|sleeps?|leaves?|gone)|before (?:morning"
    r"|sunrise|dawn)|after (?:work|school|this|they leave|everyone leaves))\b",
    _F,
)
_PREPARATION = re.compile(
    r"\b(?:(?:wrote|written|writing|left|finished) (?:a |my |the )?(?:suicide |goodbye "
    r"|last )?(?:note|letter)s?|goodbye (?:notes?|letters?)|(?:gave|giving|give) away (?:my"
    r"|all)|said (?:my )?goodbyes?|saying goodbye to (?:everyone|everybody|you all|my)"
    r"|(?:updated|wrote|made|finished) my will|this is (?:my|the) last (?:message|post|time)"
    r"|this is my (?:suicide |goodbye |last )?note"
    r"|goodbye (?:forever|everyone|world|cruel world)|(?:deleted"
    r"|deleting) (?:all )?my (?:accounts|social media)|put my affairs in order"
    r"|won'?t be (?:here|around) (?:tomorrow|much longer|anymore))\b",
    _F,
)
_ATTEMPT = re.compile(
    r"\b(?:took|taken|swallowed|downed|ingested|took like) (?:all|every(?! (?:chance|opportunity"
    r"|time|step|day|night|week|month|year|moment))|a (?:bunch|handful|bottle|lot)|the (?:whole"
    r"|entire|rest)|\d+\b(?! ?(?:months?|weeks?|days?|years?|hours?|hrs?|minutes?|mins?"
    r"|seconds?|secs?|tries|times|attempts|steps|classes|courses|credits)\b)|too many"
    r"|an overdose|an? od|way too many)\b"
    r"|(?<!since )(?<!when )(?<!after )(?<!before )\bi(?:'ve| have)? (?:just )?(?:overdosed"
    r"|od'?d)\b|\b(?:standing|sitting|am"
    r"|i'?m) on (?:the|a|top of the|top of a) (?:edge|ledge|bridge|roof|railing|tracks)\b"
    r"|\b(?:rope|noose) (?:is )?(?:around my neck|ready|tied)\b|\bbleeding (?:out|a lot"
    r"|heavily)\b|\bcut (?:too )?deep\b|\bcan'?t stop the bleeding\b|\bslit my wrists?\b"
    r"|\bit'?s (?:already )?too late\b|\bthe pills are (?:kicking|starting)\b",
    _F,
)
_SADNESS = re.compile(
    r"\b(?:i'?m|im|i am|i feel|i'?ve been|i have been|i'?ve felt|i have felt|i felt|i'?ve been"
    r" feeling|i have been feeling|feeling)(?: so| really| very| pretty| kind of| kinda| a bit"
    r"| extremely| super| just| quite| a little| incredibly| completely| totally){0,2}"
    r" (?:sad|depressed|miserable|unhappy|lonely|hopeless|empty|stressed|anxious"
    r"|overwhelmed|heartbroken|upset|worthless|numb|exhausted|broken|defeated|crushed"
    r"|devastated|helpless|gloomy)\b"
    r"|\b(?:feel|feeling|felt)(?: so| really| very| pretty| kind of| kinda| a bit| super"
    r"| quite| a little| completely| totally){0,2} (?:down|low|blue|awful|terrible|alone"
    r"|lost)\b"
    r"|\b(?:has been|have been|'?s been|is|was|are|were|feels?)(?: so| really| very| super"
    r"| incredibly| extremely)? (?:stressful|stressing me out|overwhelming|exhausting)\b",
    _F,
)
"""Plain first-person sadness ("I feel so down today") or stress ("work has been really
stressful"): at least ``low`` (no negation word fits between the subject and the feeling,
so "I'm not sad" does not match)."""
_HOPELESS = re.compile(
    r"\b(?:i'?m|im|i am|i feel|i'?ve been|i have been|i'?ve felt|i have felt|i felt|i'?ve been"
    r" feeling|i have been feeling|feeling)(?: so| really| very| completely| totally| just"
    r"| utterly| like){0,2} (?:hopeless|a burden)\b(?! at\b| with\b| in the kitchen)"
    r"|\bi (?:have|'?ve got|got) no hope\b|\bno hope left\b|\b(?:lost|losing) all hope\b"
    r"|\bnothing (?:will )?ever (?:gets?|getting) better\b",
    _F,
)
"""First-person hopelessness or feeling a burden ("I've felt hopeless for months", "I feel
like a burden to everyone"): the ladder's ``moderate``, so at least that."""
_SELF_WORDS = re.compile(r"\b(?:i|i'?m|im|i'?ve|i'?d|i'?ll|me|my|myself|mine)\b", _F)
_PAST_ACT = re.compile(
    r"\b(?:tried|attempted|survived|i'?ve tried|have tried|had tried)(?: to)?[ ]*$", _F
)
_RECENT = re.compile(
    r"\b(?:yesterday|last night|earlier|this (?:morning|afternoon|evening|week)|today|tonight"
    r"|just|an hour ago|again|now)\b",
    _F,
)
_SCHEDULED = re.compile(
    r"\b(?:tonight|tomorrow|this (?:weekend|evening)|in (?:an|a few|\d+) (?:hours?|minutes?)"
    r"|when (?:everyone|they|my \w+) (?:is |are )?(?:asleep|sleeps?|leaves?|gone)"
    r"|before (?:morning|sunrise|dawn))\b",
    _F,
)
"""A time frame specific enough on its own; "today"/"right now" also need intent words."""
_INTENT = re.compile(
    r"\b(?:going to|gonna|will|i'?ll|plan(?:ning|ned)?|decided|ready to|about to"
    r"|is the night|it ends)\b",
    _F,
)
_OTHER_SUBJECT = re.compile(
    r"\b(?:he|she|they|he'?s|she'?s|they'?re|he'?d|she'?d|they'?d|him|her|them)\b", _F
)
_SELF_SUBJECT = re.compile(r"\b(?:i|i'?m|im|i'?ve|i'?d|i'?ll|me|myself)\b", _F)
_TOLD_ME = re.compile(
    r"\b(?:(?:talk(?:s|ed|ing)?|spoke|speak(?:s|ing)?|open(?:s|ed)? up|came|comes|reached out)"
    r" (?:to|with) me|confided in me|(?:told|tells|texted|messaged|asked|warned) me)\b",
    _F,
)
"""The writer as the listener ("he talked to me about ..."): the "me" is not the subject."""
_OTHER_WORDS = re.compile(
    r"\b(?:he|she|they|his|her|their|him|them|my (?:friend|best friend|brother|sister|mom|mum"
    r"|dad|son|daughter|partner|boyfriend|girlfriend|wife|husband|roommate|cousin|classmate"
    r"|coworker|student|patient|client))\b",
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
    positive_idiom: bool = False
    """An idiom of delight ("dying laughing", "killed it"): not distress at all."""
    past: bool = False
    fiction: bool = False
    self_harm: bool = False
    pleasantry: bool = False
    """The whole message is greetings/thanks/goodbyes ("ok thanks, bye")."""
    short: bool = False
    """Fewer than four words: too little for the learned model alone to call a crisis."""
    imminence_anywhere: bool = False
    """An imminence marker somewhere, even far from suicidal language ("I bought a rope"):
    what the trajectory needs after an earlier disclosure."""
    plan: bool = False
    means: bool = False
    time_frame: bool = False
    preparation: bool = False
    attempt: bool = False
    first_person: bool = False
    third_person: bool = False
    words: int = 0
    """Whitespace-separated words in the message."""
    crisis_words: bool = False
    """Any death / suicide / self-harm word (:mod:`.evidence`): what lets the learned model
    alone call a message ``high`` without clearing the no-evidence penalty."""
    sadness: bool = False
    """First-person sadness, stress or low mood in plain words ("I feel so down")."""
    hopeless: bool = False
    """First-person hopelessness or feeling a burden ("I feel hopeless")."""

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


_MARKERS = (
    ("plan", _PLAN),
    ("means", _MEANS),
    ("time_frame", _TIME),
    ("preparation", _PREPARATION),
    ("attempt", _ATTEMPT),
)


class _Sentence:
    """One sentence, with what the rules ask of it as a whole worked out once: a long
    sentence can hold thousands of mentions, and rescanning it for each one is quadratic."""

    def __init__(self, text: str, fiction: bool) -> None:
        self.text = text
        self.fiction = fiction
        self.past = bool(_PAST.search(text)) and (
            not _PRESENT.search(text) or bool(_RECOVERED.search(text))
        )
        self.recent = bool(_RECENT.search(text))
        self.self_words = bool(_SELF_WORDS.search(text))
        self.still_or_again = bool(re.search(r"\b(?:still|again)\b", text, _F))
        self._quotes = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
        listener = {m.end() for m in _TOLD_ME.finditer(text)}  # where a listener's "me" ends
        self._self_ends = [m.end() for m in _SELF_SUBJECT.finditer(text) if m.end() not in listener]
        self._other_ends = [m.end() for m in _OTHER_SUBJECT.finditer(text)]

    def classify(self, start: int) -> str:
        """Why a suicidal mention at ``start`` does or does not count."""
        before = self.text[max(0, start - 60) : start]
        if _NEGATION.search(before) and not _EFFORT.search(before):
            return "negated"
        if self.fiction or self._in_quotes(start) or _REPORTED.search(before):
            return "fiction"
        if self.past:
            return "past"
        if _PAST_ACT.search(before) and not self.recent:
            return "past"  # "I tried to kill myself once": a history, not a present wish
        return "live"

    def _in_quotes(self, pos: int) -> bool:
        return any(a < pos < b for a, b in self._quotes)

    def nearest_subject_is_other(self, pos: int) -> bool:
        """Whether the last person named before ``pos`` is someone else ("he said he ...");
        the writer as a listener ("she talked to me about ...") does not name the writer."""
        last_self = _last_at_or_before(self._self_ends, pos)
        return _last_at_or_before(self._other_ends, pos) > last_self


def _last_at_or_before(ends: list[int], pos: int) -> int:
    i = bisect.bisect_right(ends, pos)
    return ends[i - 1] if i else -1


def find(text: str) -> RuleFindings:
    """Run every rule over ``text`` (already normalised)."""
    flags: dict[str, bool] = {}
    fiction_doc = bool(_FICTION.search(text))
    recovered = bool(_RECOVERED.search(text))
    sentences = [m.group(0) for m in _SENTENCES.finditer(text)]
    risky: list[bool] = []  # sentence holds live suicidal or self-harm language
    markers: list[set[str]] = []  # imminence markers found in each sentence
    for s in sentences:
        sent = _Sentence(s, fiction_doc)
        risk = False
        idioms = [(m.start(), m.end()) for m in _IDIOM.finditer(s)]
        if idioms:
            flags["idiom"] = True
        if _POSITIVE_IDIOM.search(s):
            flags["positive_idiom"] = True
        others = [(m.start(), m.end()) for m in _OTHER.finditer(s)]
        for a, _ in others:
            kind = sent.classify(a)
            flags["live_other" if kind == "live" else kind] = True
            risk = risk or kind == "live"
        for m in _SELF.finditer(s):
            if any(a <= m.start() < b for a, b in idioms + others):
                continue  # an idiom, or part of a third-party phrase
            kind = sent.classify(m.start())
            if kind == "live" and _GENERIC.match(m.group(0)) and not sent.self_words:
                continue  # "suicide prevention week": a topic, not a disclosure
            if kind == "live" and sent.nearest_subject_is_other(m.start()):
                kind = "other"
            if kind == "past" and not recovered and sent.still_or_again:
                kind = "live"
            flags[{"live": "live_self", "other": "live_other"}.get(kind, kind)] = True
            risk = risk or kind in ("live", "other")
        for m in _SELF_HARM.finditer(s):
            if sent.classify(m.start()) == "live":
                flags["self_harm"] = risk = True
        found: set[str] = set()
        past = bool(_PAST.search(s)) and not _PRESENT.search(s)
        for name, rx in () if past else _MARKERS:
            for m in rx.finditer(s):
                if not _NEGATION.search(s[max(0, m.start() - 60) : m.start()]) and not fiction_doc:
                    found.add(name)
        if found:
            flags["imminence_anywhere"] = True
        risky.append(risk)
        markers.append(found)
    for i, found in enumerate(markers):
        near = any(risky[max(0, i - 1) : i + 2])
        for name in found:
            if name in ("preparation", "attempt"):
                flags[name] = True  # specific on their own
            elif name == "time_frame":
                s = sentences[i]
                dated = bool(_SCHEDULED.search(s)) or bool(_INTENT.search(s))
                flags[name] = flags.get(name, False) or (risky[i] and dated)
            elif near:
                flags[name] = True
    flags["pleasantry"] = len(text) < 120 and bool(_PLEASANTRY.match(text))
    words = len(text.split())
    flags["short"] = words < 4
    flags["first_person"] = bool(_SELF_SUBJECT.search(text))
    flags["third_person"] = bool(_OTHER_WORDS.search(text))
    flags["crisis_words"] = has_crisis_words(text)
    flags["sadness"] = bool(_SADNESS.search(text))
    flags["hopeless"] = bool(_HOPELESS.search(text))
    if recovered and not flags.get("live_self"):
        flags["past"] = flags.get("past", False) or flags.get("negated", False)
    return RuleFindings(words=words, **flags)
