"""The reply side of one turn: restore pseudonyms → run the reply checks → guarantee the
resource note at the crisis level, for a whole JSON reply (:meth:`ReplyFilter.finish_json`)
and for a stream of text deltas (:meth:`ReplyFilter.feed` / :meth:`ReplyFilter.flush`),
holding back only what restoration and checking need.

Built by :meth:`careguard.pipeline.Pipeline.reply`; the proxy's relays and the ASGI
responder drive it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import anyio.to_thread

from careguard import observe
from careguard.adapters import Api, append_reply_note, reply_texts, set_reply_text
from careguard.pipeline_toxicity import ToxicReplyStream, check_whole_reply, reply_stream
from careguard.policy import FailureMode

if TYPE_CHECKING:
    from careguard.pipeline import Pipeline, Turn

__all__ = ["ReplyFilter", "TextFilter"]

log = logging.getLogger("careguard.pipeline")
T = TypeVar("T")


class TextFilter(Protocol):
    """A streaming text transformer: ``feed`` returns what may be released now."""

    def feed(self, chunk: str) -> str: ...
    def flush(self) -> str: ...


class _Identity:
    def feed(self, chunk: str) -> str:
        return chunk

    def flush(self) -> str:
        return ""


class ReplyFilter:
    """The reply side of one turn: restore → check → guarantee resources."""

    def __init__(self, pipeline: Pipeline, turn: Turn, *, check: bool = True) -> None:
        self.pipeline = pipeline
        self.turn = turn
        self.check_safety = check
        """False for careguard's own ``echo`` upstream: its "reply" is the prompt shown back
        (guideline text, the user's words), not an LLM's answer to judge."""
        policy = pipeline.policy
        session = turn.session
        restore = session is not None and policy.pii.restore and policy.pii.mode == "pseudonymize"
        self._restores = restore
        self._restorer: Any = session.restorer() if session is not None and restore else (
            _Identity()
        )
        checks = pipeline.stages.checks if check else None
        self._checks = checks
        self._checker: TextFilter = reply_stream(
            checks.stream(turn.plan) if checks is not None else _Identity(), pipeline, turn
        )
        self._seen: list[str] = []
        self._stopped = False
        self.runs_models = isinstance(self._checker, ToxicReplyStream)
        """The reply is scored by a model (toxicity): drive this filter from a worker
        thread, not the event loop (each sentence costs milliseconds of inference)."""

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` (work that drives this filter), in a worker thread when the filter
        runs a model, so the event loop keeps serving other requests meanwhile."""
        if self.runs_models:
            return await anyio.to_thread.run_sync(fn, *args)
        return fn(*args)

    @property
    def stopped(self) -> bool:
        """The reply was replaced by a safe one: the rest of the upstream reply is not needed."""
        return self._stopped or bool(getattr(self._checker, "stopped", False))

    def sibling(self) -> ReplyFilter:
        """A fresh filter for another choice of the same reply (OpenAI ``n > 1``)."""
        return ReplyFilter(self.pipeline, self.turn, check=self.check_safety)

    # ------------------------------------------------------------ streaming

    def _check(self, restored: str, *, end: bool = False) -> str:
        """Run the streaming checker; if it breaks, follow the policy's failure mode:
        ``closed`` ends the reply with the safe message, ``open`` passes text unchecked."""
        if self._stopped:
            return ""
        try:
            out = self._checker.feed(restored)
            return out + self._checker.flush() if end else out
        except Exception:
            log.exception("reply check failed")
            self._checker = _Identity()
            if self.pipeline.policy.failure_mode is FailureMode.OPEN:
                self.turn.degraded.append("reply_checks")
                return restored
            self._stopped = True
            return "\n\n" + self.pipeline.direct_text(self.turn)

    def feed(self, chunk: str) -> str:
        """Feed a text delta of the reply; returns the text that may go to the client now."""
        out = self._check(self._restorer.feed(chunk))
        self._seen.append(out)
        return out

    def flush(self) -> str:
        """End of one text block: release everything held back."""
        out = self._check(self._restorer.flush(), end=True)
        self._seen.append(out)
        return out

    def note(self) -> str | None:
        """The resource note to add at the end, or None when the reply already has it."""
        if not self.turn.guarantee:
            return None
        ints = self.pipeline.stages.interventions
        if ints.reply_has_resources("".join(self._seen), self.turn.plan):
            return None
        note: str = ints.resource_note(self.turn.plan)
        if note:
            observe.note_reply_action("resources", "append_resources")
        return note or None

    # ------------------------------------------------------------ whole replies

    def finish_json(self, api: Api, reply: dict[str, Any]) -> dict[str, Any]:
        """Restore, check and complete a non-streaming reply in place; returns it."""
        checks = self._checks
        restorer = self._restorer
        for path, text in reply_texts(api, reply):
            restored = restorer.restore(text) if self._restores else text
            try:
                checked = (checks.check(restored, self.turn.plan) if checks is not None
                           else restored)
            except Exception:
                log.exception("reply check failed")
                if self.pipeline.policy.failure_mode is not FailureMode.OPEN:
                    checked = self.pipeline.direct_text(self.turn)
                else:
                    self.turn.degraded.append("reply_checks")
                    checked = restored
            checked = check_whole_reply(self.pipeline, self.turn, checked)
            self._seen.append(checked)
            set_reply_text(reply, path, checked)
        note = self.note()
        if note:
            append_reply_note(api, reply, note)
        return reply
