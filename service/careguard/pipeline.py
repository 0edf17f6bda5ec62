"""The per-turn pipeline, free of any web framework (the proxy and the ASGI middleware share it).

Request side, :meth:`Pipeline.prepare`: assess distress on the *original* text in-process →
redact every text slot of the conversation (history too, all roles, one pseudonym session) →
plan the interventions → inject the system block. Only the returned, redacted body leaves the
process.

Reply side, :class:`~careguard.pipeline_reply.ReplyFilter` (in :mod:`careguard.pipeline_reply`,
re-exported here): restore pseudonyms, run the reply checks, and at the crisis
level guarantee the resource note — for a whole JSON reply (:meth:`ReplyFilter.finish_json`)
and for a stream of text deltas (:meth:`ReplyFilter.feed` / :meth:`ReplyFilter.close`), holding
back only what restoration and checking need.

Blocking model work runs in worker threads under a shared :class:`anyio.CapacityLimiter` and
the stage's deadline; a stage that fails resolves through the policy's failure mode.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from careguard import observe
from careguard.adapters import Exchange
from careguard.assessment import Assessment
from careguard.conversation import Message
from careguard.errors import StageError, StageTimeout
from careguard.levels import UNKNOWN, Level
from careguard.pipeline_reply import ReplyFilter
from careguard.pipeline_toxicity import (
    raise_for_self_hostility,
    user_toxicity,
    with_tone_guidance,
)
from careguard.policy import FailureMode, LoadedPolicy, Policy, StageSettings

__all__ = [
    "Pipeline",
    "ReplyFilter",
    "Stages",
    "Turn",
    "TurnContext",
    "build_stages",
    "conversation_key",
]

log = logging.getLogger("careguard.pipeline")
T = TypeVar("T")


@dataclass(slots=True)
class Stages:
    """The stage objects built once per process from one policy (see :func:`build_stages`).

    Typed loosely on purpose: each is owned by its module (``careguard.pii``,
    ``careguard.distress``, ``careguard.interventions``, ...), see docs/architecture.md.
    """

    loaded: LoadedPolicy
    assessor: Any
    redactor: Any | None
    directory: Any
    interventions: Any
    checks: Any | None = None
    escalation: Any | None = None
    toxicity: Any | None = None


def build_stages(loaded: LoadedPolicy, *, secret: bytes | None = None) -> Stages:
    """Build every stage for ``loaded`` (slow: loads models). Call once per process.

    ``secret`` keys the pseudonyms; by default it comes from ``CAREGUARD_PSEUDONYM_KEY`` (hex,
    set once by the parent of several workers) or is random for this process.
    """
    from careguard.distress import build_assessor
    from careguard.escalation import Escalator
    from careguard.interventions import Interventions
    from careguard.output_checks import ReplyChecks
    from careguard.pii import build_redactor
    from careguard.pii.pseudonym import secret_from_env
    from careguard.pipeline_toxicity import ToxicityStage

    if secret is None:
        secret = secret_from_env()
    ints = Interventions.from_policy(loaded)
    policy = loaded.policy
    redactor = None
    if policy.pii.enabled:
        redactor = build_redactor(
            loaded, protected=ints.directory.protected_strings(), secret=secret
        )
    assessor = build_assessor(loaded) if policy.distress.enabled else None
    return Stages(loaded, assessor=assessor, redactor=redactor, directory=ints.directory,
                  interventions=ints, checks=ReplyChecks.from_policy(policy),
                  escalation=Escalator.from_policy(policy),
                  toxicity=ToxicityStage.build(loaded))


@dataclass(frozen=True, slots=True)
class TurnContext:
    request_id: str
    country: str
    conversation_id: str | None = None


@dataclass(slots=True)
class Turn:
    """The request side's result: what to forward and what the reply side needs."""

    exchange: Exchange
    assessment: Assessment
    plan: Any
    session: Any | None
    redactions: int
    direct: bool
    guarantee: bool
    degraded: list[str] = field(default_factory=list)
    assessed: bool = True
    """False when distress could not be assessed (failed closed): the turn is answered
    directly and its level is reported as ``unknown``."""

    @property
    def level(self) -> Level:
        return self.assessment.level

    @property
    def level_name(self) -> str:
        """The level for headers, metrics and the audit: ``unknown`` when not assessed."""
        return self.assessment.level.value if self.assessed else UNKNOWN


def conversation_key(ex: Exchange, explicit: str | None) -> str:
    """A key stable across the requests of one conversation (clients resend history).

    An explicit id wins; else a hash of the texts up to and including the first user turn.
    """
    h = hashlib.sha256(ex.api.encode())
    if explicit:
        h.update(b"\x00id\x00" + explicit.encode())
        return h.hexdigest()[:32]
    for m in ex.messages:
        h.update(b"\x00" + m.role.encode() + b"\x00" + m.text.encode())
        if m.role == "user":
            break
    return h.hexdigest()[:32]


