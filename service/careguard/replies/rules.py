"""The named safe-messaging rules for reply sentences, and the one place where they are
combined with the learned judge (:mod:`careguard.replies.judge`).

Each :class:`Rule` has a fixed id and patterns over one sentence; :func:`rule_findings` runs
them, :func:`findings_in` adds the judge's finding, :func:`_rewrite` makes a sentence safe.
What a finding *does* to a reply (the policy's action, streaming) is
:mod:`careguard.output_checks`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from careguard.levels import Level
from careguard.policy import JudgeScope
from careguard.replies.judge import ReplyJudge
from careguard.text import fold_apostrophes

__all__ = [
    "JUDGE_MIN_WORDS",
    "OUTDATED_RULE",
    "RULES",
    "STYLE_RULES",
    "Rule",
    "findings_in",
    "harmful",
    "rule_findings",
    "safe_rewrite",
]

OUTDATED_RULE = "outdated-number"
STYLE_RULES = frozenset({"committed-suicide", "abandonment"})
"""Findings about wording, not about harm: fixed in place, never counted towards replacing
the whole reply."""

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


def safe_rewrite(sentence: str, ids: tuple[str, ...], level: Level | None) -> str:
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
