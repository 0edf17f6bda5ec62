"""Safe-messaging checks on the LLM's reply, for whole replies and for streams.

Rules (each a fixed id; findings carry ids, never text):

- ``method-details``: methods, means, doses or lethality ("a lethal dose", "the most painless
  way to die", "how to hang yourself", "jump off the bridge");
- ``committed-suicide``: the phrase "commit(ted) suicide" (say "died by suicide");
- ``encouragement``: suicide, self-harm or death encouraged, validated or presented as an
  answer, relief or understandable ("ending it would be a relief", "everyone would be better
  off without you", "you should go through with it");
- ``lethality``: comparing how lethal, quick, painless or certain ways of dying are;
- ``concealment``: advice on hiding self-harm or a plan, or on avoiding rescue ("wait until
  nobody is home so no one can stop you", "long sleeves will hide the cuts");
- ``abandonment``: leaving a distressed user alone ("I can't help you, goodbye", "this
  conversation is over"); checked from ``low`` up when the turn's level is known;
- ``outdated-number``: a crisis number the directory lists as outdated (an LLM's
  ``1-800-273-8255``); always corrected to the current number, whatever the action.

Besides the named rules, a learned sentence classifier (:mod:`careguard.replies`, trained on a
corpus written for it) judges every sentence for the same unsafe categories (method,
lethality, encouragement, concealment), so phrasings no rule lists are caught too; its
findings carry the same ids. A sentence either one flags is handled alike.

Sentences that refuse or negate ("I won't tell you how to end your life", "suicide is not the
answer") are not flagged. The policy's ``reply_checks.action`` decides what a finding does:
``annotate`` keeps the reply and adds a short note, ``rewrite`` replaces the offending sentence
(or only the phrase, for "committed suicide") with a warm, safe one — from ``moderate`` up
with a crisis line in it — and a whole reply most of whose sentences are unsafe with the safe
reply; ``replace`` swaps the whole reply for a safe one (under streaming: the offending
sentence and everything after it). Under streaming every sentence is judged before it is
released, so an unsafe sentence never reaches the client.

:class:`ReplyChecker` checks a whole text; :class:`SentenceChecker` checks a stream sentence by
sentence, holding back at most ``max_holdback_chars`` of an unfinished sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from careguard import observe
from careguard.interventions import Plan, describe_resource, direct_response
from careguard.levels import Level
from careguard.policy import JudgeScope, Policy, ReplyAction
from careguard.replies import ReplyJudge
from careguard.replies import shipped as shipped_judge
from careguard.text import fold_apostrophes

__all__ = [
    "ANNOTATION",
    "OUTDATED_RULE",
    "RULES",
    "SAFE_REPLY",
    "CheckResult",
    "ReplyChecker",
    "ReplyChecks",
    "Rule",
    "SentenceChecker",
    "correct_numbers",
    "findings_in",
    "rule_findings",
]

STYLE_RULES = frozenset({"committed-suicide", "abandonment"})
"""Findings about wording, not about harm: fixed in place, never counted towards replacing
the whole reply."""

SAFE_REPLY = (
    "I'm sorry, that reply didn't come out right. What you're going through matters, and I'm "
    "still here to listen. Would you like to tell me more about how you're feeling?"
)
ANNOTATION = (
    "(A note from this service: part of this reply may not follow safe-messaging guidance. "
    "If you're struggling, you deserve support: please reach out to someone you trust or a "
    "crisis line.)"
)

_I = re.I
_NEG = re.compile(
    r"\b(?:not|never|no|nobody|don't|do not|doesn't|does not|won't|will not|can't|cannot|"
    r"can not|shouldn't|isn't|aren't|wouldn't|refuse|unable)\b|n't\b", _I)


@dataclass(frozen=True, slots=True)
class Rule:
    """One safe-messaging rule: patterns over one sentence and what ``rewrite`` does."""

    id: str
    patterns: tuple[re.Pattern[str], ...]
    negatable: bool
    """A negation before the match (``I won't…``, ``…is not…``) clears the sentence."""
    rewrite: str | Callable[[str], str]
    """A replacement sentence, or a function that fixes the sentence."""
    unless: re.Pattern[str] | None = None
    """A sentence that also matches this is not flagged (e.g. "..., but I'm here")."""
    min_level: Level = Level.NONE
    """Checked only on turns at this distress level or above (when the level is known)."""

    def applies(self, level: Level | None) -> bool:
        return level is None or level >= self.min_level

    def hits(self, sentence: str) -> bool:
        sentence = fold_apostrophes(sentence)  # "I won’t" is "I won't"
        if self.unless is not None and self.unless.search(sentence):
            return False
        for p in self.patterns:
            for m in p.finditer(sentence):
                if not (self.negatable and _NEG.search(sentence, 0, m.start())):
                    return True
        return False


# A quoted mention (say "died by suicide", never "committed suicide") is not a use.
_COMMITTED = re.compile(r"(?<![\"“‘'])\bcommit(s|ted|ting)?\s+suicide\b(?![\"”’'])", _I)
_COMMITTED_FIX = {None: "die by suicide", "s": "dies by suicide", "ted": "died by suicide",
                  "ting": "dying by suicide"}


def _fix_committed(sentence: str) -> str:
    return _COMMITTED.sub(lambda m: _COMMITTED_FIX[m.group(1) and m.group(1).lower()], sentence)


_UNITS = r"(?:mg|milligrams?|g|grams?|pills?|tablets?|capsules?)"
_MEANS = (r"(?:pills?|tablets?|capsules?|meds|medications?|medicines?|paracetamol|acetaminophen|"
          r"tylenol|ibuprofen|aspirin|sleeping (?:pills|tablets)|painkillers|antidepressants|"
          r"insulin|bleach|poison|pesticides?|antifreeze|rope|noose|belt|gun|pistol|rifle|"
          r"razors?|blades?|knife|bridge|roof|rooftop|ledge|cliff|train|tracks)\b")
_PROTECTIVE = re.compile(
    r"\b(?:give (?:them|it|those|the \w+) to|hand (?:them|it|those) (?:to|over)|put (?:them|it|"
    r"those) (?:away|somewhere)|lock (?:them|it|those) (?:up|away)|out of reach|somewhere (?:safe|"
    r"harder)|pharmac\w*|poison control|emergency|thinking (?:about|abt|of) taking|if (?:you|u)"
    r"(?:'ve| have)? (?:already )?(?:taken|swallowed|took)|bungee)\b", re.I)
"""Protective advice around means ("can you give them to your roommate tonight?"): the
method rules that name means without a death word do not fire on it."""
_NO_DETAILS = ("I can't share details about ways to hurt yourself, but I'm here with you and I "
               "care about your safety.")
_TELL_SOMEONE = ("Please don't carry this alone: letting someone you trust know what's going on "
                 "could help keep you safe.")
_DEATH = r"(?:die|dying|death|dead|kill|fatal|lethal|overdose|end (?:your|my|their) life)"

_STILL_HERE = (
    "I'm still here with you, and I'd like to keep listening if you want to keep talking."
)
"""The rewrite for a reply that ends or leaves the conversation."""

RULES: tuple[Rule, ...] = (
    Rule(
        "method-details",
        (
            re.compile(r"\b(?:lethal|fatal|deadly|toxic|overdose)\s+(?:dose|dosage|amount|"
                       r"quantity|level)s?\b", _I),
            re.compile(rf"\b\d+(?:[.,]\d+)?\s*{_UNITS}\b.{{0,80}}?\b{_DEATH}\b", _I),
            re.compile(rf"\b{_DEATH}\b.{{0,80}}?\b\d+(?:[.,]\d+)?\s*{_UNITS}\b", _I),
            re.compile(r"\b(?:painless|quickest|quick|easiest|easy|surest|sure|reliable|"
                       r"effective|certain|best)\s+(?:way|ways|method|methods)\s+(?:to|of)\s+"
                       r"(?:die|dying|kill|killing|end|ending|commit|take|taking|suicide)\b", _I),
            re.compile(r"\b(?:how|ways?|steps?|instructions?|methods?)\s+to\s+(?:kill (?:yourself|"
                       r"myself)|hang (?:yourself|myself)|overdose|end (?:your|my) life|take "
                       r"(?:your|my) (?:own )?life|commit suicide|die by suicide)\b", _I),
            re.compile(r"\b(?:tie|tying|make|making)\s+(?:a\s+)?noose\b", _I),
            re.compile(r"\b(?:slit|slitting|cut|cutting|slash|slashing)\s+(?:your|my|the|their)"
                       r"\s+(?:wrists?|veins?|throat)\b", _I),
            re.compile(r"\bhang(?:ing)?\s+(?:yourself|myself|themselves)\b", _I),
            re.compile(r"(?<!bungee )\bjump(?:ing)?\s+(?:off|from)\s+(?:a|the|your|my)\s+"
                       r"(?:\w+\s+){0,3}"
                       r"(?:bridge|building|roof|rooftop|cliff|balcony|window|tower|ledge)\b", _I),
            re.compile(r"\b(?:step|stepping|jump|jumping|lie|lying)\s+in\s+front\s+of\s+(?:a|the)"
                       r"\s+(?:\w+\s+)?(?:train|bus|car|truck|lorry)\b", _I),
            re.compile(r"\bcarbon monoxide\b|\boverdos(?:e|ing)\s+on\b", _I),
        ),
        negatable=True,
        rewrite=_NO_DETAILS,
    ),
    Rule(
        "method-details",
        (
            re.compile(rf"\b(?:take|taking|swallow(?:ing)?|down(?:ing)?|use|using)\s+(?:all|every"
                       rf"(?:one| single one)?|the (?:whole|entire|rest)|a (?:whole )?(?:bottle|"
                       rf"handful|pack|packet|box|strip)|an? (?:entire|full) (?:bottle|pack|"
                       rf"packet|box))\b[^.!?\n]{{0,40}}?\b{_MEANS}", _I),
            re.compile(rf"^(?=.*\b{_MEANS}).*\b(?:would|will|should|could|might|is going to)\s+"
                       r"(?:definitely\s+|surely\s+|probably\s+|easily\s+)?(?:do it|do the "
                       r"(?:job|trick)|be enough|be (?:fatal|lethal|deadly)|finish (?:it|you|the "
                       r"job))\b", _I),
            re.compile(r"\b(?:tallest|highest)\s+(?:\w+\s+)?(?:bridge|building|cliff|roof|"
                       r"rooftop|tower|car park|parking (?:garage|structure)|balcony)\b.{0,60}\b"
                       r"(?:best|perfect|ideal|right|good|enough|place|spot|way)\b", _I),
        ),
        negatable=True,
        unless=_PROTECTIVE,
        rewrite=_NO_DETAILS,
    ),
    Rule(
        "lethality",
        (
            re.compile(r"^(?=.*\b(?:die|dying|death|dead|suicide|kill|end (?:it|your life|things)"
                       r"|overdose|hang|jump|way out|go through with it)\b).*\b(?:more|most|less|"
                       r"least)\s+(?:lethal|deadly|fatal|reliable|certain|effective|painless|"
                       r"peaceful|final|sure)\b", _I),
            re.compile(r"\b(?:painless|quickest|fastest|peaceful|surest|most reliable)\s+"
                       r"(?:\w+\s+)?(?:way to (?:die|go|end it)|death|exit|method)\b", _I),
            re.compile(rf"^(?=.*\b{_MEANS}).*\b(?:you|u)\s+(?:wouldn'?t|won'?t|would not|"
                       r"will not)\s+(?:last|survive|feel (?:a thing|much|anything))\b", _I),
        ),
        negatable=True,
        rewrite=_NO_DETAILS,
    ),
    Rule(
        "concealment",
        (
            re.compile(r"\b(?:so|and|then)\s+(?:that\s+)?(?:no ?one|nobody|they|your (?:family|"
                       r"parents|roommates?|partner|friends|mum|mom|dad))\s+(?:can'?t|won'?t|will "
                       r"not|cannot|can not)\s+(?:stop|find|interrupt|notice|save|check on|"
                       r"see)\s+you\b", _I),
            re.compile(r"\b(?:hide|conceal)\s+(?:the|your|those|any|all (?:the |your )?)\s*"
                       r"(?:cuts|scars|marks|wounds|burns|bruises|bandages|pills|rope|plans?)\b",
                       _I),
            re.compile(r"(?:^|[,;:]\s*|\b(?:just|so|and|but)\s+)don'?t\s+(?:tell|let)\s+(?:anyone|"
                       r"anybody|your (?:therapist|doctor|parents|family|friends|counsel?lor|"
                       r"partner|teacher|gp))\b(?! (?:if|until|unless|before) )", _I),
        ),
        negatable=True,
        rewrite=_TELL_SOMEONE,
    ),
    Rule("committed-suicide", (_COMMITTED,), negatable=False, rewrite=_fix_committed),
    Rule(
        "encouragement",
        (
            re.compile(r"\b(?:suicide|ending (?:it all|it|your life|things)|killing yourself|"
                       r"taking your (?:own )?life|dying|death|being dead)\s+(?:is|would be|"
                       r"could be|might be|may be|will be|seems|sounds)\s+(?:like\s+)?(?:the|a|"
                       r"an|your)\s+(?:(?:only|best|real|right|reasonable|good|valid|logical|"
                       r"sensible|understandable|welcome|sweet)\s+)*(?:answer|solution|way out|"
                       r"option|choice|escape|relief|release|fix|peace)\b", _I),
            re.compile(r"\b(?:it(?:'s| is)|that(?:'s| is)|it makes)\s+(?:completely\s+|totally\s+|"
                       r"perfectly\s+)?(?:understandable|reasonable|rational|logical|sense|okay|"
                       r"ok|fine|right)\s+(?:that you(?:'d)?|for you to|to)\s+(?:want to\s+)?"
                       r"(?:die|end (?:it|your life|things)|kill yourself|take your (?:own )?life)"
                       r"\b", _I),
            re.compile(r"\b(?:everyone|they|your family|your friends|people|the world|others)\s+"
                       r"(?:would|will|might)\s+be\s+better\s+off\s+(?:without you|if you (?:were|"
                       r"are|died|was) (?:gone|dead)?)", _I),
            re.compile(r"\byou(?:'d| would| will|'ll)\s+be\s+better\s+off\s+dead\b", _I),
            re.compile(r"\b(?:waiting for (?:you|u)|see (?:you|u)|meet (?:you|u)|join "
                       r"(?:me|us|them))\s+(?:on|in|at)\s+the other side\b", _I),
            re.compile(r"\b(?:just\s+)?let (?:yourself )?go\s+(?:tonight|now|for good|forever)\b",
                       _I),
            re.compile(r"\b(?:kys|(?:go|just|you should|u should|you could|u could)\s+(?:go\s+)?"
                       r"(?:kill|unalive)\s+(?:yourself|urself|ur ?self))\b", _I),
            re.compile(r"\byou(?:'ll| will| would|'d)\s+(?:finally\s+)?(?:be at peace|find peace|"
                       r"be free|stop hurting)\s+(?:if|once|when)\s+you\s+(?:die|are dead|are "
                       r"gone|end it|kill yourself)\b", _I),
        ),
        negatable=True,
        rewrite="The pain you're feeling is real, and with support it can change; you deserve "
                "help to get through this.",
    ),
    Rule(
        "abandonment",
        (
            re.compile(r"\b(?:good\s?-?bye|farewell)\b", _I),
            re.compile(r"\b(?:this|our)\s+(?:conversation|chat)\s+(?:is over|has ended|is ending|"
                       r"must end|needs to end|ends here)\b", _I),
            re.compile(r"\b(?:I|we)\s+(?:have to|need to|must|am going to|'m going to|will)\s+"
                       r"(?:end|stop|close|leave)\s+(?:this|our|the)\s+(?:conversation|chat)\b",
                       _I),
            re.compile(r"\b(?:seek|find|get|look for)\s+help\s+elsewhere\b", _I),
            re.compile(r"\b(?:don't|do not)\s+(?:message|contact|write to)\s+me\s+again\b", _I),
        ),
        negatable=True,
        unless=re.compile(r"\b(?:for now|whenever|any ?time|again|come back|talk soon|here for "
                          r"you|still here)\b", _I),
        min_level=Level.LOW,
        rewrite=_STILL_HERE,
    ),
    Rule(
        "abandonment",
        (
            re.compile(r"\b(?:I|we)\s*(?:can't|can’t|cannot|can not|won't|will not|am not able "
                       r"to|'m not able to|am unable to|'m unable to|am not going to|'m not going "
                       r"to)\s+(?:help|assist|support|talk|continue|discuss|engage)\b", _I),
        ),
        negatable=False,
        unless=re.compile(r"\b(?:but|however|though|although|instead|except|yet|while|because|"
                          r"here for you|here with you|keep talking|still here)\b", _I),
        min_level=Level.LOW,
        rewrite=_STILL_HERE,
    ),
)


def rule_findings(sentence: str, level: Level | None = None) -> tuple[str, ...]:
    """The ids of the named rules ``sentence`` breaks, in rule order, without repeats.

    With the turn's distress ``level``, rules that need distress (abandonment: a plain "I can't
    help with that" is an ordinary refusal when nobody is distressed) are skipped below it.
    """
    return tuple(dict.fromkeys(r.id for r in RULES if r.applies(level) and r.hits(sentence)))


def findings_in(sentence: str, level: Level | None = None,
                judge: ReplyJudge | None = None,
                scope: JudgeScope = JudgeScope.ALL) -> tuple[str, ...]:
    """The named rules' findings, then the learned judge's (when given), without repeats."""
    ids = rule_findings(sentence, level)
    if judge is not None and _worth_judging(sentence, level, scope):
        finding = judge.judge([sentence])[0].finding
        if finding is not None and finding not in ids:
            ids = (*ids, finding)
    return ids


JUDGE_MIN_WORDS = 2
"""Fragments with fewer words (a list marker "part 0.", a number, "OK.") carry no method,
means or encouragement a model could judge; the named rules still read them ("kys")."""
_ALPHA_WORD = re.compile(r"[^\W\d_]{2,}")


_RISK_WORDS = re.compile(
    r"\b(?:di(?:e|es|ed)|dying|dead|death|deadly|kill\w*|kms|kys|suicid\w*|unalive|sewerslide|"
    r"end\w*|over|life|live|living|alive|gone|goodbye|bye|let(?:ting)? go|way to go|rest|"
    r"peace\w*|sleep\w*|wake|forever|for good|other side|pills?|tablets?|meds|medication\w*|"
    r"dos(?:e|es|age)|overdos\w*|paracetamol|painkillers|bottle|pack|supply|poison\w*|bleach|"
    r"bridge|roof\w*|ledge|cliff|height|high\w*|tall\w*|drop|up there|jump\w*|fall\w*|train|"
    r"tracks|water|river|rope|noose|hang\w*|cord|belt|gun|firearm|rifle|shoot|bullet|knife|"
    r"blades?|razor|cut\w*|wrists?|blood|bleed\w*|burn\w*|hurt\w*|harm\w*|injur\w*|pain\w*|"
    r"scars?|sleeves|marks|hide|hiding|secret\w*|tell|anyone|nobody|no one|parents|er|"
    r"miss\w*|burden|better off|deserve\w*|brave\w*|decid\w*|choos\w*|choice|plan\w*|"
    r"tonight|quick\w*|fast\w*|certain\w*|reliabl\w*|method\w*|option\w*|equipment|"
    r"way out|lethal|fatal|fail\w*|surviv\w*|last long|enough|all of (?:them|it)|at once|"
    r"note|letters?|free|relief|escape)\b", re.I)
"""Words any unsafe reply sentence is likely to hold (death, means, places, concealment,
encouragement): at level ``none`` only sentences with one are judged by the model."""


def _worth_judging(sentence: str, level: Level | None, scope: JudgeScope) -> bool:
    """Whether the model judges ``sentence``: never a fragment; under ``all`` every other
    sentence; under ``risk-words-when-calm``, at level ``none`` (most traffic: code,
    recipes, small talk) only sentences with a risk word."""
    if len(_ALPHA_WORD.findall(sentence)) < JUDGE_MIN_WORDS:
        return False
    if scope is JudgeScope.ALL or level is None or level > Level.NONE:
        return True
    return bool(_RISK_WORDS.search(sentence))


def harmful(ids: tuple[str, ...]) -> bool:
    """Whether findings include harm (not only wording or a corrected number)."""
    return any(f not in STYLE_RULES and f != OUTDATED_RULE for f in ids)


_REWRITES: dict[str, str] = {
    "method-details": _NO_DETAILS,
    "lethality": _NO_DETAILS,
    "encouragement": "The pain you're feeling is real, and with support it can change; you "
                     "deserve help to get through this.",
    "concealment": _TELL_SOMEONE,
}


def _rewrite(sentence: str, ids: tuple[str, ...], level: Level | None) -> str:
    """The sentence with its findings fixed: a harmful sentence is replaced whole by the safe
    sentence for its first harmful finding; a style finding is fixed in place."""
    for f in ids:
        if f in _REWRITES:
            return _REWRITES[f]
    text = sentence
    for rule in RULES:
        if rule.id in ids and rule.applies(level) and rule.hits(text):
            text = rule.rewrite if isinstance(rule.rewrite, str) else rule.rewrite(text)
    return text


_DIGIT_SEP = r"[\s\-.()\u00a0\u2010-\u2015]*"
_CUE = (r"(?P<cue>\b(?:call|dial|ring|text|phone|hotline|helpline|line|number|sms|on|at)\b"
        r"[^\n.!?\d]{0,24})")
OUTDATED_RULE = "outdated-number"


@functools.lru_cache(maxsize=256)
def _correction_re(needle: str) -> re.Pattern[str]:
    """A pattern for an outdated number in any spacing. Short numbers (under 7 digits, e.g.
    ``141``) only count after a cue such as "call" or "text", so "page 141" is left alone."""
    if not needle.isdigit():
        return re.compile(r"(?P<cue>)" + r"[\s\-]*".join(map(re.escape, needle.split("-"))), _I)
    body = r"(?<![\d+])\+?" + _DIGIT_SEP.join(needle) + r"(?!\d)"
    return re.compile((_CUE if len(needle) < 7 else r"(?P<cue>)") + body, _I)


def correct_numbers(text: str, corrections: tuple[tuple[str, str], ...]) -> tuple[str, bool]:
    """Replace outdated crisis numbers with the current ones; returns (text, changed)."""
    changed = False
    for needle, current in corrections:
        text, n = _correction_re(needle).subn(r"\g<cue>" + current.replace("\\", ""), text)
        changed = changed or n > 0
    return text, changed


def _reach_out(line: str) -> str:
    return f"If you'd like to talk to someone right now: {line}."


_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")


def _split(text: str) -> list[tuple[str, str]]:
    """(sentence, separator) pairs covering ``text``; the last may lack a boundary."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _BOUNDARY.finditer(text):
        out.append((text[pos:m.start()], text[m.start():m.end()]))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], ""))
    return out


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of checking one reply: rule ids only, and the text to send."""

    passed: bool
    findings: tuple[str, ...]
    text: str


class ReplyChecker:
    """Checks replies against the safe-messaging rules and applies the policy's action."""

    def __init__(self, action: ReplyAction = ReplyAction.REWRITE, *,
                 max_holdback_chars: int = 400, safe_reply: str = SAFE_REPLY,
                 annotation: str = ANNOTATION,
                 corrections: tuple[tuple[str, str], ...] = (),
                 level: Level | None = None, judge: ReplyJudge | None = None,
                 resource_line: str | None = None,
                 scope: JudgeScope = JudgeScope.ALL) -> None:
        self.action = ReplyAction(action)
        self.level = level
        self.judge = judge
        """The learned sentence classifier (None: the named rules alone)."""
        self.scope = scope
        """Which sentences the judge reads (``reply_checks.safety_model_scope``)."""
        self.resource_line = resource_line
        """A crisis line to add to the first safe sentence that replaces a harmful one
        (``moderate`` and up), e.g. "Samaritans: call 116 123 (free, 24/7)"."""
        """The turn's distress level (None: unknown, every rule applies)."""
        self.corrections = corrections
        """Outdated crisis numbers and their replacements (``ResourceDirectory.corrections``):
        always corrected, whatever the action, and reported as ``outdated-number``."""
        self.max_holdback_chars = max_holdback_chars
        self.safe_reply = safe_reply
        self.annotation = annotation

    @classmethod
    def from_policy(cls, policy: Policy, *, safe_reply: str = SAFE_REPLY,
                    corrections: tuple[tuple[str, str], ...] = ()) -> ReplyChecker | None:
        """The checker the policy asks for, or None when safe-messaging checks are off."""
        rc = policy.reply_checks
        if not rc.safe_messaging:
            return None
        judge = shipped_judge() if rc.safety_model else None
        return cls(rc.action, max_holdback_chars=rc.max_holdback_chars, safe_reply=safe_reply,
                   corrections=corrections, judge=judge, scope=rc.safety_model_scope)

    def check(self, text: str) -> CheckResult:
        """Check a whole reply."""
        stream = self.stream()
        out = stream.feed(text) + stream.finish()
        mostly_harmful = 2 * stream.harmful_sentences > max(stream.sentences, 1)
        if stream.unsafe and (self.action is ReplyAction.REPLACE or (
                self.action is ReplyAction.REWRITE and mostly_harmful)):
            # a whole reply can be swapped whole (a stream cannot)
            out = self.safe_reply
            if self.resource_line and self.resource_line not in out:
                out += "\n\n" + _reach_out(self.resource_line)
        return CheckResult(passed=not stream.findings, findings=stream.findings, text=out)

    def stream(self) -> SentenceChecker:
        """A fresh streaming checker for one reply."""
        return SentenceChecker(self)


class SentenceChecker:
    """Streaming checks, sentence by sentence, holding back only an unfinished sentence
    (at most ``max_holdback_chars``; longer runs are checked and released at a space)."""

    def __init__(self, checker: ReplyChecker) -> None:
        self._c = checker
        self._held = ""
        self._found: list[str] = []
        self._annotated = False
        self._resource_given = False
        self.sentences = 0
        """Non-empty sentences judged so far."""
        self.harmful_sentences = 0
        """... of which harmful (method, lethality, encouragement, concealment)."""
        self.stopped = False
        """True once ``replace`` swapped the reply: drop (and stop reading) the rest."""

    @property
    def findings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self._found))

    @property
    def unsafe(self) -> bool:
        """A safe-messaging rule was broken (a corrected number alone is not unsafe)."""
        return any(f != OUTDATED_RULE for f in self._found)

    def _emit(self, sentence: str, sep: str) -> str:
        if self.stopped:
            return ""
        if self._c.corrections:
            sentence, fixed = correct_numbers(sentence, self._c.corrections)
            if fixed:
                self._found.append(OUTDATED_RULE)
        ids = findings_in(sentence, self._c.level, self._c.judge, self._c.scope)
        if sentence.strip():
            self.sentences += 1
        if not ids:
            return sentence + sep
        self._found.extend(ids)
        for f in ids:
            observe.note_reply_finding(f)
        observe.note_reply_action("safe_messaging", self._c.action.value)
        if harmful(ids):
            self.harmful_sentences += 1
        if self._c.action is ReplyAction.REPLACE:
            self.stopped = True
            return self._c.safe_reply
        if self._c.action is ReplyAction.REWRITE:
            safe = _rewrite(sentence, ids, self._c.level)
            if harmful(ids) and self._c.resource_line and not self._resource_given:
                self._resource_given = True
                safe += " " + _reach_out(self._c.resource_line)
            return safe + sep
        return sentence + sep

    def feed(self, chunk: str) -> str:
        """Add a piece of the reply; returns the checked text that may be sent now."""
        if self.stopped:
            return ""
        self._held += chunk
        parts = _split(self._held)
        tail = parts.pop() if parts and not parts[-1][1] else ("", "")
        out = [self._emit(s, sep) for s, sep in parts]
        held = tail[0]
        while len(held) > self._c.max_holdback_chars:
            cut = held.rfind(" ", 0, self._c.max_holdback_chars) + 1 or self._c.max_holdback_chars
            out.append(self._emit(held[:cut], ""))
            held = held[cut:]
        self._held = held
        return "".join(out)

    def finish(self) -> str:
        """End of the reply (or of one text block): release what is held, checked."""
        held, self._held = self._held, ""
        out = self._emit(held, "") if held else ""
        if (self.unsafe and not self._annotated and not self.stopped
                and self._c.action is ReplyAction.ANNOTATE):
            self._annotated = True
            out += ("\n\n" if not out.endswith("\n") else "\n") + self._c.annotation
        return out

    flush = finish


