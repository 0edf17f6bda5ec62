"""careguard.audit: PII-free events, keyed conversation hashes, sinks and reading back."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest

from careguard.audit import (
    AUDIT_PATH_ENV,
    AuditEvent,
    Auditor,
    FileSink,
    MultiSink,
    NullSink,
    StreamSink,
    audit_key,
    conversation_hash,
    open_sink,
    read_events,
)
from careguard.errors import InputError

KEY = b"k" * 32


def make_event(**overrides: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "request_id": "0f8e2c1a9b7d4e6f",
        "conversation": conversation_hash("conv-1", KEY),
        "route": "/v1/chat/completions",
        "outcome": "ok",
        "level": "high",
        "subject": "self",
        "score": 0.91,
        "trend": "escalating",
        "country": "US",
        "policy_name": "default",
        "policy_version": 1,
        "actions": ("guidelines:crisis", "resources:injected"),
        "resources": ("us-988",),
        "redactions": 2,
        "timings_ms": {"pii": 12.5, "distress": 3.25},
        "ts": "2027-03-01T10:00:00.000Z",
    }
    fields.update(overrides)
    return AuditEvent(**fields)


def test_event_round_trips_through_json() -> None:
    """An event written as JSON reads back equal."""
    event = make_event()
    assert AuditEvent.from_dict(json.loads(event.to_json())) == event


def test_level_unknown_is_recorded_as_such() -> None:
    """A turn whose distress could not be assessed is audited as level ``unknown``."""
    event = make_event(level="unknown", actions=("failsafe_closed:distress",))
    assert json.loads(event.to_json())["level"] == "unknown"


def test_event_carries_the_language() -> None:
    """The conversation's language and whether careguard reads it are in the JSON line."""
    event = make_event(language="de", language_supported=False)
    line = json.loads(event.to_json())
    assert (line["language"], line["language_supported"]) == ("de", False)


def test_events_written_before_languages_read_as_und() -> None:
    """An older event without language fields reads back as ``und``, supported."""
    line = json.loads(make_event().to_json())
    del line["language"], line["language_supported"]
    event = AuditEvent.from_dict(line)
    assert (event.language, event.language_supported) == ("und", True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("request_id", "jane.doe@example.com"),
        ("conversation", "conv-1"),
        ("actions", ("I want to die",)),
        ("resources", ("+1 555 0100",)),
        ("level", "catastrophic"),
        ("country", "U.S."),
        ("score", 1.5),
        ("timings_ms", {"Jane Doe": 1.0}),
        ("ts", "yesterday"),
        ("language", "Deutsch"),
    ],
)
def test_invalid_field_is_rejected_without_echoing_it(field: str, value: Any) -> None:
    """A field outside its pattern raises ValueError naming the field, not the value."""
    with pytest.raises(ValueError, match=f"invalid field\\(s\\): {field}") as info:
        make_event(**{field: value})
    assert str(value) not in str(info.value)


def test_conversation_hash_is_keyed() -> None:
    """The same id hashes alike under one key and differently under another."""
    assert conversation_hash("c", KEY) == conversation_hash("c", KEY)
    assert conversation_hash("c", KEY) != conversation_hash("c", b"other key")


def test_audit_key_comes_from_the_environment() -> None:
    """CAREGUARD_AUDIT_KEY sets the key; without it each call draws a fresh random key."""
    assert audit_key({"CAREGUARD_AUDIT_KEY": "s3cret"}) == b"s3cret"
    assert audit_key({}) != audit_key({})


def test_file_sink_appends_one_line_per_event(tmp_path: Path) -> None:
    """Two sinks on one file (as two workers would) append whole lines that all read back."""
    path = tmp_path / "audit" / "trail.jsonl"
    a, b = FileSink(path), FileSink(path)
    for i in range(5):
        (a if i % 2 else b).emit(make_event(request_id=f"r{i}"))
    a.close()
    b.close()
    assert [e.request_id for e in read_events(path)] == [f"r{i}" for i in range(5)]


def test_stream_sink_writes_json_lines() -> None:
    """The stream sink writes one parseable JSON object per line."""
    out = io.StringIO()
    StreamSink(out).emit(make_event())
    assert json.loads(out.getvalue())["level"] == "high"


@pytest.mark.parametrize(
    ("path", "env", "expected"),
    [
        (None, None, NullSink),
        ("-", None, StreamSink),
        (None, "FILE", FileSink),
        ("FILE", None, FileSink),
    ],
)
def test_open_sink_picks_the_sink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str | None, env: str | None,
    expected: type,
) -> None:  # fmt: skip
    """open_sink honours the path argument, then CAREGUARD_AUDIT_PATH, '-' being stdout."""
    file = str(tmp_path / "a.jsonl")
    monkeypatch.delenv(AUDIT_PATH_ENV, raising=False)
    if env:
        monkeypatch.setenv(AUDIT_PATH_ENV, file)
    sink = open_sink(file if path == "FILE" else path)
    assert isinstance(sink, expected)
    sink.close()


def test_open_sink_with_stdout_too(tmp_path: Path) -> None:
    """A file path with stdout=True gives both sinks."""
    sink = open_sink(str(tmp_path / "a.jsonl"), stdout=True)
    assert isinstance(sink, MultiSink)
    sink.close()


def test_open_sink_unwritable_path_is_an_input_error(tmp_path: Path) -> None:
    """An audit path that cannot be opened is a one-line InputError."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError, match="cannot open audit file"):
        open_sink(str(blocker / "trail.jsonl"))


def test_auditor_hashes_the_conversation_id() -> None:
    """The emitted event carries the keyed hash, never the raw conversation id."""
    out = io.StringIO()
    auditor = Auditor(StreamSink(out), policy_name="default", policy_version=1, key=KEY)
    fields = {
        f.name: getattr(make_event(), f.name)
        for f in dataclasses.fields(AuditEvent)
        if f.name not in {"conversation", "policy_name", "policy_version"}
    }
    auditor.record(conversation_id="user-42-conversation", **fields)
    line = out.getvalue()
    assert "user-42-conversation" not in line
    assert json.loads(line)["conversation"] == conversation_hash("user-42-conversation", KEY)


def test_read_events_names_a_bad_line_without_its_content(tmp_path: Path) -> None:
    """A malformed line raises InputError with its number and none of its text."""
    path = tmp_path / "a.jsonl"
    path.write_text(make_event().to_json() + "\n" + '{"note": "jane@example.com"}\n')
    with pytest.raises(InputError, match="line 2") as info:
        list(read_events(path))
    assert "jane" not in str(info.value)
