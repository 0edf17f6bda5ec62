"""The toxicity stage inside the per-turn pipeline (the models are in :mod:`careguard.toxicity`).

- Build (:meth:`ToxicityStage.build`): the scorer is built once per process, only when
  ``toxicity.enabled`` (otherwise torch is never imported). A model that cannot be loaded
  does not stop start-up: the stage keeps a one-line reason (``/readyz`` reports it) and each
  turn resolves it through the stage's failure mode.
- User side (:func:`user_toxicity`, ``toxicity.check_user``): the new user turn is scored in
  a worker thread under the stage's deadline. Abuse aimed at others is recorded (metric and
  audit action ``user_toxicity:record_abuse``) and adds the ``abuse`` guideline (a short
  de-escalation note) to the system block (:func:`with_tone_guidance`). Self-directed hostility
  is a distress signal, never abuse: it raises the turn's level to at least ``moderate``
  (:func:`raise_for_self_hostility`).
- Reply side (:class:`ToxicReplyStream`, :func:`check_whole_reply`): from level ``low`` up, a
  toxic or demeaning reply gets ``reply_checks.toxicity_action``; streams are checked sentence
  by sentence after the safe-messaging checker, holding back at most one sentence.

No conversation text is logged or kept here.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from careguard import observe
from careguard.assessment import Assessment, Signal
from careguard.errors import StageError
from careguard.levels import Level
from careguard.policy import FailureMode, LoadedPolicy, ReplyAction

if TYPE_CHECKING:
    from careguard.adapters import Exchange
    from careguard.pipeline import Pipeline, Turn
    from careguard.toxicity import ToxicityDetector, ToxicityResult, UserToxicity

__all__ = [
    "STAGE",
    "ToxicReplyStream",
    "ToxicityStage",
    "check_whole_reply",
    "load_failures",
    "raise_for_self_hostility",
    "reply_stream",
    "user_toxicity",
    "with_tone_guidance",
]

log = logging.getLogger("careguard.pipeline")
STAGE = "toxicity"
ABUSE_GUIDELINE = "abuse"
SELF_HOSTILITY_SIGNAL = "toxicity_self_directed"
NEUTRAL_REPLY = (
    "I'm sorry, my last reply didn't come out the way it should have. What you're going "
    "through matters, and I'm here to listen. Would you like to tell me more about how "
    "you're feeling?"
)
"""``replace`` below the crisis level (at it, the direct response with resources is used)."""
REWRITTEN_SENTENCE = "I'm sorry, I put that badly: what you're feeling matters."
"""``rewrite``: what a toxic sentence becomes."""
ANNOTATION = (
    "(A note from this service: part of this reply may have sounded harsh or dismissive. "
    "That is not how you deserve to be spoken to; if you're struggling, please reach out to "
    "someone you trust or a support line.)"
)
"""``annotate``: added once at the end of a reply with a toxic sentence."""
_MIN_LEVEL = Level.LOW
TORCH_THREADS = 1
_SENTENCE_END = re.compile(r"(?:[.!?\u2026]+[\"')\]\u201d\u2019]*\s+|\n+)")


class TextFilter(Protocol):
    def feed(self, chunk: str) -> str: ...
    def flush(self) -> str: ...


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.removeprefix(f"stage {STAGE!r} failed: ")[:300]


@dataclasses.dataclass(slots=True)
class ToxicityStage:
    """The built scorer, or (``scorer`` None) the one-line reason it could not load."""

    scorer: ToxicityDetector | None
    error: str | None = None

    @classmethod
    def build(cls, loaded: LoadedPolicy) -> ToxicityStage | None:
        """None when the policy turns toxicity off (torch is then never imported)."""
        if not loaded.policy.toxicity.enabled:
            return None
        from careguard.toxicity import build_toxicity

        try:
            scorer = build_toxicity(loaded)
        except StageError as exc:
            log.warning("stage could not load", extra={"stage": STAGE})
            return cls(None, _one_line(exc))
        import torch

        # one intra-op thread per scoring call, like the distress model's onnxruntime session:
        # requests score side by side in worker threads, and torch's default (one thread per
        # core) made a one-sentence call ~7x slower on a busy 2-core machine (bench below)
        torch.set_num_threads(TORCH_THREADS)
        return cls(scorer)


def load_failures(stages: Any) -> dict[str, str]:
    """Stage name → one-line reason, for every stage of ``stages`` that could not load."""
    tox: ToxicityStage | None = getattr(stages, "toxicity", None)
    if tox is not None and tox.scorer is None:
        return {STAGE: tox.error or "not loaded"}
    return {}


def _last_user_text(ex: Exchange) -> str:
    for m in reversed(ex.messages):
        if m.role == "user":
            return str(m.text)
    return ""


async def user_toxicity(pipeline: Pipeline, ex: Exchange,
                        degraded: list[str]) -> UserToxicity | None:
    """How the new user turn's hostility reads (None when not checked or failed open).

    Raises :class:`StageError` when the stage cannot run and fails closed.
    """
    tox: ToxicityStage | None = pipeline.stages.toxicity
    pol = pipeline.policy.toxicity
    if tox is None:
        return None
    scorer = tox.scorer
    try:
        if scorer is None:
            raise StageError(STAGE, tox.error or "the model is not loaded")
        if not pol.check_user:
            return None
        text = _last_user_text(ex)
        if not text.strip():
            return None
        from careguard.toxicity import classify_user_turn

        result: UserToxicity = await pipeline._run(
            STAGE, pol.stage, lambda: classify_user_turn(scorer, text)
        )
    except StageError:
        if pipeline.policy.failure_mode_for(pol.stage) is FailureMode.CLOSED:
            raise
        log.warning("stage failed open", extra={"stage": STAGE})
        degraded.append(STAGE)
        return None
    if result.kind == "abuse":
        observe.note_reply_action("user_toxicity", "record_abuse")
    if result.distress_signal:
        observe.note_reply_action("user_toxicity", "distress_signal")
    return result


def raise_for_self_hostility(assessment: Assessment, found: UserToxicity | None) -> Assessment:
    """Self-directed hostility is a distress signal: the level becomes at least ``moderate``."""
    if found is None or not found.distress_signal or assessment.level >= Level.MODERATE:
        return assessment
    signal = Signal(SELF_HOSTILITY_SIGNAL, Level.MODERATE, round(found.toxicity, 4))
    return dataclasses.replace(
        assessment, level=Level.MODERATE, score=max(assessment.score, found.toxicity),
        subject="self" if assessment.subject == "unclear" else assessment.subject,
        signals=(*assessment.signals, signal),
    )


def with_tone_guidance(plan: Any, found: UserToxicity | None, guidelines: Any) -> Any:
    """The plan with the ``abuse`` guideline added when the user turn abuses others."""
    if found is None or found.kind != "abuse":
        return plan
    text = guidelines.texts.get(ABUSE_GUIDELINE)
    if not text or ABUSE_GUIDELINE in plan.guideline_ids:
        return plan
    return dataclasses.replace(
        plan, guideline_ids=(*plan.guideline_ids, ABUSE_GUIDELINE),
        guidelines="\n\n".join(t for t in (plan.guidelines, text) if t),
    )


def _applies(pipeline: Pipeline, turn: Turn) -> ToxicityDetector | None:
    tox: ToxicityStage | None = pipeline.stages.toxicity
    if tox is None or tox.scorer is None or turn.level < _MIN_LEVEL:
        return None
    return tox.scorer


def _replacement(pipeline: Pipeline, turn: Turn) -> str:
    return pipeline.direct_text(turn) if turn.plan.crisis else NEUTRAL_REPLY


class ToxicReplyStream:
    """Checks the text released by ``inner`` sentence by sentence for toxicity.

    ``inner`` (the safe-messaging checker) already releases whole sentences, so this adds no
    hold-back of its own except for a sentence ``inner`` released in parts; more than
    ``reply_checks.max_holdback_chars`` held is checked and released as it is.
    """

    def __init__(self, inner: TextFilter, pipeline: Pipeline, turn: Turn,
                 scorer: ToxicityDetector) -> None:
        self._inner = inner
        self._pipeline = pipeline
        self._turn = turn
        self._scorer = scorer
        self._detector: ToxicityDetector = scorer
        self._action = pipeline.policy.reply_checks.toxicity_action
        self._max = pipeline.policy.reply_checks.max_holdback_chars
        self._held = ""
        self._emitted = False
        self._flagged = False
        self._annotated = False
        self._stopped = False
        self._failed = False

    @property
    def stopped(self) -> bool:
        return self._stopped or bool(getattr(self._inner, "stopped", False))

    @property
    def flagged(self) -> bool:
        return self._flagged

    def feed(self, chunk: str) -> str:
        if self._stopped:
            return ""
        return self._take(self._inner.feed(chunk), end=False)

    def flush(self) -> str:
        if self._stopped:
            return ""
        return self.check_all(self._inner.flush())

    def check_all(self, text: str) -> str:
        """Check ``text`` and everything held back as the end of the reply."""
        out = self._take(text, end=True)
        if self._flagged and self._action is ReplyAction.ANNOTATE and not self._annotated:
            self._annotated = True
            out += ("\n\n" if not out.endswith("\n") else "\n") + ANNOTATION
        return out

    def _take(self, text: str, *, end: bool) -> str:
        self._held += text
        pieces: list[str] = []
        start = 0
        for m in _SENTENCE_END.finditer(self._held):
            pieces.append(self._held[start:m.end()])
            start = m.end()
        rest = self._held[start:]
        if end or len(rest) > self._max:
            pieces.append(rest)
            rest = ""
        self._held = rest
        if pieces and not self._failed:
            self._detector = _Prescored(self._scorer, pieces)
        out: list[str] = []
        for piece in pieces:
            if self._stopped:
                break
            out.append(self._emit(piece))
        return "".join(out)

    def _toxic(self, sentence: str) -> bool:
        if self._failed or not sentence.strip():
            return False
        from careguard.toxicity import is_toxic_reply

        try:
            return is_toxic_reply(self._detector, sentence)
        except Exception as exc:
            log.warning("stage failed", extra={"stage": STAGE})
            if self._pipeline.policy.failure_mode_for(
                    self._pipeline.policy.toxicity.stage) is FailureMode.CLOSED:
                raise StageError(STAGE, exc.__class__.__name__) from None
            self._failed = True
            self._turn.degraded.append(STAGE)
            return False

    def _emit(self, sentence: str) -> str:
        try:
            toxic = self._toxic(sentence)
        except StageError:  # fail closed: the safe reply instead of unchecked text
            self._stopped = True
            return self._safe_end()
        if not toxic:
            self._emitted = self._emitted or bool(sentence.strip())
            return sentence
        self._flagged = True
        observe.note_reply_action(STAGE, self._action.value)
        if self._action is ReplyAction.REPLACE:
            self._stopped = True
            return self._safe_end()
        if self._action is ReplyAction.REWRITE:
            tail = sentence[len(sentence.rstrip()):]
            self._emitted = True
            return REWRITTEN_SENTENCE + tail
        self._emitted = True
        return sentence

    def _safe_end(self) -> str:
        safe = _replacement(self._pipeline, self._turn)
        if not self._emitted:
            return safe
        return "\n\n" + safe


class _Prescored:
    """A detector answering from one batch scored up front (one forward pass for the
    sentences released together, instead of one per sentence); other texts are scored."""

    def __init__(self, scorer: ToxicityDetector, texts: Sequence[str]) -> None:
        self._scorer = scorer
        self._known: dict[str, ToxicityResult] = {}
        texts = [t for t in dict.fromkeys(texts) if t.strip()]
        if len(texts) > 1:
            try:
                self._known = dict(zip(texts, scorer.score(texts), strict=True))
            except Exception:  # scored one by one below, where failures are handled
                self._known = {}

    def score(self, texts: Sequence[str]) -> list[ToxicityResult]:
        if all(t in self._known for t in texts):
            return [self._known[t] for t in texts]
        return self._scorer.score(texts)


class _Pass:
    def feed(self, chunk: str) -> str:
        return chunk

    def flush(self) -> str:
        return ""


def reply_stream(inner: TextFilter, pipeline: Pipeline, turn: Turn) -> TextFilter:
    """``inner`` followed by the toxicity check when it applies to this turn."""
    scorer = _applies(pipeline, turn)
    return inner if scorer is None else ToxicReplyStream(inner, pipeline, turn, scorer)


def check_whole_reply(pipeline: Pipeline, turn: Turn, text: str) -> str:
    """A whole (non-streaming) reply after the toxicity check (unchanged when it passes).

    The reply is judged by its sentences, scored in one batch: scoring the whole text as well
    doubled the cost and, for a long reply, dilutes one demeaning sentence anyway.
    """
    scorer = _applies(pipeline, turn)
    if scorer is None or not text.strip():
        return text
    check = ToxicReplyStream(_Pass(), pipeline, turn, scorer)
    out = check.check_all(text)  # every sentence in one batch
    if check.stopped:  # replace (or failed closed): the replacement alone
        return _replacement(pipeline, turn)
    return out