class ReplyChecks:
    """The reply-check stage for the pipeline: plan-aware (at the crisis level, ``replace``
    uses the warm direct response with resources as the safe reply)."""

    def __init__(self, checker: ReplyChecker) -> None:
        self.checker = checker

    @classmethod
    def from_policy(cls, policy: Policy) -> ReplyChecks | None:
        checker = ReplyChecker.from_policy(policy)
        return cls(checker) if checker is not None else None

    def _for(self, plan: Plan | None) -> ReplyChecker:
        c = self.checker
        if plan is None:
            return c
        crisis_replace = plan.ensure_resources and c.action is ReplyAction.REPLACE
        line = (describe_resource(plan.resources[0])
                if plan.level >= Level.MODERATE and plan.resources else None)
        return ReplyChecker(c.action, max_holdback_chars=c.max_holdback_chars,
                            safe_reply=direct_response(plan) if crisis_replace else c.safe_reply,
                            annotation=c.annotation, corrections=plan.corrections,
                            level=plan.level, judge=c.judge, resource_line=line,
                            scope=c.scope)

    def check_result(self, text: str, plan: Plan | None = None) -> CheckResult:
        return self._for(plan).check(text)

    def check(self, text: str, plan: Plan | None = None) -> str:
        """The checked text of a whole reply (see :meth:`check_result` for the findings)."""
        return self.check_result(text, plan).text

    def stream(self, plan: Plan | None = None) -> SentenceChecker:
        return self._for(plan).stream()
