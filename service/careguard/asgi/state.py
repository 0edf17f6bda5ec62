"""What the middleware hands the app for one guarded request: ``scope["state"]["careguard"]``.

Starlette / FastAPI: ``request.state.careguard``; litestar: ``request.scope["state"]
["careguard"]``; any ASGI app: ``scope["state"]["careguard"]``. Carries no conversation text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from careguard.assessment import Assessment
from careguard.levels import Level

__all__ = ["STATE_KEY", "CareGuardState"]

STATE_KEY = "careguard"


@dataclass(frozen=True, slots=True)
class CareGuardState:
    """careguard's view of this turn, for the app's own prompt and logic."""

    request_id: str
    """Also sent as the ``x-careguard-request-id`` response header."""
    assessment: Assessment
    """The conversation's distress assessment (level, score, trend, subject, signals)."""
    guidelines: str | None
    """careguard's system-prompt block for this turn (supportive-tone guidelines and, from
    ``high``, crisis resources): put it into the app's own system prompt. None when there is
    nothing to add. Standard (OpenAI/Anthropic) routes also get it injected into the body."""
    resources: tuple[Any, ...]
    """The crisis resources chosen for the user's country (best first); careguard appends
    them to the reply from ``high`` if the reply lacks them."""
    country: str
    """The user's country as resolved (ISO 3166-1 alpha-2)."""
    redactions: int
    """How many personal-data values were replaced in what the app received."""
    degraded: tuple[str, ...] = ()
    """Stages that could not run and failed open under the policy (e.g. ``("pii",)``)."""

    @property
    def level(self) -> Level:
        return self.assessment.level