_NONE = Assessment(level=Level.NONE, score=0.0, trend="stable", subject="unclear")


class _FindingsCache:
    """Findings by a digest of the text (history is re-sent every turn; analyse it once).

    Keys are digests, values offsets and scores: no conversation text is kept.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()  # used from several worker threads at once

    def get(self, text: str, compute: Callable[[str], Any]) -> tuple[Any, ...]:
        if self._size <= 0:
            return tuple(compute(text))
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        found = tuple(compute(text))  # outside the lock: analysis is the slow part
        with self._lock:
            self._items[key] = found
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return found


class Pipeline:
    """Runs one turn's stages; thread-safe and shared by every request of a worker."""

    def __init__(
        self, stages: Stages, *, limiter: anyio.CapacityLimiter | None = None,
        findings_cache: int = 10_000,
    ) -> None:
        self.stages = stages
        self.limiter = limiter or anyio.CapacityLimiter(4)
        self._findings = _FindingsCache(findings_cache)

    @property
    def policy(self) -> Policy:
        return self.stages.loaded.policy

    def warm_up(self, messages: list[Message]) -> None:
        """Run every model once (blocking) so the first real turn is not slow."""
        if self.stages.assessor is not None:
            self.stages.assessor.assess(messages)
        if self.stages.redactor is not None:
            session = self.stages.redactor.session("warm-up")
            for m in messages:
                self.stages.redactor.redact(m.text, session)
        tox = self.stages.toxicity
        if tox is not None and tox.scorer is not None:
            tox.scorer.score([m.text for m in messages])

    async def _run(self, name: str, settings: StageSettings, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        try:
            with anyio.fail_after(settings.timeout_ms / 1000):
                return await anyio.to_thread.run_sync(
                    fn, limiter=self.limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            raise StageTimeout(name, f"deadline of {settings.timeout_ms} ms passed") from None
        except StageError:
            raise
        except Exception as exc:
            raise StageError(name, exc.__class__.__name__) from exc
        finally:
            observe.note_stage(name, time.perf_counter() - start)

    async def assess(self, messages: list[Message]) -> Assessment:
        """The distress assessment alone (``POST /v1/assess``), deadline and limit applied."""
        p = self.policy.distress
        assessor = self.stages.assessor
        if not p.enabled or assessor is None:
            return _NONE
        result: Assessment = await self._run("distress", p.stage,
                                             lambda: assessor.assess(messages))
        observe.note_assessment(result)
        return result

    async def prepare(self, ex: Exchange, ctx: TurnContext) -> Turn:
        """Assess, redact, plan and inject; the exchange's body is then safe to forward."""
        policy = self.policy
        degraded: list[str] = []
        key = conversation_key(ex, ctx.conversation_id)
        # distress (original text) and PII run side by side: both spend their time in
        # native code (onnxruntime, spaCy) in worker threads
        found: dict[str, Any] = {}
        errors: list[StageError] = []

        async def assess() -> None:
            try:
                found["assessment"] = await self._assess_turn(ex, degraded)
            except StageError as exc:
                errors.append(exc)

        async def redact() -> None:
            try:
                found["redaction"] = await self._redact(ex, key, degraded)
            except StageError as exc:
                errors.append(exc)

        async def toxicity() -> None:  # the new user turn; fails closed by raising
            try:
                found["toxicity"] = await user_toxicity(self, ex, degraded)
            except StageError as exc:
                found["toxicity_error"] = exc

        async with anyio.create_task_group() as tg:
            tg.start_soon(assess)
            tg.start_soon(redact)
            tg.start_soon(toxicity)
        if found.get("assessment", _NONE) is None:  # distress failed closed
            return self._unassessed(ex, ctx, key, found.get("redaction", (None, 0)))
        crisis_without_pii = (
            len(errors) == 1 and "assessment" in found
            and found["assessment"].level >= policy.interventions.resources_min_level
        )
        if errors and not crisis_without_pii:
            raise errors[0]
        # self-directed hostility raises the level; a closed toxicity failure is an error,
        # except on a crisis turn, which is answered directly (like PII above)
        assessment: Assessment = raise_for_self_hostility(found["assessment"],
                                                          found.get("toxicity"))
        tox_failed = "toxicity_error" in found
        if tox_failed and assessment.level < policy.interventions.resources_min_level:
            raise found["toxicity_error"]
        session, redactions = found.get("redaction", (None, 0))
        plan = with_tone_guidance(
            self.stages.interventions.plan_for(assessment, policy, self.stages.directory,
                                               ctx.country),
            found.get("toxicity"), self.stages.interventions.guidelines,
        )
        ex.inject_system(self.stages.interventions.system_block(plan) or "")
        # a crisis turn whose text could not be redacted is never forwarded, but still
        # answered: the safe message with resources (fail closed, respond, don't reject)
        if crisis_without_pii:
            degraded.append("pii")
        if tox_failed:
            degraded.append("toxicity")
        turn = Turn(ex, assessment, plan, session, redactions,
                    direct=bool(plan.respond_directly) or crisis_without_pii or tox_failed,
                    guarantee=bool(plan.ensure_resources), degraded=degraded)
        observe.note_turn(turn, country=ctx.country, conversation_key=key)
        self._escalate(turn, ctx)
        return turn

    def _unassessed(self, ex: Exchange, ctx: TurnContext, key: str,
                    redaction: tuple[Any, int]) -> Turn:
        """Distress could not be assessed and the policy fails closed: nothing is forwarded;
        careguard answers itself, warmly, with the country's crisis resources (respond,
        don't reject), and the level is reported as ``unknown``."""
        plan = self.stages.interventions.plan_unassessed(self.policy, self.stages.directory,
                                                         ctx.country)
        session, redactions = redaction
        turn = Turn(ex, _NONE, plan, session, redactions, direct=True, guarantee=False,
                    assessed=False)
        observe.note_turn(turn, country=ctx.country, conversation_key=key)
        return turn

    async def _assess_turn(self, ex: Exchange, degraded: list[str]) -> Assessment | None:
        """The assessment; None when it failed under ``failure_mode: closed``."""
        policy = self.policy
        try:
            return await self.assess(ex.messages)
        except StageError as exc:
            if policy.failure_mode_for(policy.distress.stage) is FailureMode.CLOSED:
                log.warning("distress could not be assessed; careguard answers directly",
                            extra={"stage": "distress", "error": exc.__class__.__name__})
                return None
            log.warning("stage failed open", extra={"stage": "distress"})
            degraded.append("distress")
            return _NONE

    async def _redact(self, ex: Exchange, key: str, degraded: list[str]) -> tuple[Any, int]:
        policy = self.policy
        redactor = self.stages.redactor
        if not policy.pii.enabled or redactor is None:
            return None, 0
        slots = [s for s in ex.slots if s.text.strip()]

        def analyze(text: str) -> Any:  # a cache miss: count what is newly found
            found = redactor.analyze(text)
            observe.note_entities(f.entity_type for f in found)
            return found

        def work() -> tuple[Any, list[str], int]:
            session = redactor.session(key)
            out: list[str] = []
            count = 0
            for slot in slots:
                findings = self._findings.get(slot.text, analyze)
                count += len(findings)
                out.append(redactor.replace(slot.text, findings, session))
            return session, out, count

        try:
            session, texts, count = await self._run("pii", policy.pii.stage, work)
        except StageError:
            if policy.failure_mode_for(policy.pii.stage) is FailureMode.CLOSED:
                raise
            log.warning("stage failed open", extra={"stage": "pii"})
            degraded.append("pii")
            return None, 0
        for slot, text in zip(slots, texts, strict=True):
            ex.set_text(slot, text)
        return session, count

    def _escalate(self, turn: Turn, ctx: TurnContext) -> None:
        esc = self.stages.escalation
        if esc is None:
            return
        try:
            esc.submit(turn.assessment, request_id=ctx.request_id, country=ctx.country)
        except Exception:  # never let escalation break the reply
            log.exception("escalation submit failed")

    def direct_text(self, turn: Turn) -> str:
        """The warm, safe message with resources, used without (or instead of) the LLM."""
        text: str = self.stages.interventions.direct_response(turn.plan)
        return text

    def reply(self, turn: Turn, *, check: bool = True) -> ReplyFilter:
        """The reply side of ``turn``; ``check=False`` skips the safe-messaging checks (only
        for careguard's own ``echo`` upstream, whose "reply" is the prompt shown back)."""
        return ReplyFilter(self, turn, check=check)

    def reply_checked(self, turn: Turn, *, check: bool = True) -> str:
        """The ``x-careguard-reply-checked`` value: ``true`` when the safe-messaging checks
        run on this turn's reply; ``false`` when the policy turns them off, the ``echo``
        upstream answered (``check=False``), or a check failed and ``failure_mode: open``
        let the reply through unchecked."""
        ok = (check and self.stages.checks is not None
              and "reply_checks" not in turn.degraded)
        return "true" if ok else "false"
