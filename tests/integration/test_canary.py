"""A planted email address and phone number go through every path (redact, pass, bad input,
upstream error, timeout, reply check, streaming) and show up in no log line, metric, audit
event, response header or error body."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from careguard.logs import configure_logging
from careguard.pipeline import Stages
from careguard.policy import PiiMode
from tests.integration.conftest import StartProxy, policy_with
from tests.integration.harness import (
    Script,
    ScriptedUpstream,
    ServerThread,
    path_of,
    request_body,
)

pytestmark = [pytest.mark.integration, pytest.mark.models, pytest.mark.slow]

EMAIL = "canary.lindqvist@example.org"
PHONE = "(415) 555-0134"
CANARIES = (EMAIL, PHONE, "lindqvist", "555-0134")
MESSAGE = f"Hi, I'm Sam. Write to me at {EMAIL} or call {PHONE} after work."
CRISIS = f"I can't go on. I have decided to kill myself tonight. My email is {EMAIL}."
# A reply that repeats the canaries and breaks a safe-messaging rule (a method detail).
UNSAFE_REPLY = f"Sure, I'll note {EMAIL} and {PHONE}. The most painless way is an overdose."


@dataclasses.dataclass
class Seen:
    """Everything a client, an operator or a log reader could see, apart from chat replies."""

    headers: list[str] = dataclasses.field(default_factory=list)
    error_bodies: list[str] = dataclasses.field(default_factory=list)
    statuses: list[int] = dataclasses.field(default_factory=list)

    def record(self, resp: httpx.Response) -> None:
        self.statuses.append(resp.status_code)
        self.headers += [f"{k}: {v}" for k, v in resp.headers.items()]
        if resp.status_code >= 400 or "error" in resp.text[:200]:
            self.error_bodies.append(resp.text)


def pass_mode(stages: Stages) -> Stages:
    """The shared stages with a redactor in ``pass`` mode (same presidio engine)."""
    redactor = copy.copy(stages.redactor)
    pii = redactor._pii  # private: rebuilding presidio just for the mode would take seconds
    redactor._pii = msgspec.structs.replace(pii, mode=PiiMode.PASS)
    return dataclasses.replace(stages, redactor=redactor)


@pytest.fixture
def audit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CAREGUARD_AUDIT_PATH", str(path))
    return path


def send(server: ServerThread, api: str, body: Any, seen: Seen, *, stream: bool = False,
         raw: bytes | None = None) -> None:  # fmt: skip
    url = server.url + path_of(api)
    headers = {"x-careguard-country": "US"}
    if raw is not None:
        resp = httpx.post(url, content=raw, headers={**headers, "content-type":
                          "application/json"}, timeout=30)  # fmt: skip
    else:
        resp = httpx.post(url, json=body, headers=headers, timeout=30)
    seen.record(resp)


def chat(api: str, *, stream: bool = False) -> dict[str, Any]:
    return request_body(api, [{"role": "user", "content": MESSAGE}], stream=stream)


def test_canaries_reach_no_log_metric_audit_header_or_error(
    start_proxy: StartProxy, stages: Stages,
    upstream_server: tuple[ScriptedUpstream, ServerThread], upstream: ScriptedUpstream,
    audit_path: Path, logs: io.StringIO,
) -> None:  # fmt: skip
    """Canaries through redact, pass, crisis, bad input, upstream error, timeout and reply-check
    paths (both APIs, streaming and not) leave no trace outside the chat replies themselves."""
    up_url = upstream_server[1].url
    redacting = start_proxy(up_url)
    passing = start_proxy(up_url, stages_override=pass_mode(stages))
    slow = start_proxy(up_url, loaded=policy_with(limits={"upstream_read_s": 0.3}))
    configure_logging("DEBUG", logs)  # again: uvicorn replaced its loggers' handlers
    seen = Seen()
    for api in ("openai", "anthropic"):
        for server in (redacting, passing):
            for stream in (False, True):
                upstream.script = Script(text=UNSAFE_REPLY)  # reply check + restoration
                send(server, api, chat(api, stream=stream), seen, stream=stream)
            upstream.script = Script()  # crisis turn: resources guaranteed, audited
            send(server, api, request_body(api, [{"role": "user", "content": CRISIS}],
                                           stream=False), seen)  # fmt: skip
            upstream.script = Script(status=500)  # upstream error
            send(server, api, chat(api), seen)
            send(server, api, None, seen, raw=json.dumps(chat(api)).encode()[:-7])  # bad JSON
            send(server, api, {"model": "m", "messages": EMAIL}, seen)  # wrong shape
        upstream.script = Script(hang_s=1.0)  # timeout
        send(slow, api, chat(api), seen)
    metrics = "".join(httpx.get(s.url + "/metrics", timeout=10).text
                      for s in (redacting, passing, slow))  # fmt: skip
    assert {200, 400, 422, 500, 504} <= set(seen.statuses)  # every path was taken
    audit = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert any(e["resources"] for e in audit)  # the crisis turns were audited with resources
    places = {
        "log": logs.getvalue(), "metrics": metrics, "audit": audit_path.read_text(),
        "headers": "\n".join(seen.headers), "error bodies": "\n".join(seen.error_bodies),
    }
    leaks = {(where, c) for where, text in places.items() for c in CANARIES if c in text.lower()
             or c in text}  # fmt: skip
    assert leaks == set()
    assert "request done" in logs.getvalue()  # the log was really captured
