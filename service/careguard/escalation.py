"""Optional escalation webhook (policy ``interventions.escalation``).

When a turn reaches ``escalation.min_level`` and a ``webhook_url`` is configured, careguard
POSTs a small JSON event to it. The event is PII-free by construction: request id, level,
subject, country, policy name and version, timestamp, and nothing from the conversation::

    {"event": "careguard.escalation", "request_id": "...", "level": "imminent",
     "subject": "self", "country": "GB", "policy": {"name": "default", "version": 1},
     "timestamp": "2026-11-25T21:00:00.000Z"}

Delivery never blocks the reply: :meth:`Escalator.submit` schedules a task and returns at
once. Tasks are kept in a bounded set (beyond ``max_pending`` an event is dropped and
counted); each retries network errors, 5xx and 429 with exponential backoff, up to
``escalation.retries`` more times. Logs carry outcomes and counts, never the URL or payload.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from careguard.assessment import Assessment
from careguard.errors import PolicyError
from careguard.levels import Level
from careguard.policy import EscalationPolicy, Policy
from careguard.resources import INTERNATIONAL, normalize_country

__all__ = ["EVENT_KEYS", "Escalator", "escalation_event"]

log = logging.getLogger("careguard.escalation")

EVENT_KEYS = frozenset(
    {"event", "request_id", "level", "subject", "country", "policy", "timestamp"}
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def escalation_event(assessment: Assessment, *, request_id: str, country: str | None,
                     policy: Policy, now: datetime | None = None) -> dict[str, Any]:
    """The PII-free event for one turn (a request id that is not a plain token is dropped)."""
    ts = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "event": "careguard.escalation",
        "request_id": request_id if _REQUEST_ID.match(request_id or "") else None,
        "level": assessment.level.value,
        "subject": assessment.subject,
        "country": normalize_country(country) or INTERNATIONAL,
        "policy": {"name": policy.name, "version": policy.version},
        "timestamp": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


class Escalator:
    """Sends escalation events in the background; one per process, shared by requests."""

    def __init__(self, policy: Policy, *, client: httpx.AsyncClient | None = None,
                 max_pending: int = 100, backoff_s: float = 0.5) -> None:
        settings: EscalationPolicy = policy.interventions.escalation
        url = httpx.URL(settings.webhook_url or "")
        if url.scheme not in ("http", "https") or not url.host:
            raise PolicyError(policy.name, "must be an http(s) URL",
                              "$.interventions.escalation.webhook_url")
        self.policy = policy
        self.settings = settings
        self.url: str = str(url)
        self.max_pending = max_pending
        self.backoff_s = backoff_s
        self._client = client
        self._own_client = client is None
        self._tasks: set[asyncio.Task[bool]] = set()
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self.on_outcome: Callable[[str], None] | None = None
        """Called with ``sent``, ``failed`` or ``dropped`` per event (the app counts them)."""

    @classmethod
    def from_policy(cls, policy: Policy, **kwargs: Any) -> Escalator | None:
        """An escalator, or None when the policy configures no webhook."""
        if policy.interventions.escalation.webhook_url is None:
            return None
        return cls(policy, **kwargs)

    def _outcome(self, outcome: str) -> None:
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def wants(self, level: Level) -> bool:
        return level > Level.NONE and level >= self.settings.min_level

    def submit(self, assessment: Assessment, *, request_id: str, country: str | None) -> bool:
        """Schedule an event for this turn if its level calls for one; never blocks.

        Returns whether an event was scheduled (False: below ``min_level``, no running event
        loop, or ``max_pending`` events already in flight).
        """
        if not self.wants(assessment.level):
            return False
        event = escalation_event(assessment, request_id=request_id, country=country,
                                 policy=self.policy)
        return self.notify(event)

    def notify(self, event: dict[str, Any]) -> bool:
        """Schedule delivery of a prepared event; never blocks."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.dropped += 1
            self._outcome("dropped")
            log.warning("escalation dropped: no running event loop")
            return False
        if len(self._tasks) >= self.max_pending:
            self.dropped += 1
            self._outcome("dropped")
            log.warning("escalation dropped: %d events pending", len(self._tasks))
            return False
        task = loop.create_task(self.send(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    async def send(self, event: dict[str, Any]) -> bool:
        """Deliver one event, retrying with backoff; returns whether it was accepted."""
        timeout = self.settings.timeout_ms / 1000
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                r = await self._http().post(self.url, json=event, timeout=timeout)
            except httpx.HTTPError as exc:
                log.info("escalation attempt %d failed: %s", attempt + 1, type(exc).__name__)
                continue
            if r.is_success:
                self.delivered += 1
                self._outcome("sent")
                log.info("escalation delivered (level %s, attempt %d)", event.get("level"),
                         attempt + 1)
                return True
            log.info("escalation attempt %d: HTTP %d", attempt + 1, r.status_code)
            if r.status_code < 500 and r.status_code != 429:
                break  # a permanent refusal: retrying will not help
        self.failed += 1
        self._outcome("failed")
        log.warning("escalation not delivered (level %s)", event.get("level"))
        return False

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for pending deliveries (up to ``timeout`` seconds)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def aclose(self, timeout: float = 5.0) -> None:
        """Let pending deliveries finish (bounded), cancel the rest, close our client."""
        await self.drain(timeout)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None
