"""``CareGuardPlugin``: careguard in a litestar app from one config object.

::

    from litestar import Litestar
    from careguard.plugin import CareGuardConfig, CareGuardPlugin

    app = Litestar([chat], plugins=[CareGuardPlugin(CareGuardConfig(routes=[...]))])

It installs :class:`careguard.CareGuardMiddleware` (the pure ASGI middleware, so litestar and
Starlette apps behave the same) and a Prometheus ``/metrics`` route. The guard (models) is
built when the app is built, unless one is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.config.app import AppConfig
from litestar.middleware import DefineMiddleware
from litestar.plugins import InitPlugin

from careguard.asgi import CareGuardMiddleware, Route
from careguard.asgi.middleware import stages_of
from careguard.conversation import Message
from careguard.metrics import Metrics
from careguard.pipeline import Pipeline

__all__ = ["CareGuardConfig", "CareGuardPlugin"]


@dataclass
class CareGuardConfig:
    """What :class:`CareGuardPlugin` installs."""

    guard: Any | None = None
    """A :class:`careguard.Guard`; None builds ``Guard.from_policy(policy)`` at app build."""
    policy: str | Path | None = None
    """Policy file for the guard built here (None: the shipped default policy)."""
    routes: Sequence[Route] | None = None
    """The guarded routes (None: ``POST /v1/chat/completions`` and ``POST /v1/messages``)."""
    metrics_path: str | None = "/metrics"
    """Where the Prometheus scrape route goes; None installs no route (metrics still kept)."""
    metrics: Metrics | None = None
    """Record into this :class:`careguard.metrics.Metrics`; None builds one on a fresh
    ``CollectorRegistry`` (``careguard.observe.setup``)."""
    audit: bool = False
    """Write the PII-free audit trail to ``CAREGUARD_AUDIT_PATH`` (ignored when unset)."""
    warm_up: bool = True
    """Run every model once at start-up so the first real turn is not slow."""
    middleware_kwargs: dict[str, Any] = field(default_factory=dict)
    """Extra keyword arguments for :class:`careguard.CareGuardMiddleware`."""


class CareGuardPlugin(InitPlugin):
    """Installs the middleware and the ``/metrics`` route from one :class:`CareGuardConfig`."""

    __slots__ = ("config", "guard", "metrics")

    def __init__(self, config: CareGuardConfig | None = None) -> None:
        self.config = config or CareGuardConfig()
        self.guard: Any | None = None
        self.metrics: Metrics | None = None

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        from careguard import Guard
        from careguard.observe import setup

        cfg = self.config
        guard = cfg.guard if cfg.guard is not None else Guard.from_policy(cfg.policy)
        auditor = None
        metrics = cfg.metrics
        if metrics is None or cfg.audit:
            obs = setup(guard.loaded, registry=metrics.registry if metrics else None)
            metrics, auditor = metrics or obs.metrics, obs.auditor if cfg.audit else None
        self.guard, self.metrics = guard, metrics
        # litestar builds a middleware stack per route: they all share one pipeline
        pipeline = Pipeline(stages_of(guard))
        if cfg.warm_up:
            pipeline.warm_up([Message("user", "I feel a bit low today, my name is Sam.")])
        factory: Any = CareGuardMiddleware  # litestar's ASGI types are narrower than ours
        app_config.middleware.append(DefineMiddleware(
            factory, pipeline=pipeline, routes=cfg.routes, metrics=metrics, auditor=auditor,
            warm_up=False, **cfg.middleware_kwargs,
        ))  # fmt: skip
        if cfg.metrics_path is not None:
            app_config.route_handlers.append(_metrics_route(cfg.metrics_path, metrics))
        return app_config


def _metrics_route(path: str, metrics: Metrics) -> Any:
    @get(path, sync_to_thread=True, include_in_schema=False)
    def careguard_metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Prometheus scrape of careguard's metrics."""
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return careguard_metrics
