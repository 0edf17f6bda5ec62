"""Escalation webhook: PII-free payload, retries, never blocking, bounded, real sockets."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
import pytest

from careguard.assessment import Assessment, Signal
from careguard.errors import PolicyError
from careguard.escalation import EVENT_KEYS, Escalator, escalation_event
from careguard.levels import Level
from careguard.policy import Policy, load_policy

REPO = Path(__file__).resolve().parents[2]


class Hook:
    """A webhook on 127.0.0.1 that answers with scripted statuses and records bodies."""

    def __init__(self, statuses: list[int], gate: threading.Event | None = None) -> None:
        self.statuses = statuses
        self.gate = gate
        self.bodies: list[dict[str, Any]] = []
        self.attempts = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if hook.gate is not None:
                    hook.gate.wait(10)
                status = hook.statuses[min(hook.attempts, len(hook.statuses) - 1)]
                hook.attempts += 1
                hook.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> Hook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gate is not None:
            self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def base() -> Policy:
    return load_policy(REPO / "policies" / "default.yaml").policy


def _policy(base: Policy, url: str, retries: int = 3, min_level: Level = Level.IMMINENT) -> Policy:
    esc = msgspec.structs.replace(base.interventions.escalation, webhook_url=url,
                                  retries=retries, min_level=min_level, timeout_ms=2000)
    ints = msgspec.structs.replace(base.interventions, escalation=esc)
    return msgspec.structs.replace(base, interventions=ints)


def _a(level: Level = Level.IMMINENT) -> Assessment:
    return Assessment(level=level, score=0.97, trend="escalating", subject="self",
                      signals=(Signal("rule:plan", Level.IMMINENT),))


@pytest.fixture
def hook_ok() -> Iterator[Hook]:
    with Hook([500, 200]) as h:
        yield h


def test_event_is_retried_until_delivered(base: Policy, hook_ok: Hook) -> None:
    """A webhook that fails once then succeeds gets the event on the second attempt."""
    async def main() -> Escalator:
        esc = Escalator(_policy(base, hook_ok.url), backoff_s=0.01)
        assert esc.submit(_a(), request_id="req-1", country="GB")
        await esc.aclose()
        return esc

    esc = asyncio.run(main())
    assert (hook_ok.attempts, esc.delivered, esc.failed) == (2, 1, 0)


def test_payload_has_only_pii_free_fields(base: Policy, hook_ok: Hook) -> None:
    """The delivered payload has exactly the PII-free keys and the turn's values."""
    async def main() -> None:
        esc = Escalator(_policy(base, hook_ok.url), backoff_s=0.01)
        esc.submit(_a(), request_id="req-7", country="gb")
        await esc.aclose()

    asyncio.run(main())
    body = hook_ok.bodies[-1]
    assert set(body) == EVENT_KEYS
    assert (body["request_id"], body["level"], body["subject"], body["country"]) == (
        "req-7", "imminent", "self", "GB")
    assert body["policy"] == {"name": "default", "version": 1}


@pytest.mark.parametrize(
    ("request_id", "expected"),
    [("abc-123", "abc-123"), ("my name is Jo Bloggs", None), ("", None)],
)
def test_request_id_that_is_not_a_token_is_dropped(
    base: Policy, request_id: str, expected: str | None
) -> None:
    """A request id with spaces or other text never reaches the webhook."""
    event = escalation_event(_a(), request_id=request_id, country="US", policy=base,
                             now=datetime(2026, 1, 1, tzinfo=UTC))
    assert event["request_id"] == expected


def test_timestamp_is_utc_iso(base: Policy) -> None:
    """The event's timestamp is ISO 8601 in UTC."""
    event = escalation_event(_a(), request_id="r", country=None, policy=base,
                             now=datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    assert (event["timestamp"], event["country"]) == ("2026-11-25T21:00:00.000Z", "ZZ")


def test_submit_does_not_wait_for_the_webhook(base: Policy) -> None:
    """submit returns while the webhook is still holding the request."""
    gate = threading.Event()
    with Hook([200], gate=gate) as hook:
        async def main() -> tuple[bool, int, int]:
            esc = Escalator(_policy(base, hook.url), backoff_s=0.01)
            scheduled = esc.submit(_a(), request_id="r", country="US")
            await asyncio.sleep(0.05)  # let the request reach the (blocked) webhook
            state = (scheduled, esc.pending, esc.delivered)
            gate.set()
            await esc.aclose()
            return state

        assert asyncio.run(main()) == (True, 1, 0)


def test_pending_events_are_bounded(base: Policy) -> None:
    """Beyond max_pending, further events are dropped and counted."""
    gate = threading.Event()
    with Hook([200], gate=gate) as hook:
        async def main() -> tuple[list[bool], int]:
            esc = Escalator(_policy(base, hook.url), max_pending=1, backoff_s=0.01)
            results = [esc.submit(_a(), request_id=f"r{i}", country="US") for i in range(3)]
            gate.set()
            await esc.aclose()
            return results, esc.dropped

        assert asyncio.run(main()) == ([True, False, False], 2)


def test_below_min_level_sends_nothing(base: Policy, hook_ok: Hook) -> None:
    """A turn below escalation.min_level schedules no event."""
    async def main() -> bool:
        esc = Escalator(_policy(base, hook_ok.url), backoff_s=0.01)
        scheduled = esc.submit(_a(Level.HIGH), request_id="r", country="US")
        await esc.aclose()
        return scheduled

    assert asyncio.run(main()) is False and hook_ok.attempts == 0


def test_gives_up_after_configured_retries(base: Policy) -> None:
    """A webhook that always fails gets 1 + retries attempts, then the event counts failed."""
    with Hook([503]) as hook:
        async def main() -> int:
            esc = Escalator(_policy(base, hook.url, retries=2), backoff_s=0.01)
            esc.submit(_a(), request_id="r", country="US")
            await esc.aclose()
            return esc.failed

        assert asyncio.run(main()) == 1 and hook.attempts == 3


def test_client_error_is_not_retried(base: Policy) -> None:
    """A 4xx refusal (other than 429) is final."""
    with Hook([400, 200]) as hook:
        async def main() -> None:
            esc = Escalator(_policy(base, hook.url), backoff_s=0.01)
            esc.submit(_a(), request_id="r", country="US")
            await esc.aclose()

        asyncio.run(main())
        assert hook.attempts == 1


def test_unreachable_webhook_fails_without_raising(base: Policy) -> None:
    """A refused connection is retried and then counted failed, never raised."""
    with Hook([200]) as hook:
        url = hook.url
    async def main() -> int:
        esc = Escalator(_policy(base, url, retries=1), backoff_s=0.01)
        esc.submit(_a(), request_id="r", country="US")
        await esc.aclose()
        return esc.failed

    assert asyncio.run(main()) == 1


def test_no_webhook_means_no_escalator(base: Policy) -> None:
    """Without webhook_url the policy builds no escalator."""
    assert Escalator.from_policy(base) is None


def test_submit_without_event_loop_is_dropped(base: Policy) -> None:
    """Called outside an event loop, submit drops the event instead of blocking."""
    esc = Escalator(_policy(base, "http://127.0.0.1:9/hook"))
    assert esc.submit(_a(), request_id="r", country="US") is False and esc.dropped == 1


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "not a url", "http://"])
def test_webhook_must_be_http_url(base: Policy, url: str) -> None:
    """A webhook_url that is not an http(s) URL stops start-up with its $.path."""
    with pytest.raises(PolicyError) as err:
        Escalator(_policy(base, url))
    assert err.value.path == "$.interventions.escalation.webhook_url"
