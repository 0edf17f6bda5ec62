"""Safe-messaging checks on the LLM's reply, for whole replies and for streams.

Rules (each a fixed id; findings carry ids, never text):

- ``method-details``: methods, means, doses or lethality ("a lethal dose", "the most painless
  way to die", "how to hang yourself", "jump off the bridge");
- ``committed-suicide``: the phrase "commit(ted) suicide" (say "died by suicide");
- ``suicide-as-solution``: suicide or death presented as an answer, relief or understandable
  ("ending it would be a relief", "everyone would be better off without you");
- ``abandonment``: leaving a distressed user alone ("I can't help you, goodbye", "this
  conversation is over"); checked from ``low`` up when the turn's level is known;
- ``outdated-number``: a crisis number the directory lists as outdated (an LLM's
  ``1-800-273-8255``); always corrected to the current number, whatever the action.

Sentences that refuse or negate ("I won't tell you how to end your life", "suicide is not the
answer") are not flagged. The policy's ``reply_checks.action`` decides what a finding does:
``annotate`` keeps the reply and adds a short note, ``rewrite`` replaces the offending sentence
(or only the phrase, for "committed suicide"), ``replace`` swaps the whole reply for a safe one
(under streaming: the offending sentence and everything after it).

:class:`ReplyChecker` checks a whole text; :class:`SentenceChecker` checks a stream sentence by
sentence, holding back at most ``max_holdback_chars`` of an unfinished sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from careguard import observe
from careguard.interventions import Plan, direct_response
from careguard.levels import Level
from careguard.policy import Policy, ReplyAction
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
]

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
            re.compile(r"\bjump(?:ing)?\s+(?:off|from)\s+(?:a|the|your|my)\s+(?:\w+\s+){0,3}"
                       r"(?:bridge|building|roof|rooftop|cliff|balcony|window|tower|ledge)\b", _I),
            re.compile(r"\b(?:step|stepping|jump|jumping|lie|lying)\s+in\s+front\s+of\s+(?:a|the)"
                       r"\s+(?:\w+\s+)?(?:train|bus|car|truck|lorry)\b", _I),
            re.compile(r"\bcarbon monoxide\b|\boverdos(?:e|ing)\s+on\b", _I),
        ),
        negatable=True,
        rewrite="I can't share details about ways to hurt yourself, but I'm here with you and "
                "I care about your safety.",
    ),
    Rule("committed-suicide", (_COMMITTED,), negatable=False, rewrite=_fix_committed),
    Rule(
        "suicide-as-solution",
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
        unless=re.compile(r"\b(?:but|however|though|although|instead|except|yet|while|here for "
                          r"you|here with you|keep talking|still here)\b", _I),
        min_level=Level.LOW,
        rewrite=_STILL_HERE,
    ),
)


def findings_in(sentence: str, level: Level | None = None) -> tuple[str, ...]:
    """The ids of the rules ``sentence`` breaks, in rule order, without repeats.

    With the turn's distress ``level``, rules that need distress (abandonment: a plain "I can't
    help with that" is an ordinary refusal when nobody is distressed) are skipped below it.
    """
    return tuple(dict.fromkeys(r.id for r in RULES if r.applies(level) and r.hits(sentence)))


def _rewrite(sentence: str, level: Level | None) -> str:
    text = sentence
    for rule in RULES:
        if rule.applies(level) and rule.hits(text):
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
                 level: Level | None = None) -> None:
        self.action = ReplyAction(action)
        self.level = level
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
        return cls(rc.action, max_holdback_chars=rc.max_holdback_chars, safe_reply=safe_reply,
                   corrections=corrections)

    def check(self, text: str) -> CheckResult:
        """Check a whole reply."""
        stream = self.stream()
        out = stream.feed(text) + stream.finish()
        if stream.unsafe and self.action is ReplyAction.REPLACE:
            out = self.safe_reply  # a whole reply can be swapped whole (a stream cannot)
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
        ids = findings_in(sentence, self._c.level)
        if not ids:
            return sentence + sep
        self._found.extend(ids)
        observe.note_reply_action("safe_messaging", self._c.action.value)
        if self._c.action is ReplyAction.REPLACE:
            self.stopped = True
            return self._c.safe_reply
        if self._c.action is ReplyAction.REWRITE:
            return _rewrite(sentence, self._c.level) + sep
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
        return ReplyChecker(c.action, max_holdback_chars=c.max_holdback_chars,
                            safe_reply=direct_response(plan) if crisis_replace else c.safe_reply,
                            annotation=c.annotation, corrections=plan.corrections,
                            level=plan.level)

    def check_result(self, text: str, plan: Plan | None = None) -> CheckResult:
        return self._for(plan).check(text)

    def check(self, text: str, plan: Plan | None = None) -> str:
        """The checked text of a whole reply (see :meth:`check_result` for the findings)."""
        return self.check_result(text, plan).text

    def stream(self, plan: Plan | None = None) -> SentenceChecker:
        return self._for(plan).stream()
