"""careguard.observe: the per-request middleware records metrics, audit events and one log line
from what the request's code noted."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from careguard import observe
from careguard.adapters import parse_request
from careguard.assessment import Assessment
from careguard.audit import Auditor, StreamSink
from careguard.errors import UpstreamTimeout
from careguard.escalation import Escalator
from careguard.interventions import plan_for
from careguard.levels import Level
from careguard.metrics import Metrics
from careguard.pipeline import Turn
from careguard.policy import load_policy
from careguard.resources import ResourceDirectory

Handler = Callable[[], Awaitable[tuple[int, bytes]]]
CONVERSATION = "conversation-key-7f3a"


def crisis_turn() -> Turn:
    """A real turn at level ``high`` for a US user (real plan from the shipped directory)."""
    loaded = load_policy()
    assessment = Assessment(level=Level.HIGH, score=0.9, trend="escalating", subject="self")
    plan = plan_for(assessment, loaded, ResourceDirectory.for_policy(loaded), "US")
    ex = parse_request("openai", {"model": "m", "messages": [{"role": "user", "content": "x"}]})
    return Turn(ex, assessment, plan, None, 0, direct=False, guarantee=True)


class Harness:
    """ObserveMiddleware around a tiny ASGI app whose body is ``handler``."""

    def __init__(self, handler: Handler, routes: frozenset[str] = frozenset()) -> None:
        self.metrics = Metrics(CollectorRegistry(), countries={"US"})
        self.audit = io.StringIO()
        auditor = Auditor(StreamSink(self.audit), policy_name="default", policy_version=1)
        self.seen_ids: list[str] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            self.seen_ids.append(observe.request_id())
            status, body = await handler()
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": body})

        self.app = observe.ObserveMiddleware(app, metrics=self.metrics, auditor=auditor,
                                             routes=routes)

    def post(self, path: str) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return await client.post(path, json={})

        return asyncio.run(go())

    def value(self, name: str, **labels: str) -> float | None:
        return self.metrics.registry.get_sample_value(name, labels)


async def ok() -> tuple[int, bytes]:
    return 200, b"{}"


@pytest.mark.parametrize(
    ("path", "route"), [("/v1/assess", "/v1/assess"), ("/v1/users/jane", "other")]
)
def test_request_counted_by_bounded_route(path: str, route: str) -> None:
    """A finished request counts once under its route (unknown paths as ``other``)."""
    h = Harness(ok)
    h.post(path)
    assert h.value("careguard_requests_total", route=route, outcome="ok") == 1.0


def test_configured_route_is_its_own_metric_label() -> None:
    """A route the middleware guards (an app's own ``/chat``) is counted under its path."""
    h = Harness(ok, routes=frozenset({"/chat"}))
    h.post("/chat")
    assert h.value("careguard_requests_total", route="/chat", outcome="ok") == 1.0


def test_configured_route_turns_are_audited() -> None:
    """A chat turn on a configured route writes its audit event like the standard routes."""

    async def turn() -> tuple[int, bytes]:
        observe.note_turn(crisis_turn(), country="US", conversation_key=CONVERSATION)
        return 200, b"{}"

    h = Harness(turn, routes=frozenset({"/chat"}))
    h.post("/chat")
    assert json.loads(h.audit.getvalue())["route"] == "/chat"


def test_noted_upstream_error_sets_outcome_and_kind() -> None:
    """An error noted by the error mapping gives outcome ``upstream_error`` and its kind."""

    async def fail() -> tuple[int, bytes]:
        observe.note_error(UpstreamTimeout("late"))
        return 504, b"{}"

    h = Harness(fail)
    h.post("/v1/chat/completions")
    assert h.value("careguard_requests_total", route="/v1/chat/completions",
                   outcome="upstream_error") == 1.0  # fmt: skip
    assert h.value("careguard_upstream_errors_total", kind="timeout") == 1.0


def test_request_id_is_bound_for_the_request() -> None:
    """Code in the request sees one request id; outside a request each call is fresh."""

    async def twice() -> tuple[int, bytes]:
        observe.request_id()
        return 200, observe.request_id().encode()

    h = Harness(twice)
    resp = h.post("/v1/assess")
    assert resp.text == h.seen_ids[0]
    assert observe.request_id() != observe.request_id()


def test_noted_stage_times_are_observed() -> None:
    """Stage timings noted during the request land in the stage histogram."""

    async def timed() -> tuple[int, bytes]:
        observe.note_stage("pii", 0.02)
        return 200, b"{}"

    h = Harness(timed)
    h.post("/v1/assess")
    assert h.value("careguard_stage_duration_seconds_sum", stage="pii") == pytest.approx(0.02)


async def imminent_assessment() -> tuple[int, bytes]:
    observe.note_assessment(Assessment(level=Level.IMMINENT, score=0.99, trend="escalating",
                                       subject="self"))
    return 200, b"{}"


def test_assess_api_calls_are_not_counted_as_turn_assessments() -> None:
    """``POST /v1/assess`` does not feed careguard_assessments_total (the imminent alert)."""
    h = Harness(imminent_assessment)
    h.post("/v1/assess")
    assert h.value("careguard_assessments_total", level="imminent", subject="self") is None


def test_assess_api_calls_have_their_own_counter() -> None:
    """``POST /v1/assess`` is counted in careguard_assess_api_total by level."""
    h = Harness(imminent_assessment)
    h.post("/v1/assess")
    assert h.value("careguard_assess_api_total", level="imminent") == 1.0


def test_chat_turn_assessments_are_counted() -> None:
    """A chat turn's assessment is counted in careguard_assessments_total."""
    h = Harness(imminent_assessment)
    h.post("/v1/chat/completions")
    assert h.value("careguard_assessments_total", level="imminent", subject="self") == 1.0


def test_crisis_turn_counts_a_referral_and_is_audited() -> None:
    """A successful crisis turn counts a referral for its country and writes an audit event
    with the resource ids shown and a hashed conversation key."""

    async def turn() -> tuple[int, bytes]:
        observe.note_turn(crisis_turn(), country="US", conversation_key=CONVERSATION)
        return 200, b"{}"

    h = Harness(turn)
    h.post("/v1/chat/completions")
    event = json.loads(h.audit.getvalue())
    assert h.value("careguard_crisis_referrals_total", country="US") == 1.0
    assert (event["level"], event["country"]) == ("high", "US")
    assert event["resources"] and "resources:shown" in event["actions"]
    assert CONVERSATION not in h.audit.getvalue()


def test_failed_crisis_turn_counts_no_referral() -> None:
    """A crisis turn that ended in an error counts no referral (nothing reached the user)."""

    async def failed() -> tuple[int, bytes]:
        observe.note_turn(crisis_turn(), country="US", conversation_key=CONVERSATION)
        observe.note_error(UpstreamTimeout("late"))
        return 504, b"{}"

    h = Harness(failed)
    h.post("/v1/chat/completions")
    assert h.value("careguard_crisis_referrals_total", country="US") is None


def test_escalation_outcomes_reach_the_metric() -> None:
    """Wired as the Escalator's hook, Metrics counts a dropped escalation."""
    loaded = load_policy()
    policy = loaded.policy
    escalation = type(policy.interventions.escalation)(webhook_url="http://127.0.0.1:9/hook")
    interventions = type(policy.interventions)(escalation=escalation)
    esc = Escalator(type(policy)(version=1, name="t", interventions=interventions))
    metrics = Metrics(CollectorRegistry())
    esc.on_outcome = metrics.escalation
    esc.notify({"event": "careguard.escalation"})  # no running event loop: dropped
    assert metrics.registry.get_sample_value(
        "careguard_escalations_total", {"outcome": "dropped"}
    ) == 1.0


def test_reply_findings_reach_the_metric_and_the_audit_line() -> None:
    """Each safe-messaging finding of the turn's reply counts under its id and is listed once
    in the audit actions (ids only, never the sentence)."""

    async def turn() -> tuple[int, bytes]:
        observe.note_turn(crisis_turn(), country="US", conversation_key=CONVERSATION)
        observe.note_reply_finding("method-details")
        observe.note_reply_finding("method-details")
        observe.note_reply_finding("concealment")
        return 200, b"{}"

    h = Harness(turn)
    h.post("/v1/chat/completions")
    event = json.loads(h.audit.getvalue())
    assert h.value("careguard_reply_findings_total", finding="method-details") == 2.0
    assert h.value("careguard_reply_findings_total", finding="concealment") == 1.0
    assert [a for a in event["actions"] if a.startswith("reply_finding:")] == [
        "reply_finding:method-details", "reply_finding:concealment"]


def test_a_crisis_turn_answered_after_an_upstream_failure_is_audited_as_such() -> None:
    """The direct answer given because the upstream failed is in the audit actions, with
    the failure's kind; the upstream error counts and the outcome is ``responded``."""

    async def turn() -> tuple[int, bytes]:
        observe.note_turn(crisis_turn(), country="US", conversation_key=CONVERSATION)
        observe.note_upstream_failure("unavailable")
        return 200, b"{}"

    h = Harness(turn)
    h.post("/v1/chat/completions")
    event = json.loads(h.audit.getvalue())
    assert {"direct_response", "upstream_failed:unavailable"} <= set(event["actions"])
    assert event["outcome"] == "responded"
    assert h.value("careguard_upstream_errors_total", kind="unavailable") == 1.0
