"""Per-request observation: one request id, the metrics, one audit event and one log line.

Framework-free (the pipeline imports it); the litestar ``/metrics`` route is in
:mod:`careguard.proxy.observability`.

A pure ASGI middleware (:class:`ObserveMiddleware`) opens an :class:`Observation` for each
HTTP request and binds it, with the request id, to context variables. The code that knows
something about the turn notes it with one call — :func:`note_stage` (pipeline stage timings),
:func:`note_assessment`, :func:`note_turn` (the prepared turn), :func:`note_entities` (PII
entity types found), :func:`note_reply_action`,
:func:`note_reply_finding`, :func:`note_error` (the error mapped to the
response) — and those calls do nothing outside a request. When the response has been sent
(streams included) the middleware records everything at once: metrics, the PII-free audit
event (chat turns only) and a single ``request done`` log line. Context variables reach
worker threads (anyio copies the context), so notes from model code land on the right request.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry

from careguard.audit import Auditor, NullSink, open_sink
from careguard.errors import InputError, StageError, UpstreamError
from careguard.levels import UNKNOWN
from careguard.logs import new_request_id, request_id_var
from careguard.metrics import ROUTES, Metrics, mark_worker_dead
from careguard.policy import LoadedPolicy

__all__ = [
    "Observability",
    "Observation",
    "ObserveMiddleware",
    "current",
    "note_assessment",
    "note_entities",
    "note_error",
    "note_reply_action",
    "note_reply_finding",
    "note_stage",
    "note_turn",
    "note_upstream_failure",
    "request_id",
    "setup",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("careguard.observe")
_current: contextvars.ContextVar[Observation | None] = contextvars.ContextVar(
    "careguard_observation", default=None
)
TURN_ROUTES = frozenset({"/v1/chat/completions", "/v1/messages"})
ASSESS_ROUTE = "/v1/assess"
_QUIET_ROUTES = frozenset({"/metrics", "/healthz", "/readyz"})


@dataclass(slots=True)
class Observation:
    """What one request did (bounded values only; never text)."""

    request_id: str
    route: str
    start: float
    timings: dict[str, float] = field(default_factory=dict)
    assessment: Any | None = None
    turn: Any | None = None
    country: str | None = None
    conversation_key: str | None = None
    entities: list[str] = field(default_factory=list)
    reply_actions: list[tuple[str, str]] = field(default_factory=list)
    reply_findings: list[str] = field(default_factory=list)
    upstream_failure: str | None = None
    """The upstream failed (this kind) and careguard answered the crisis turn itself."""
    error: BaseException | None = None


def current() -> Observation | None:
    return _current.get()


def request_id() -> str:
    """The bound request id, or a fresh one outside a request."""
    return request_id_var.get() or new_request_id()


def note_stage(name: str, seconds: float) -> None:
    obs = _current.get()
    if obs is not None:
        obs.timings[name] = obs.timings.get(name, 0.0) + seconds


def note_assessment(assessment: Any) -> None:
    obs = _current.get()
    if obs is not None:
        obs.assessment = assessment


def note_turn(turn: Any, *, country: str, conversation_key: str) -> None:
    """The prepared turn (``pipeline.Turn``), its country and conversation key."""
    obs = _current.get()
    if obs is not None:
        obs.turn, obs.country, obs.conversation_key = turn, country, conversation_key


def note_entities(entity_types: Iterable[str]) -> None:
    obs = _current.get()
    if obs is not None:
        obs.entities.extend(entity_types)


def note_reply_action(check: str, action: str) -> None:
    obs = _current.get()
    if obs is not None:
        obs.reply_actions.append((check, action))


def note_reply_finding(finding: str) -> None:
    """A reply sentence broke a safe-messaging check (the finding id, never text)."""
    obs = _current.get()
    if obs is not None:
        obs.reply_findings.append(finding)


def note_upstream_failure(kind: str) -> None:
    """The upstream failed on a crisis turn and careguard answered with its direct response:
    counted as an upstream error (the alert must see it) with outcome ``responded``."""
    obs = _current.get()
    if obs is not None:
        obs.upstream_failure = kind


def note_error(exc: BaseException) -> None:
    obs = _current.get()
    if obs is not None:
        obs.error = exc


def _outcome(obs: Observation, status: int) -> str:
    err = obs.error
    if isinstance(err, InputError):
        return "client_error"
    if isinstance(err, UpstreamError):
        return "upstream_error"
    if isinstance(err, StageError):
        return "fail_safe"
    if err is not None and type(err).__name__ in {"Overloaded", "Starting"}:
        return "overloaded"
    if status < 400:
        direct = obs.upstream_failure is not None or (obs.turn is not None and obs.turn.direct)
        return "responded" if direct else "ok"
    if status == 503:
        return "overloaded"
    return "client_error" if status < 500 else "error"


def _channels(resource: Any) -> list[str]:
    return [name for name, present in (
        ("phone", resource.phones), ("sms", resource.texts), ("chat", resource.chat),
        ("web", resource.website),
    ) if present]  # fmt: skip


class ObserveMiddleware:
    """Pure ASGI middleware: binds the observation, records it when the response is done."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, auditor: Auditor | None,
                 routes: Iterable[str] = ()) -> None:  # fmt: skip
        """``routes``: paths of chat routes configured besides the standard ones (an app's
        own ``/chat`` behind :class:`careguard.CareGuardMiddleware`): labelled by their path
        in metrics and audited as chat turns."""
        self.app = app
        self.metrics = metrics
        self.auditor = auditor
        self.turn_routes = TURN_ROUTES | frozenset(routes)
        self.routes = ROUTES | self.turn_routes
        metrics.allow_routes(self.turn_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        obs = Observation(new_request_id(), path if path in self.routes else "other",
                          time.perf_counter())  # fmt: skip
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        token, rid_token = _current.set(obs), request_id_var.set(obs.request_id)
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, observed_send)
        finally:
            self.metrics.in_flight.dec()
            try:
                self._finish(obs, status, time.perf_counter() - obs.start)
            except Exception:  # observing must never break a response
                log.exception("recording the request failed")
            _current.reset(token)
            request_id_var.reset(rid_token)

    def _finish(self, obs: Observation, status: int, elapsed: float) -> None:
        m, turn, outcome = self.metrics, obs.turn, _outcome(obs, status)
        m.request(obs.route, outcome)
        if obs.route not in _QUIET_ROUTES:
            timings = {**obs.timings, "total": elapsed}
            m.turn_timings(timings)  # adds overhead = total - upstream
        if isinstance(obs.error, UpstreamError):
            m.upstream_error(obs.error.kind)
        elif obs.upstream_failure is not None:
            m.upstream_error(obs.upstream_failure)
        if isinstance(obs.error, StageError):
            m.failsafe_activation(obs.error.stage, "closed")
        if obs.assessment is not None:  # chat turns and /v1/assess calls alike
            m.language(obs.assessment.language, supported=obs.assessment.language_supported)
        if obs.assessment is not None and obs.route == ASSESS_ROUTE:  # no user was answered
            m.assess_api_call(obs.assessment.level.value)
        elif obs.assessment is not None:
            m.assessment(obs.assessment.level.value, obs.assessment.subject)
        elif turn is not None and not turn.assessed:  # failed closed: no level is guessed
            m.assessment(UNKNOWN, "unclear")
            m.failsafe_activation("distress", "closed")
        m.pii(obs.entities)
        for check, action in obs.reply_actions:
            m.reply_action(check, action)
        for finding in obs.reply_findings:
            m.reply_finding(finding)
        shown: tuple[Any, ...] = ()
        if turn is not None:
            for stage in turn.degraded:
                m.failsafe_activation(stage, "open")
            plan = turn.plan
            if status < 400 and (turn.guarantee or turn.direct) and plan.resources:
                shown = tuple(plan.resources)
                m.referral(plan.resources_country, [c for r in shown for c in _channels(r)])
            if self.auditor is not None and obs.route in self.turn_routes:
                self._audit(obs, outcome, elapsed, shown)
        level = logging.DEBUG if obs.route in _QUIET_ROUTES else logging.INFO  # probes, scrapes
        log.log(level, "request done", extra={
            "route": obs.route, "status": status, "outcome": outcome,
            "duration_ms": round(elapsed * 1000, 2),
            "distress_level": turn.level_name if turn is not None else None,
            "redactions": turn.redactions if turn is not None else None,
        })  # fmt: skip

    def _audit(
        self, obs: Observation, outcome: str, elapsed: float, shown: tuple[Any, ...]
    ) -> None:
        assert self.auditor is not None and obs.turn is not None
        turn, plan = obs.turn, obs.turn.plan
        actions = [f"guidelines:{g}" for g in plan.guideline_ids]
        if plan.inject_resources:
            actions.append("resources:injected")
        if shown:
            actions.append("resources:shown")
        if turn.direct or obs.upstream_failure is not None:
            actions.append("direct_response")
        if obs.upstream_failure is not None:
            actions.append(f"upstream_failed:{obs.upstream_failure}")
        if turn.redactions:
            actions.append("pii:redacted")
        if plan.escalate:
            actions.append("escalation:due")
        if not turn.assessment.language_supported:
            actions.append("language:unsupported")
        if plan.language_fallback:
            actions.append("language:support")
        actions += [f"failsafe_open:{s}" for s in turn.degraded]
        if not turn.assessed:
            actions.append("failsafe_closed:distress")
        actions += [f"reply:{check}:{action}" for check, action in obs.reply_actions]
        actions += [f"reply_finding:{f}" for f in dict.fromkeys(obs.reply_findings)]
        a = turn.assessment
        timings = {k: v * 1000 for k, v in obs.timings.items()} | {"total": elapsed * 1000}
        self.auditor.record(
            conversation_id=obs.conversation_key or obs.request_id, request_id=obs.request_id,
            route=obs.route, outcome=outcome, level=turn.level_name, subject=a.subject,
            score=min(1.0, max(0.0, float(a.score))), trend=a.trend,
            country=plan.resources_country, language=a.language,
            language_supported=bool(a.language_supported), actions=tuple(actions),
            resources=tuple(r.id for r in shown), redactions=int(turn.redactions),
            timings_ms=timings,
        )  # fmt: skip


