"""Faults over real sockets: upstream failures, bad input, hang-ups, failing stages."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import httpx
import pytest

from careguard.output_checks import ReplyChecks
from careguard.pipeline import Stages
from careguard.policy import FailureMode, ReplyAction, StageSettings
from careguard.proxy.app import create_app
from careguard.settings import ServeSettings
from tests.integration.conftest import StartProxy, policy_with
from tests.integration.harness import (
    ScriptedUpstream,
    ServerThread,
    free_port,
    path_of,
    reply_text,
    request_body,
    sent_text,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.models]

CANARY = "zebra-canary-4471 Margaret Thornbury"
CRISIS = "I can't go on anymore. I have decided to kill myself tonight."
APIS = ["openai", "anthropic"]


def post(url: str, api: str, body: Any, **kw: Any) -> httpx.Response:
    return httpx.post(url + path_of(api), timeout=30, **kw,
                      **({"json": body} if not isinstance(body, bytes) else {"content": body}))


def envelope_message(api: str, resp: httpx.Response) -> str:
    data = resp.json()
    if api == "anthropic":
        assert data["type"] == "error"
        return str(data["error"]["message"])
    assert {"message", "type", "code"} <= data["error"].keys()
    return str(data["error"]["message"])


@pytest.mark.parametrize("api", APIS)
def test_refused_upstream_is_502(start_proxy: StartProxy, api: str) -> None:
    """Nothing listening upstream gives 502 in the client's envelope."""
    proxy = start_proxy(f"http://127.0.0.1:{free_port()}")
    resp = post(proxy.url, api, request_body(api, [{"role": "user", "content": CANARY}],
                                             stream=False))
    assert resp.status_code == 502
    assert CANARY not in resp.text and "Margaret" not in resp.text
    envelope_message(api, resp)
    assert "x-careguard-request-id" in resp.headers


@pytest.mark.parametrize("api", APIS)
def test_upstream_timeout_is_504(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream, api: str,
) -> None:
    """An upstream that does not answer within the read timeout gives 504."""
    proxy = start_proxy(upstream_server[1].url,
                        loaded=policy_with(limits={"upstream_read_s": 0.3}))
    upstream.script.hang_s = 1.5
    resp = post(proxy.url, api, request_body(api, [{"role": "user", "content": "Hi"}],
                                             stream=False))
    assert resp.status_code == 504
    envelope_message(api, resp)


