"""One message's level: the learned model's probabilities combined with the rules.

:func:`combine` is a pure function (probabilities + rule flags -> level, score, subject,
signals), so training, evaluation and the assessor all use the same decision.

How the signals combine:

1. The model proposes a level (``none``..``high``) from calibrated probabilities and the
   dev-chosen decision offsets.
2. Live suicidal language in the first person, or about someone else, lifts the level to
   at least ``high`` (``rule:suicidal`` / ``rule:other``); live self-harm language to at
   least ``moderate`` (``rule:self_harm``).
3. When the only suicidal language is negated, idiomatic, past or fictional, a model
   ``high`` must clear a penalty (``NEUTRALISED_PENALTY``) or drops to the model's next
   best level, at least ``low`` (``rule:negation`` ... ).
4. Without any death/suicide/self-harm word (:mod:`.evidence`), the model alone may not
   call a message ``high``: a message under ``model.short_message_words`` words gets the
   model's best level below ``high`` (at least ``low``: the model saw distress), a longer
   one does too unless its ``high`` clears ``no_evidence_penalty``
   (``rule:no_crisis_words``). ``high`` means suicidal ideation, not deep sadness.
5. The model alone may not call a message of fewer than four words ``high`` ("bye" after a
   chat reads like a farewell note to it), and greetings/thanks/goodbyes alone are
   ``none`` (``rule:short``, ``rule:pleasantry``).
6. An idiom of delight ("I'm dying laughing") alone takes a model ``low`` to ``none``.
   Plain first-person sadness or stress ("I feel so down today") is at least ``low``
   (``rule:sadness``); first-person hopelessness or feeling a burden ("I've felt hopeless
   for months") at least ``moderate`` (``rule:hopelessness``), the ladder's definition.
7. Imminence: an attempt in progress is ``imminent`` on its own; a plan, means, a time
   frame or preparation makes a ``high`` message ``imminent`` (a time frame only together
   with explicit intent, a plan or means). The learned imminence head (trained on
   relabelled ``high`` vs ``imminent`` texts) also makes a ``high`` message ``imminent``
   when its probability reaches the model's ``imminent_threshold`` (``model:imminent``):
   plans and goodbyes in words no rule lists. A message under ``NO_EVIDENCE_MIN_WORDS``
   words needs some concrete marker too (a time, means, preparation anywhere in it): in a
   short message the frozen embedding cannot tell "I've been thinking about ending it" (a
   wish, ``high``) from a plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from careguard.assessment import Signal
from careguard.distress.model import Array, DistressModel
from careguard.distress.rules import RuleFindings
from careguard.language import UNDETERMINED, LanguageGuess
from careguard.levels import Level, Subject

__all__ = ["MessageResult", "combine"]

NEUTRALISED_PENALTY = 2.0
"""Log-odds taken from ``high`` when the only suicidal language is negated, idiomatic,
past or fictional: a short "I'm not suicidal" drops below ``high``, a long post the model
is very sure about stays. A positive dev-chosen ``high`` offset (a recall boost for live
language) is taken off as well."""

NO_EVIDENCE_MIN_WORDS = 20
"""Messages shorter than this are "short" for the imminence head (it needs a concrete marker
in them). The no-evidence rule's own length is the model's ``short_message_words`` (chosen
on validation from 0, 6, 10, 14, 20; 20 was chosen on 2026-12-04): below it a message with no
death/suicide/self-harm word is never ``high`` from the model alone (chat-register sadness:
"I feel really sad and lonely"); a longer post must make its ``high`` clear
``DistressModel.no_evidence_penalty``: long posts can describe ideation in words no lexicon
lists."""

RULE_CONFIDENCE = {"suicidal": 0.85, "other": 0.8, "imminent": 0.9, "attempt": 0.95}
"""Scores given to rule-set levels (fixed; the rules have no probabilistic model)."""


@dataclass(frozen=True, slots=True)
class MessageResult:
    """The cached, content-only result for one user message."""

    level: Level
    score: float
    subject: Subject
    severity: float
    """Expected level rank under the model, clipped to within half a level of ``level``."""
    signals: tuple[Signal, ...]
    findings: RuleFindings
    model_level: Level
    language: LanguageGuess = UNDETERMINED
    """The message's language (set by the assessor, cached with the rest)."""


def _at_or_above(proba: Array, rank: int) -> float:
    return float(proba[min(rank, 3) :].sum()) if rank <= 3 else 0.0