@dataclass(slots=True)
class Observability:
    """The per-process metrics and audit trail, and the middleware that feeds them."""

    metrics: Metrics
    auditor: Auditor | None
    def middleware(self, app: Any) -> Any:
        """Wrap the ASGI ``app`` (litestar accepts this as a middleware factory; typed ``Any``
        because litestar's ASGI types are narrower than the plain ones used here)."""
        return ObserveMiddleware(app, metrics=self.metrics, auditor=self.auditor)

    def close(self) -> None:
        if self.auditor is not None:
            self.auditor.close()
        mark_worker_dead()


def setup(loaded: LoadedPolicy, *, registry: CollectorRegistry | None = None,
          audit_path: str | None = None) -> Observability:  # fmt: skip
    """Build the metrics (fresh registry unless given) and the auditor for ``loaded``.

    The audit sink comes from ``audit_path`` or ``CAREGUARD_AUDIT_PATH`` (none: no audit).
    """
    from careguard.resources import ResourceDirectory

    policy = loaded.policy
    try:
        countries = ResourceDirectory.for_policy(loaded).countries | {"ZZ"}
    except Exception:  # the pipeline reports a bad directory; metrics just bound to "other"
        countries = frozenset()
    metrics = Metrics(registry or CollectorRegistry(), countries=countries,
                      entity_types=policy.pii.entities)  # fmt: skip
    models = {"distress": policy.distress.model, "pii": f"presidio:{policy.pii.mode.value}"}
    if policy.toxicity.enabled:
        models["toxicity"] = policy.toxicity.model
    metrics.set_info(policy_name=policy.name, policy_version=policy.version, models=models)
    sink = open_sink(audit_path)
    auditor = None if isinstance(sink, NullSink) else Auditor(
        sink, policy_name=policy.name, policy_version=policy.version
    )
    return Observability(metrics, auditor)