@pytest.mark.parametrize("api", APIS)
def test_upstream_error_status_is_passed_through(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """An upstream 429 reaches the client as 429 in its own envelope."""
    upstream.script.status = 429
    resp = post(proxy.url, api, request_body(api, [{"role": "user", "content": "Hi"}],
                                             stream=True))
    assert resp.status_code == 429
    envelope_message(api, resp)


@pytest.mark.parametrize(
    ("api", "body", "status", "needle"),
    [
        ("openai", b'{"messages": [', 400, "not valid JSON"),
        ("anthropic", b"\xff\xfe", 400, "UTF-8"),
        ("openai", {"messages": [{"role": "user", "content": 42}]}, 422,
         "$.messages[0].content"),
        ("anthropic", {"messages": [{"role": "system", "content": "x"}]}, 422,
         "$.messages[0].role"),
        ("openai", {"messages": [{"role": "user", "content": "x" * 1_100_000}]}, 413, "limit"),
    ],
)
def test_bad_requests_get_clear_errors(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str, body: Any, status: int,
    needle: str,
) -> None:
    """Malformed JSON → 400, wrong shapes → 422 naming the field, too large → 413."""
    resp = post(proxy.url, api, body)
    assert resp.status_code == status
    assert needle in envelope_message(api, resp)
    assert upstream.received == []


@pytest.mark.parametrize("api", APIS)
def test_client_hang_up_stops_the_upstream_read(
    proxy: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """A client that leaves mid-stream makes careguard drop its upstream connection."""
    upstream.script.endless = True
    upstream.script.chunk_delay = 0.02
    upstream.script.text = "Still talking to you. "
    body = request_body(api, [{"role": "user", "content": "Talk to me."}], stream=True)
    with httpx.stream("POST", proxy.url + path_of(api), json=body, timeout=30) as resp:
        for i, _ in enumerate(resp.iter_raw()):
            if i >= 3:
                break
    assert upstream.disconnected.wait(timeout=5)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", [False, True])
def test_crisis_turn_reaches_the_user_when_the_upstream_fails(
    start_proxy: StartProxy, api: str, stream: bool
) -> None:
    """With the upstream down, a crisis turn still gets the safe message and resources."""
    proxy = start_proxy(f"http://127.0.0.1:{free_port()}")
    resp = post(proxy.url, api, request_body(api, [{"role": "user", "content": CRISIS}],
                                             stream=stream),
                headers={"x-careguard-country": "GB"})
    assert resp.status_code == 200
    assert resp.headers["x-careguard-upstream"] == "failed"
    assert "116 123" in reply_text(api, resp, stream=stream)


def _metric(url: str, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    """The sum of the scraped samples of ``name`` whose labels include ``labels``."""
    text = httpx.get(url + "/metrics", timeout=30).text
    return sum(float(s.value) for family in text_string_to_metric_families(text)
               for s in family.samples
               if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def test_upstream_failures_on_crisis_turns_are_counted(start_proxy: StartProxy) -> None:
    """Upstream down: 2 ordinary + 2 crisis turns count 4 upstream errors (crisis turns were
    left out, so the CareguardUpstreamErrors alert under-counted exactly on them), and the
    crisis turns count as ``responded``, not ``ok``."""
    proxy = start_proxy(f"http://127.0.0.1:{free_port()}")
    for text in ("Could you help me plan a picnic?", CRISIS, "What is a good pasta recipe?",
                 CRISIS):
        post(proxy.url, "openai", request_body("openai", [{"role": "user", "content": text}],
                                               stream=False))
    route = "/v1/chat/completions"
    wait_for(lambda: _metric(proxy.url, "careguard_requests_total", route=route) >= 4)
    assert _metric(proxy.url, "careguard_upstream_errors_total", kind="unavailable") == 4
    assert _metric(proxy.url, "careguard_requests_total", route=route,
                   outcome="responded") == 2
    assert _metric(proxy.url, "careguard_requests_total", route=route, outcome="ok") == 0


class _BrokenRedactor:
    """Wraps the real redactor; after the warm-up its analysis fails (a stage that breaks)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def redact(self, *args: Any) -> Any:  # used by the warm-up only
        return self._real.redact(*args)

    def session(self, key: str) -> Any:
        return self._real.session(key)

    def analyze(self, text: str) -> Any:
        raise RuntimeError("analyzer down")

    def replace(self, *args: Any) -> Any:
        return self._real.replace(*args)


@pytest.mark.parametrize("api", APIS)
def test_failing_pii_stage_fails_closed_by_default(
    start_proxy: StartProxy, stages: Stages, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream, api: str,
) -> None:
    """When redaction cannot run, nothing is forwarded and the client gets a 503."""
    broken = dataclasses.replace(stages, redactor=_BrokenRedactor(stages.redactor))
    proxy = start_proxy(upstream_server[1].url, stages_override=broken)
    resp = post(proxy.url, api, request_body(api, [{"role": "user", "content": CANARY}],
                                             stream=False))
    assert resp.status_code == 503
    assert upstream.received == []
    assert CANARY not in resp.text


class _OverloadedAssessor:
    """Wraps the real assessor; after the warm-up each assessment takes longer than the
    distress stage's deadline (a worker under overload)."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._warm = False

    def assess(self, messages: Any) -> Any:
        if self._warm:
            time.sleep(0.5)
        self._warm = True
        return self._real.assess(messages)


@pytest.fixture
def overloaded(start_proxy: StartProxy, stages: Stages,
               upstream_server: tuple[ScriptedUpstream, ServerThread]) -> ServerThread:
    """careguard whose distress stage always misses its 100 ms deadline (failure_mode closed)."""
    slow = dataclasses.replace(stages, assessor=_OverloadedAssessor(stages.assessor))
    loaded = policy_with(distress={"stage": StageSettings(timeout_ms=100)})
    return start_proxy(upstream_server[1].url, stages_override=slow, loaded=loaded)


@pytest.mark.parametrize("api", APIS)
def test_distress_that_cannot_run_gets_a_warm_answer_not_a_503(
    overloaded: ServerThread, upstream: ScriptedUpstream, api: str
) -> None:
    """Distress over its deadline under failure_mode closed: a 200 with careguard's own warm
    answer and the country's crisis lines; nothing reaches the upstream."""
    resp = post(overloaded.url, api, request_body(api, [{"role": "user", "content": CANARY}],
                                                  stream=False))
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-careguard-direct"] == "true"
    assert "988" in reply_text(api, resp, stream=False)
    assert upstream.received == []


def test_distress_that_cannot_run_says_unknown_in_the_level_header(
    overloaded: ServerThread,
) -> None:
    """The level header says ``unknown`` (not a guess such as ``none``)."""
    resp = post(overloaded.url, "openai", request_body(
        "openai", [{"role": "user", "content": "Could you help me plan a picnic?"}],
        stream=False))
    assert resp.headers["x-careguard-level"] == "unknown"


def test_distress_that_cannot_run_is_counted_as_unknown(overloaded: ServerThread) -> None:
    """Metrics count the assessment as level ``unknown`` and a closed fail-safe activation."""
    post(overloaded.url, "openai", request_body(
        "openai", [{"role": "user", "content": "Could you help me plan a picnic?"}],
        stream=False))
    wait_for(lambda: _metric(overloaded.url, "careguard_assessments_total",
                             level="unknown") == 1, timeout=10)
    assert _metric(overloaded.url, "careguard_failsafe_activations_total",
                   stage="distress", mode="closed") == 1
    assert _metric(overloaded.url, "careguard_assessments_total", level="none") == 0


def test_failing_pii_stage_open_forwards_loudly(
    start_proxy: StartProxy, stages: Stages, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream,
) -> None:
    """Under ``on_failure: open`` the turn goes through, marked degraded in a header."""
    broken = dataclasses.replace(stages, redactor=_BrokenRedactor(stages.redactor))
    loaded = policy_with(pii={"stage": StageSettings(on_failure=FailureMode.OPEN)})
    proxy = start_proxy(upstream_server[1].url, stages_override=broken, loaded=loaded)
    resp = post(proxy.url, "openai", request_body("openai", [{"role": "user", "content": "Hi"}],
                                                  stream=False))
    assert resp.status_code == 200
    assert resp.headers["x-careguard-degraded"] == "pii"
    assert "Hi" in sent_text(upstream.received[-1])


def test_readyz_waits_for_the_models(
    stages: Stages, upstream_server: tuple[ScriptedUpstream, ServerThread]
) -> None:
    """/readyz is 503 while the stages load and 200 once they are warmed; /healthz at once."""

    def slow(loaded: Any) -> Stages:
        time.sleep(1.0)
        return dataclasses.replace(stages, loaded=loaded)

    app = create_app(ServeSettings(upstream=upstream_server[1].url), stages_factory=slow)
    with ServerThread(app) as server:
        assert httpx.get(server.url + "/healthz").status_code == 200
        assert httpx.get(server.url + "/readyz").status_code == 503
        deadline = time.monotonic() + 30
        while httpx.get(server.url + "/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_over_the_concurrency_limit_is_503(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream,
) -> None:
    """With max_concurrency 1 and one turn in flight, the next request gets 503 at once."""
    proxy = start_proxy(upstream_server[1].url,
                        loaded=policy_with(limits={"max_concurrency": 1}))
    upstream.script.hang_s = 1.0
    body = request_body("openai", [{"role": "user", "content": "Hi"}], stream=False)
    with httpx.Client(timeout=30) as client:
        first = threading.Thread(target=lambda: client.post(proxy.url + path_of("openai"),
                                                            json=body))
        first.start()
        deadline = time.monotonic() + 10
        while not upstream.received and time.monotonic() < deadline:
            time.sleep(0.01)
        resp = httpx.post(proxy.url + path_of("openai"), json=body, timeout=30)
        first.join()
    assert resp.status_code == 503
    assert resp.json()["error"]["code"] == "overloaded"


@pytest.mark.parametrize("api", APIS)
def test_a_stream_over_its_total_deadline_ends_with_an_error_event(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    upstream: ScriptedUpstream, api: str,
) -> None:
    """An upstream that streams past limits.upstream_total_s is cut off with an error event."""
    proxy = start_proxy(upstream_server[1].url,
                        loaded=policy_with(limits={"upstream_total_s": 0.5}))
    upstream.script.endless = True
    upstream.script.chunk_delay = 0.02
    upstream.script.text = "Still talking. "
    start = time.monotonic()
    resp = post(proxy.url, api, request_body(api, [{"role": "user", "content": "Talk."}],
                                             stream=True))
    assert time.monotonic() - start < 10
    assert resp.status_code == 200
    assert "did not answer in time" in resp.text.split("\n\n")[-2]


@pytest.mark.parametrize("api", APIS)
def test_a_replaced_stream_stops_the_upstream_and_ends_properly(
    start_proxy: StartProxy, stages: Stages,
    upstream_server: tuple[ScriptedUpstream, ServerThread], upstream: ScriptedUpstream, api: str,
) -> None:
    """Under ``action: replace`` an unsafe sentence swaps in the safe reply, careguard stops
    reading the upstream, and the client's stream still ends in the API's shape."""
    loaded = policy_with(reply_checks={"action": ReplyAction.REPLACE})
    replacing = dataclasses.replace(stages, checks=ReplyChecks.from_policy(loaded.policy))
    proxy = start_proxy(upstream_server[1].url, loaded=loaded, stages_override=replacing)
    upstream.script.endless = True
    upstream.script.chunk_delay = 0.01
    upstream.script.text = "My uncle committed suicide last year. "
    resp = post(proxy.url, api, request_body(api, [{"role": "user", "content": "Hi."}],
                                             stream=True))
    assert upstream.disconnected.wait(timeout=5)
    assert "committed suicide" not in reply_text(api, resp, stream=True)
    last = "data: [DONE]" if api == "openai" else '{"type":"message_stop"}'
    assert resp.text.rstrip().endswith(last)
