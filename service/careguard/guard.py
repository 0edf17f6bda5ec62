"""The engine: owns the stages built from one policy and runs them for one turn.

``Guard`` is the public entry point (``from careguard import Guard``). Heavy objects
(presidio, the distress model, detoxify) are built here, once, by ``from_policy`` — never at
import — and passed in to the stages.

Ownership of the parts wired here:
- distress assessment: :mod:`careguard.distress` (``build_assessor``)
- PII redaction / pseudonymisation: :mod:`careguard.pii` (``build_redactor``)
- the per-turn request/reply pipeline used by the proxy and the ASGI middleware:
  :mod:`careguard.pipeline`
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread

from careguard.assessment import Assessment
from careguard.conversation import Message, messages_from_openai
from careguard.policy import LoadedPolicy, Policy, load_policy

__all__ = ["Guard"]


class Guard:
    """Runs careguard's stages under one policy. Thread-safe; one per process is enough."""

    def __init__(
        self, loaded: LoadedPolicy, *, assessor: Any, redactor: Any, stages: Any | None = None
    ) -> None:
        self.loaded = loaded
        self.assessor = assessor
        self.redactor = redactor
        self.stages = stages
        """The full per-turn stages (``careguard.pipeline.Stages``) when built by
        ``from_policy``; the ASGI middleware runs its pipeline on them."""

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    @classmethod
    def from_policy(cls, path: str | Path | None = None) -> Guard:
        """Build a guard from a policy file (the shipped default when ``path`` is None)."""
        from careguard.distress import build_assessor
        from careguard.pipeline import build_stages

        loaded = load_policy(path)
        stages = build_stages(loaded)  # redactor protects the crisis numbers it may inject
        assessor = stages.assessor or build_assessor(loaded)
        return cls(loaded, assessor=assessor, redactor=stages.redactor, stages=stages)

    def assess(self, messages: Sequence[Mapping[str, Any]] | Sequence[Message]) -> Assessment:
        """Assess a conversation given as OpenAI-style message dicts (or ``Message``s)."""
        msgs = _as_messages(messages)
        result: Assessment = self.assessor.assess(msgs)
        return result

    async def aassess(
        self, messages: Sequence[Mapping[str, Any]] | Sequence[Message]
    ) -> Assessment:
        """``assess`` off the event loop."""
        return await anyio.to_thread.run_sync(self.assess, messages)

    def redact(self, text: str, *, conversation_key: str = "") -> Any:
        """Redact one text in the policy's PII mode (a ``careguard.pii.Redaction``).

        In ``pseudonymize`` mode the placeholders are those of ``conversation_key``; use
        ``guard.redactor.session(key)`` directly to redact several texts and restore a reply.
        With PII detection off, the text comes back unchanged with no findings.
        """
        from careguard.pii import Redaction

        if self.redactor is None:
            return Redaction(text, ())
        return self.redactor.redact(text, self.redactor.session(conversation_key))


def _as_messages(messages: Sequence[Mapping[str, Any]] | Sequence[Message]) -> list[Message]:
    if all(isinstance(m, Message) for m in messages):
        return [m for m in messages if isinstance(m, Message)]
    return messages_from_openai(list(messages))
