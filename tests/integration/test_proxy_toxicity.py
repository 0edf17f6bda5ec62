"""The toxicity stage behind the proxy over real sockets, under policies/toxicity.yaml."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from careguard.output_checks import ReplyChecker, ReplyChecks
from careguard.pipeline import Stages
from careguard.pipeline_toxicity import NEUTRAL_REPLY, ToxicityStage
from careguard.policy import FailureMode, LoadedPolicy, ReplyAction, load_policy, policies_dir
from careguard.proxy.app import create_app
from careguard.settings import ServeSettings
from tests.integration.conftest import StartProxy
from tests.integration.harness import (
    ScriptedUpstream,
    ServerThread,
    path_of,
    reply_text,
    request_body,
)

pytestmark = [pytest.mark.integration, pytest.mark.models]

DISTRESSED = "I've been feeling really low and alone lately."
SELF_HOSTILE = "I hate myself so much."
KIND = "That sounds really hard, and I'm glad you told me."
DEMEANING = "Honestly, you're pathetic and you need to get over it."
APIS = ["openai", "anthropic"]


def toxicity_policy(**stage: Any) -> LoadedPolicy:
    loaded = load_policy(policies_dir() / "toxicity.yaml")
    if not stage:
        return loaded
    tox = loaded.policy.toxicity
    tox = msgspec.structs.replace(tox, stage=msgspec.structs.replace(tox.stage, **stage))
    return LoadedPolicy(msgspec.structs.replace(loaded.policy, toxicity=tox), loaded.source)


@pytest.fixture(scope="module")
def tox_stages(stages: Stages) -> Stages:
    """The session's real stages plus the real compact toxicity scorer (built once here).
    The reply-safety judge is left out so these tests see the toxicity stage's own actions
    (the judge also rewrites "you need to get over it"; see the test with both on)."""
    built = ToxicityStage.build(toxicity_policy())
    assert built is not None and built.scorer is not None
    rules_only = ReplyChecks(ReplyChecker(ReplyAction.REWRITE))
    return dataclasses.replace(stages, toxicity=built, checks=rules_only)


@pytest.fixture(scope="module")
def tox_proxy(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    tox_stages: Stages,
) -> ServerThread:
    """careguard under policies/toxicity.yaml in front of the scripted upstream."""
    return start_proxy(upstream_server[1].url, loaded=toxicity_policy(),
                       stages_override=tox_stages)


def post(server: ServerThread, api: str, text: str, *, stream: bool = False) -> httpx.Response:
    body = request_body(api, [{"role": "user", "content": text}], stream=stream)
    return httpx.post(server.url + path_of(api), json=body, timeout=60)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", [False, True])
def test_demeaning_reply_to_a_distressed_user_is_replaced(
    tox_proxy: ServerThread, upstream: ScriptedUpstream, api: str, stream: bool
) -> None:
    """The client gets the warm replacement (toxicity_action: replace), never the insult."""
    upstream.script.text = f"{KIND} {DEMEANING}"
    upstream.script.chunks = 6
    resp = post(tox_proxy, api, DISTRESSED, stream=stream)
    text = reply_text(api, resp, stream=stream)
    assert resp.status_code == 200
    assert "pathetic" not in text and NEUTRAL_REPLY in text


@pytest.mark.parametrize("stream", [False, True])
def test_with_the_reply_safety_judge_on_too_the_insult_never_arrives(
    start_proxy: StartProxy, stages: Stages, tox_stages: Stages,
    upstream_server: tuple[ScriptedUpstream, ServerThread], upstream: ScriptedUpstream,
    stream: bool,
) -> None:
    """toxicity.yaml as shipped (judge and toxicity both on): whichever acts first, the
    client never sees the insult and the kind sentence arrives."""
    both = dataclasses.replace(tox_stages, checks=stages.checks)
    server = start_proxy(upstream_server[1].url, loaded=toxicity_policy(), stages_override=both)
    upstream.script.text = f"{KIND} {DEMEANING}"
    resp = post(server, "openai", DISTRESSED, stream=stream)
    text = reply_text("openai", resp, stream=stream)
    assert "pathetic" not in text and KIND in text


def test_kind_reply_to_a_distressed_user_passes(
    tox_proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """A kind reply reaches the client unchanged under the same policy."""
    upstream.script.text = KIND
    resp = post(tox_proxy, "openai", DISTRESSED)
    assert reply_text("openai", resp, stream=False) == KIND


def test_self_directed_hostility_gets_the_moderate_guideline(
    tox_proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """"I hate myself" reaches the LLM with the moderate guideline, and the level header says so."""
    guideline = (policies_dir() / "guidelines" / "supportive-strong.md").read_text().split("\n")[0]
    resp = post(tox_proxy, "openai", SELF_HOSTILE)
    system = upstream.received[-1].body["messages"][0]
    assert resp.headers["x-careguard-level"] in ("moderate", "high", "imminent")
    assert system["role"] == "system" and guideline in system["content"]


def test_abuse_of_others_is_recorded_and_softens_the_tone(
    tox_proxy: ServerThread, upstream: ScriptedUpstream
) -> None:
    """Abuse at someone else reaches the LLM with the de-escalation note and is counted."""
    before = httpx.get(tox_proxy.url + "/metrics").text
    post(tox_proxy, "openai", "My coworker is a stupid bitch and I want to scream at her.")
    after = httpx.get(tox_proxy.url + "/metrics").text
    system = upstream.received[-1].body["messages"][0]
    line = 'careguard_reply_check_actions_total{action="record_abuse",check="user_toxicity"}'
    assert "De-escalate" in system["content"]
    assert counter(after, line) == counter(before, line) + 1


def counter(exposition: str, prefix: str) -> float:
    for row in exposition.splitlines():
        if row.startswith(prefix + " "):
            return float(row.split()[-1])
    return 0.0


def start_failed(upstream_url: str, stages: Stages, loaded: LoadedPolicy) -> ServerThread:
    """A proxy whose toxicity model could not load; waits until it has tried."""
    broken = dataclasses.replace(stages, toxicity=ToxicityStage(None, "weights not found"))
    app = create_app(ServeSettings(upstream=upstream_url), loaded=loaded,
                     stages_factory=lambda lp: dataclasses.replace(broken, loaded=lp))
    server = ServerThread(app).__enter__()
    deadline = time.monotonic() + 60
    while httpx.get(server.url + "/readyz").json()["status"] == "loading":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return server


@pytest.fixture(scope="module")
def failed_closed(
    upstream_server: tuple[ScriptedUpstream, ServerThread], stages: Stages
) -> Iterator[ServerThread]:
    server = start_failed(upstream_server[1].url, stages, toxicity_policy())
    yield server
    server.__exit__(None, None, None)


def test_readyz_names_the_stage_that_could_not_load(failed_closed: ServerThread) -> None:
    """/readyz is 503 and names the toxicity stage with its one-line reason."""
    resp = httpx.get(failed_closed.url + "/readyz")
    assert resp.status_code == 503
    assert resp.json()["failed"] == {"toxicity": "weights not found"}


@pytest.mark.parametrize("api", APIS)
def test_load_failure_closed_gives_a_503_in_the_clients_envelope(
    failed_closed: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """Failing closed, a neutral turn gets a clear 503 in its API's error shape; nothing sent."""
    resp = post(failed_closed, api, "Could you help me plan my week?")
    error = resp.json()["error"]
    assert resp.status_code == 503
    assert "toxicity" in error["message"] and upstream.received == []


