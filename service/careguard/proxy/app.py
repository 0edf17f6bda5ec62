"""Application factory for the careguard HTTP service.

``create_app(settings)`` loads the policy (a bad policy stops start-up), builds the upstream
client, and returns a litestar app whose lifespan loads and warms the models in a worker
thread: ``/healthz`` answers at once, ``/readyz`` and the proxied routes only once the
pipeline is ready. Nothing heavy happens at import.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State

from careguard import observe
from careguard.conversation import Message, messages_from_openai
from careguard.errors import ShapeError
from careguard.pipeline import Pipeline, Stages, build_stages
from careguard.pipeline_toxicity import load_failures
from careguard.policy import FailureMode, LoadedPolicy, load_policy
from careguard.proxy.auth import AuthMiddleware, ClientKeys
from careguard.proxy.echo import ECHO_BASE_URL, EchoTransport
from careguard.proxy.errors import error_response
from careguard.proxy.observability import metrics_endpoint
from careguard.proxy.passthrough import passthrough
from careguard.proxy.routes_anthropic import messages
from careguard.proxy.routes_openai import chat_completions
from careguard.proxy.state import (
    ProxyState,
    careguard_headers,
    language_headers,
    new_request_id,
    read_json,
)
from careguard.proxy.upstream import Upstream
from careguard.settings import ECHO, ServeSettings

__all__ = ["create_app", "create_app_from_env"]

log = logging.getLogger("careguard.proxy")
StagesFactory = Callable[[LoadedPolicy], Stages]
_WARM_UP = [Message("user", "Hello, my name is Alex Morgan and I feel a bit tired today.")]


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    """Liveness: the process is up."""
    return {"status": "ok"}


@get("/readyz", sync_to_thread=False)
def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """Readiness: 200 only once the models are loaded and warmed. A stage whose model could
    not load (e.g. toxicity weights missing offline) is named with a one-line reason: 503
    when its failure mode is ``closed`` (requests would be refused), 200 ``degraded`` when it
    is ``open`` (requests go through without it, flagged)."""
    state: ProxyState = request.app.state.careguard
    if state.pipeline is not None:
        failed: dict[str, str] = {}
        closed = False
        for p in (state.pipeline, *state.key_pipelines.values()):
            found = load_failures(p.stages)
            failed.update(found)
            policy = p.stages.loaded.policy
            closed = closed or any(
                policy.failure_mode_for(getattr(policy, name).stage) is FailureMode.CLOSED
                for name in found
            )
        if failed:
            body = {"status": "degraded", "policy": state.loaded.policy.name, "failed": failed}
            return Response(body, status_code=503 if closed else 200)
        return Response({"status": "ready", "policy": state.loaded.policy.name})
    status = "failed" if state.load_error else "loading"
    return Response({"status": status}, status_code=503)


@post("/v1/assess", status_code=200)
async def assess(request: Request[Any, Any, Any]) -> Response[Any]:
    """The distress assessment of ``{"messages": [...]}`` without calling an LLM."""
    state: ProxyState = request.app.state.careguard
    headers = careguard_headers(new_request_id())
    try:
        with state.slot():
            pipeline = state.ready_pipeline()
            limits = pipeline.policy.limits
            body = await read_json(request, limits.max_body_bytes, limits.request_read_s)
            if not isinstance(body, dict):
                raise ShapeError("the request body must be a JSON object", field="$")
            msgs = messages_from_openai(body.get("messages"))
            result = await pipeline.assess(msgs)
    except Exception as exc:
        return error_response("openai", exc, headers)
    headers["x-careguard-level"] = result.level.value
    headers.update(language_headers(result))
    return Response(result.to_dict(turns=True), headers=headers)


async def _load(state: ProxyState, factory: StagesFactory) -> None:
    """Build the stages in a worker thread, warm them, then mark the service ready."""
    try:
        stages = await anyio.to_thread.run_sync(factory, state.loaded, abandon_on_cancel=True)
        pipeline = Pipeline(stages)
        if stages.escalation is not None and state.metrics is not None:
            stages.escalation.on_outcome = state.metrics.escalation  # escalation outcomes
        await anyio.to_thread.run_sync(pipeline.warm_up, _WARM_UP, abandon_on_cancel=True)
        for source, key_loaded in state.key_policies.items():  # policies chosen by client keys
            key_stages = await anyio.to_thread.run_sync(factory, key_loaded,
                                                        abandon_on_cancel=True)  # fmt: skip
            state.key_pipelines[source] = Pipeline(key_stages)
    except Exception as exc:
        state.load_error = exc.__class__.__name__
        log.exception("loading the models failed")
        return
    state.pipeline = pipeline
    log.info("careguard ready")


def create_app(
    settings: ServeSettings | None = None,
    *,
    loaded: LoadedPolicy | None = None,
    stages_factory: StagesFactory = build_stages,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Litestar:
    """Build the service.

    ``loaded`` overrides ``settings.policy`` (an already loaded policy); ``stages_factory``
    builds the stages in the lifespan (default: the real models); ``transport`` replaces
    httpx's network transport.
    """
    settings = settings or ServeSettings()
    loaded = loaded or load_policy(settings.policy)
    limits = loaded.policy.limits
    if settings.upstream == ECHO:
        upstream = Upstream.build(ECHO_BASE_URL, limits, key=None, transport=EchoTransport())
    else:
        upstream = Upstream.build(settings.upstream, limits, key=settings.upstream_key,
                                  transport=transport)
    state = ProxyState(loaded, upstream)
    middleware: list[Any] = []
    if settings.keys_file:  # a bad keys file or key policy stops start-up
        keys = ClientKeys.load(settings.keys_file)
        state.key_policies = {p: load_policy(p) for p in sorted(keys.policies)}
        middleware.append(lambda app: AuthMiddleware(app, keys))
    obs = observe.setup(loaded)  # metrics (fresh registry), audit sink from the environment
    state.metrics = obs.metrics

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_load, state, stages_factory)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()
                await upstream.aclose()
                obs.close()
                esc = state.pipeline.stages.escalation if state.pipeline else None
                if esc is not None:
                    await esc.aclose()

    return Litestar(
        route_handlers=[healthz, readyz, assess, chat_completions, messages, passthrough,
                        metrics_endpoint],
        middleware=[obs.middleware, *middleware],
        logging_config=None,  # careguard.logs sets up logging (JSON lines, no text)
        lifespan=[lifespan],
        state=State({"careguard": state}),
    )


def create_app_from_env() -> Litestar:
    """Factory for uvicorn workers (``--workers > 1``): settings from ``CAREGUARD_*``."""
    return create_app(ServeSettings.from_env())
