"""With toxicity on, scoring a streamed reply runs in worker threads, not on the event loop
(each sentence costs milliseconds of inference; other requests must not wait for it)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

import httpx
import pytest

from careguard.pipeline import Stages
from careguard.pipeline_toxicity import ToxicityStage
from careguard.policy import load_policy, policies_dir
from careguard.toxicity.types import ToxicityDetector, ToxicityResult
from tests.integration.conftest import StartProxy
from tests.integration.harness import ScriptedUpstream, ServerThread, path_of, request_body

pytestmark = [pytest.mark.integration, pytest.mark.models]

DISTRESSED = "I've been feeling really low and alone lately."
KIND = "That sounds really hard. I'm glad you told me. Would you like to say more?"
WORKER = "AnyIO worker thread"


class ThreadRecorder:
    """The real compact scorer, noting which thread each call runs in."""

    def __init__(self, inner: ToxicityDetector) -> None:
        self.inner = inner
        self.threads: list[str] = []

    def score(self, texts: Sequence[str]) -> list[ToxicityResult]:
        self.threads.append(threading.current_thread().name)
        return self.inner.score(texts)


@pytest.fixture(scope="module")
def recorder() -> ThreadRecorder:
    built = ToxicityStage.build(load_policy(policies_dir() / "toxicity.yaml"))
    assert built is not None and built.scorer is not None
    return ThreadRecorder(built.scorer)


@pytest.fixture(scope="module")
def proxy(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread],
    stages: Stages, recorder: ThreadRecorder,
) -> ServerThread:
    tox = dataclasses.replace(stages, toxicity=ToxicityStage(recorder))
    return start_proxy(upstream_server[1].url,
                       loaded=load_policy(policies_dir() / "toxicity.yaml"),
                       stages_override=tox)  # fmt: skip


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_streamed_reply_is_scored_in_worker_threads(
    proxy: ServerThread, upstream: ScriptedUpstream, recorder: ThreadRecorder, api: str
) -> None:
    """Every scoring call of a streamed, checked reply ran in an AnyIO worker thread."""
    upstream.script.text = KIND
    recorder.threads.clear()
    body = request_body(api, [{"role": "user", "content": DISTRESSED}], stream=True)
    r = httpx.post(proxy.url + path_of(api), json=body, timeout=60)
    assert r.status_code == 200 and "glad you told me" in r.text
    assert len(recorder.threads) >= 2  # the user's turn, then the reply's sentences
    assert set(recorder.threads) == {WORKER}


@pytest.mark.parametrize("stream", [False, True])
def test_asgi_middleware_scores_the_reply_in_worker_threads(
    stages: Stages, recorder: ThreadRecorder, stream: bool
) -> None:
    """The same inside an existing app: the middleware's reply checks run off the loop."""
    from careguard.asgi import CareGuardMiddleware
    from careguard.pipeline import Pipeline
    from tests.integration.test_asgi_standard import llm_app

    loaded = load_policy(policies_dir() / "toxicity.yaml")
    pipeline = Pipeline(dataclasses.replace(stages, loaded=loaded,
                                            toxicity=ToxicityStage(recorder)))  # fmt: skip
    app = CareGuardMiddleware(llm_app, pipeline=pipeline, warm_up=False)
    recorder.threads.clear()
    with ServerThread(app) as server:
        body = request_body("openai", [{"role": "user", "content": DISTRESSED}], stream=stream)
        r = httpx.post(server.url + path_of("openai"), json=body, timeout=60)
    assert r.status_code == 200 and "I hear you" in r.text
    assert len(recorder.threads) >= 2
    assert set(recorder.threads) == {WORKER}