def test_load_failure_open_proceeds_loudly(
    upstream_server: tuple[ScriptedUpstream, ServerThread], upstream: ScriptedUpstream,
    stages: Stages,
) -> None:
    """Failing open, the turn is forwarded with x-careguard-degraded and the fail-safe metric."""
    server = start_failed(upstream_server[1].url, stages,
                          toxicity_policy(on_failure=FailureMode.OPEN))
    try:
        resp = post(server, "openai", "Could you help me plan my week?")
        metrics = httpx.get(server.url + "/metrics").text
    finally:
        server.__exit__(None, None, None)
    assert resp.status_code == 200 and resp.headers["x-careguard-degraded"] == "toxicity"
    assert 'careguard_failsafe_activations_total{mode="open",stage="toxicity"} 1.0' in metrics


def test_readyz_is_200_degraded_when_the_failed_stage_fails_open(
    upstream_server: tuple[ScriptedUpstream, ServerThread], stages: Stages
) -> None:
    """Failing open, /readyz stays 200 (the pod keeps serving) but says degraded and why."""
    server = start_failed(upstream_server[1].url, stages,
                          toxicity_policy(on_failure=FailureMode.OPEN))
    try:
        resp = httpx.get(server.url + "/readyz")
    finally:
        server.__exit__(None, None, None)
    assert resp.status_code == 200
    assert resp.json()["status"] == "degraded"
    assert resp.json()["failed"] == {"toxicity": "weights not found"}