def combine(proba: Array, findings: RuleFindings, model: DistressModel,
            p_imminent: float | None = None) -> MessageResult:
    """Decide one message's level from model probabilities, rule findings and the
    imminence head's probability (when the model has one)."""
    model_rank = int(model.decide(proba[None, :])[0])
    rank = model_rank
    signals: list[Signal] = [Signal("model", Level.from_rank(model_rank), float(proba[model_rank]))]
    score = _at_or_above(proba, rank)
    f = findings
    neutralised = (
        ("negation", f.negated),
        ("idiom", f.idiom),
        ("past", f.past),
        ("fiction", f.fiction),
    )
    if f.live_self or f.live_other:
        name = "suicidal" if f.live_self else "other"
        signals.append(Signal(f"rule:{name}", Level.HIGH, RULE_CONFIDENCE[name]))
        if rank < Level.HIGH.rank:
            rank = Level.HIGH.rank
            score = max(_at_or_above(proba, rank), RULE_CONFIDENCE[name])
    else:
        cues = [name for name, on in neutralised if on]
        for name in cues:
            signals.append(Signal(f"rule:{name}", Level.MODERATE))
        if cues and rank >= Level.HIGH.rank:
            adjusted = np.log(np.maximum(proba, 1e-12)) + model.offsets
            # no recall boost for a mention the rules neutralised: only the model's own odds
            boost = max(float(model.offsets[Level.HIGH.rank]), 0.0)
            adjusted[Level.HIGH.rank] -= NEUTRALISED_PENALTY + boost
            # the model's best level, at least low: it read distress around the mention
            rank = max(int(np.argmax(adjusted)), Level.LOW.rank)
            score = _at_or_above(proba, rank)
    rule_backed = f.live_self or f.live_other or f.self_harm or f.attempt
    if rank >= Level.HIGH.rank and not (rule_backed or f.crisis_words):
        # No death/suicide/self-harm content at all: sadness, not (yet) ideation, unless
        # the model clears the penalty; a short chat message never does.
        penalty = np.inf if f.words < model.short_message_words else model.no_evidence_penalty
        adjusted = np.log(np.maximum(proba, 1e-12)) + model.offsets
        adjusted[Level.HIGH.rank] -= penalty
        if int(np.argmax(adjusted)) < Level.HIGH.rank:
            # the model's best level below high, at least low: it saw distress
            rank = max(int(np.argmax(adjusted)), Level.LOW.rank)
            signals.append(Signal("rule:no_crisis_words", Level.from_rank(rank)))
            score = _at_or_above(proba, rank)
    if rank >= Level.HIGH.rank and not rule_backed and (f.short or f.pleasantry):
        adjusted = np.log(np.maximum(proba[:3], 1e-12)) + model.offsets[:3]
        rank = int(np.argmax(adjusted))  # "bye" is not a farewell note
        signals.append(Signal("rule:short", Level.from_rank(rank)))
        score = _at_or_above(proba, rank)
    if f.pleasantry and not rule_backed and not f.any_mention:
        rank = Level.NONE.rank
        signals.append(Signal("rule:pleasantry", Level.NONE))
        score = _at_or_above(proba, rank)
    if f.positive_idiom and rank == Level.LOW.rank and not (f.any_mention or f.self_harm):
        rank = Level.NONE.rank  # "dying laughing": the model reads the word, not the joy
        score = _at_or_above(proba, rank)
    if f.sadness and rank < Level.LOW.rank:
        rank = Level.LOW.rank  # "I feel so down today" is ordinary sadness, not nothing
        signals.append(Signal("rule:sadness", Level.LOW))
        score = _at_or_above(proba, rank)
    if f.hopeless and rank < Level.MODERATE.rank:
        rank = Level.MODERATE.rank  # hopelessness is the ladder's "moderate"
        signals.append(Signal("rule:hopelessness", Level.MODERATE))
        score = _at_or_above(proba, rank)
    if f.self_harm:
        signals.append(Signal("rule:self_harm", Level.MODERATE))
        if rank < Level.MODERATE.rank:
            rank = Level.MODERATE.rank
            score = _at_or_above(proba, rank)
    imminent = imminent_markers(f, rank)
    concrete = f.imminence_anywhere or f.words >= NO_EVIDENCE_MIN_WORDS
    if (not imminent and rank >= Level.HIGH.rank and p_imminent is not None and concrete
            and p_imminent >= model.imminent_threshold):
        signals.append(Signal("model:imminent", Level.IMMINENT, p_imminent))
        rank = Level.IMMINENT.rank
        score = max(score, p_imminent)
    elif imminent:
        for name in imminent:
            signals.append(Signal(f"rule:{name}", Level.IMMINENT, RULE_CONFIDENCE["imminent"]))
        rank = Level.IMMINENT.rank
        score = RULE_CONFIDENCE["attempt" if f.attempt else "imminent"]
    level = Level.from_rank(rank)
    expected = float(np.dot(proba, np.arange(len(proba))))
    severity = min(max(expected, rank - 0.5), rank + 0.5)
    return MessageResult(
        level=level,
        score=float(min(max(score, 0.0), 1.0)),
        subject=subject_of(f, level),
        severity=severity,
        signals=tuple(signals),
        findings=f,
        model_level=Level.from_rank(model_rank),
    )


def imminent_markers(f: RuleFindings, rank: int) -> tuple[str, ...]:
    """The imminence markers that make this message ``imminent`` (empty when none do)."""
    if f.attempt:
        return ("attempt",)
    if rank < Level.HIGH.rank:
        return ()
    strong = tuple(n for n in ("plan", "means", "preparation") if getattr(f, n))
    if strong:
        return strong + (("time_frame",) if f.time_frame else ())
    if f.time_frame and (f.live_self or f.live_other):
        return ("time_frame",)
    return ()


def subject_of(f: RuleFindings, level: Level) -> Subject:
    if f.live_other and not f.live_self:
        return "other"
    if level is Level.NONE or (f.fiction and not f.live_self):
        return "unclear"
    if f.third_person and not f.first_person:
        return "other"
    return "self"
