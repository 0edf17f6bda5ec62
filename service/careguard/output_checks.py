"""Safe-messaging checks on the LLM's reply, for whole replies and for streams.

The named rules and their combination with the learned judge live in
:mod:`careguard.replies.rules`; this module applies the policy's action to what they find.
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
from dataclasses import dataclass

from careguard import observe
from careguard.interventions import Plan, describe_resource, direct_response
from careguard.levels import Level
from careguard.policy import JudgeScope, Policy, ReplyAction
from careguard.replies import ReplyJudge
from careguard.replies import shipped as shipped_judge
from careguard.replies.rules import (
    OUTDATED_RULE,
    RULES,
    Rule,
    findings_in,
    harmful,
    rule_findings,
    safe_rewrite,
)

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


SAFE_REPLY = (
    "I'm sorry, that reply didn't come out right. What you're going through matters, and I'm "
    "still here to listen. Would you like to tell me more about how you're feeling?"
)
ANNOTATION = (
    "(A note from this service: part of this reply may not follow safe-messaging guidance. "
    "If you're struggling, you deserve support: please reach out to someone you trust or a "
    "crisis line.)"
)

_DIGIT_SEP = r"[\s\-.()\u00a0\u2010-\u2015]*"
_CUE = (r"(?P<cue>\b(?:call|dial|ring|text|phone|hotline|helpline|line|number|sms|on|at)\b"
        r"[^\n.!?\d]{0,24})")


@functools.lru_cache(maxsize=256)
def _correction_re(needle: str) -> re.Pattern[str]:
    """A pattern for an outdated number in any spacing. Short numbers (under 7 digits, e.g.
    ``141``) only count after a cue such as "call" or "text", so "page 141" is left alone."""
    if not needle.isdigit():
        return re.compile(r"(?P<cue>)" + r"[\s\-]*".join(map(re.escape, needle.split("-"))), re.I)
    body = r"(?<![\d+])\+?" + _DIGIT_SEP.join(needle) + r"(?!\d)"
    return re.compile((_CUE if len(needle) < 7 else r"(?P<cue>)") + body, re.I)


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
        harm = harmful(ids)
        if harm:
            self.harmful_sentences += 1
        if self._c.action is ReplyAction.REPLACE:
            self.stopped = True
            return self._c.safe_reply
        if self._c.action is ReplyAction.REWRITE:
            safe = safe_rewrite(sentence, ids, self._c.level)
            if harm and self._c.resource_line and not self._resource_given:
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
