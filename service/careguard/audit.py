"""The audit trail: one PII-free JSON Lines event per turn.

An event holds what an operator needs to prove the crisis protocol ran — the request id, a
keyed hash of the conversation id, the level, subject, score and trend, the conversation's
language and whether careguard reads it, the actions taken, the
crisis-resource ids shown, the country, the policy name and version, and stage timings — and
nothing else: no conversation text, no personal data, no raw conversation id. Every string
field is checked against a narrow pattern when the event is built, so free text cannot slip in.

Sinks: a file (``--audit-path`` or ``CAREGUARD_AUDIT_PATH``; ``-`` means standard output),
appended one line per event with ``O_APPEND`` so several workers can share one file. Retention
is the operator's: careguard only appends.

The conversation hash is HMAC-SHA256 under ``CAREGUARD_AUDIT_KEY``. Without that variable
each process draws a random key, so hashes link turns of one conversation within a process
only; set the key (the same on every worker and replica) to link them across.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from careguard.errors import InputError
from careguard.levels import LEVELS, UNKNOWN

__all__ = [
    "AUDIT_KEY_ENV",
    "AUDIT_PATH_ENV",
    "AuditEvent",
    "AuditSink",
    "Auditor",
    "FileSink",
    "MultiSink",
    "NullSink",
    "StreamSink",
    "audit_key",
    "conversation_hash",
    "open_sink",
    "read_events",
]

AUDIT_PATH_ENV = "CAREGUARD_AUDIT_PATH"
AUDIT_KEY_ENV = "CAREGUARD_AUDIT_KEY"
SCHEMA_VERSION = 1

_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HASH = re.compile(r"^[0-9a-f]{32}$")
_TOKEN = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")  # action names, resource ids, stage names
_ROUTE = re.compile(r"^/[A-Za-z0-9/_.~-]{0,127}$")  # the standard routes and configured ones
_POLICY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$")
_COUNTRY = re.compile(r"^(?:[A-Z]{2}|other)$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")  # ISO 639-1, fastText's 639-2/3 codes, "und"
_LEVELS = frozenset(level.value for level in LEVELS) | {UNKNOWN}
_SUBJECTS = frozenset({"self", "other", "unclear"})
_TRENDS = frozenset({"escalating", "stable", "de-escalating"})


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One turn, PII-free. Construction validates every field (``ValueError`` naming the field,
    never echoing its value)."""

    request_id: str
    conversation: str
    """``conversation_hash`` of the conversation id (32 hex digits)."""
    route: str
    outcome: str
    level: str
    subject: str
    score: float
    trend: str
    country: str
    """ISO 3166-1 alpha-2 code the resources were chosen for."""
    policy_name: str
    policy_version: int
    language: str = "und"
    """The conversation's language (ISO 639-1; ``und`` when no turn told)."""
    language_supported: bool = True
    """Whether careguard reads that language (false: assessed without reading it)."""
    actions: tuple[str, ...] = ()
    """What careguard did, e.g. ``guidelines:supportive``, ``resources:injected``."""
    resources: tuple[str, ...] = ()
    """Ids of the crisis resources shown to the user (directory ids, e.g. ``us-988``)."""
    redactions: int = 0
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    ts: str = field(default_factory=_utc_now)

    def __post_init__(self) -> None:
        checks: list[tuple[str, bool]] = [
            ("request_id", bool(_REQUEST_ID.match(self.request_id))),
            ("conversation", bool(_HASH.match(self.conversation))),
            ("route", bool(_ROUTE.match(self.route))),
            ("outcome", bool(_TOKEN.match(self.outcome))),
            ("level", self.level in _LEVELS),
            ("subject", self.subject in _SUBJECTS),
            ("score", 0.0 <= float(self.score) <= 1.0),
            ("trend", self.trend in _TRENDS),
            ("country", bool(_COUNTRY.match(self.country))),
            ("language", bool(_LANGUAGE.match(self.language))),
            ("language_supported", isinstance(self.language_supported, bool)),
            ("policy_name", bool(_POLICY_NAME.match(self.policy_name))),
            ("policy_version", isinstance(self.policy_version, int)),
            ("actions", all(_TOKEN.match(a) for a in self.actions)),
            ("resources", all(_TOKEN.match(r) for r in self.resources)),
            ("redactions", isinstance(self.redactions, int) and self.redactions >= 0),
            ("timings_ms", all(_TOKEN.match(k) for k in self.timings_ms)),
            ("ts", _parse_ts(self.ts) is not None),
        ]  # fmt: skip
        bad = [name for name, ok in checks if not ok]
        if bad:
            raise ValueError(f"audit event: invalid field(s): {', '.join(bad)}")

    @property
    def time(self) -> dt.datetime:
        parsed = _parse_ts(self.ts)
        assert parsed is not None  # validated in __post_init__
        return parsed

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "ts": self.ts,
            "request_id": self.request_id,
            "conversation": self.conversation,
            "route": self.route,
            "outcome": self.outcome,
            "level": self.level,
            "subject": self.subject,
            "score": round(float(self.score), 4),
            "trend": self.trend,
            "country": self.country,
            "language": self.language,
            "language_supported": self.language_supported,
            "actions": list(self.actions),
            "resources": list(self.resources),
            "redactions": self.redactions,
            "policy": {"name": self.policy_name, "version": self.policy_version},
            "timings_ms": {k: round(float(v), 3) for k, v in self.timings_ms.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEvent:
        policy = data.get("policy") or {}
        return cls(
            ts=str(data["ts"]),
            request_id=str(data["request_id"]),
            conversation=str(data["conversation"]),
            route=str(data["route"]),
            outcome=str(data["outcome"]),
            level=str(data["level"]),
            subject=str(data["subject"]),
            score=float(data["score"]),
            trend=str(data["trend"]),
            country=str(data["country"]),
            language=str(data.get("language", "und")),  # events written before 2026-12
            language_supported=bool(data.get("language_supported", True)),
            actions=tuple(str(a) for a in data.get("actions", ())),
            resources=tuple(str(r) for r in data.get("resources", ())),
            redactions=int(data.get("redactions", 0)),
            policy_name=str(policy["name"]),
            policy_version=int(policy["version"]),
            timings_ms={str(k): float(v) for k, v in dict(data.get("timings_ms", {})).items()},
        )


def _parse_ts(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


# -- keyed hash ------------------------------------------------------------------------------


def audit_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key: ``CAREGUARD_AUDIT_KEY`` (UTF-8 bytes of the value), else 32 random bytes."""
    value = (os.environ if environ is None else environ).get(AUDIT_KEY_ENV, "")
    return value.encode("utf-8") if value else secrets.token_bytes(32)


def conversation_hash(conversation_id: str, key: bytes) -> str:
    """A keyed, non-reversible handle for a conversation id (32 hex digits)."""
    return hmac.new(key, conversation_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# -- sinks -----------------------------------------------------------------------------------


class AuditSink(Protocol):
    """Where audit events go. ``emit`` must not raise for I/O trouble it can report otherwise."""

    def emit(self, event: AuditEvent) -> None: ...

    def close(self) -> None: ...


class NullSink:
    """Discards events (no audit path configured)."""

    def emit(self, event: AuditEvent) -> None:
        return None

    def close(self) -> None:
        return None


class StreamSink:
    """Writes one JSON line per event to a text stream (standard output by default)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def emit(self, event: AuditEvent) -> None:
        line = event.to_json() + "\n"
        stream = self._stream if self._stream is not None else sys.stdout
        with self._lock:
            stream.write(line)
            stream.flush()

    def close(self) -> None:
        return None


class FileSink:
    """Appends one JSON line per event to ``path`` (one ``write`` per line, ``O_APPEND``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._lock = threading.Lock()

    def emit(self, event: AuditEvent) -> None:
        data = (event.to_json() + "\n").encode("ascii")
        with self._lock:
            os.write(self._fd, data)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class MultiSink:
    """Sends each event to several sinks."""

    def __init__(self, sinks: Iterable[AuditSink]) -> None:
        self.sinks = tuple(sinks)

    def emit(self, event: AuditEvent) -> None:
        for sink in self.sinks:
            sink.emit(event)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


def open_sink(path: str | None = None, *, stdout: bool = False) -> AuditSink:
    """The sink for ``path`` (default ``CAREGUARD_AUDIT_PATH``; ``-`` is standard output),
    plus standard output when ``stdout`` is true. Neither gives a :class:`NullSink`."""
    target = path if path is not None else os.environ.get(AUDIT_PATH_ENV) or None
    sinks: list[AuditSink] = []
    if target == "-":
        stdout = True
    elif target:
        try:
            sinks.append(FileSink(target))
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise InputError(f"cannot open audit file {target}: {reason}") from None
    if stdout:
        sinks.append(StreamSink())
    if not sinks:
        return NullSink()
    return sinks[0] if len(sinks) == 1 else MultiSink(sinks)


# -- recording -------------------------------------------------------------------------------


class Auditor:
    """Builds and emits events for one policy: hashes conversation ids with its key."""

    def __init__(
        self, sink: AuditSink, *, policy_name: str, policy_version: int, key: bytes | None = None
    ) -> None:
        self.sink = sink
        self.policy_name = policy_name
        self.policy_version = policy_version
        self._key = key if key is not None else audit_key()

    def record(self, *, conversation_id: str, **fields: Any) -> AuditEvent:
        """Build the event for one turn (``fields`` as in :class:`AuditEvent`) and emit it."""
        event = AuditEvent(
            conversation=conversation_hash(conversation_id, self._key),
            policy_name=self.policy_name,
            policy_version=self.policy_version,
            **fields,
        )
        self.sink.emit(event)
        return event

    def close(self) -> None:
        self.sink.close()


# -- reading ---------------------------------------------------------------------------------


def read_events(path: str | Path) -> Iterator[AuditEvent]:
    """The events in an audit file; a bad line raises :class:`InputError` naming its number."""
    p = Path(path)
    try:
        handle = p.open("r", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read audit file {p}: {exc.strerror or 'error'}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield AuditEvent.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise InputError(f"{p}: line {number}: not a valid audit event") from None
