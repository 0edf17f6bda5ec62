"""The ``/metrics`` route (the metrics themselves: :mod:`careguard.metrics`,
per-request recording: :mod:`careguard.observe`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from careguard.metrics import Metrics

__all__ = ["metrics_endpoint"]


@get("/metrics", sync_to_thread=True, include_in_schema=False)
def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus scrape; in multiprocess mode the sums over every worker."""
    metrics: Metrics = request.app.state.careguard.metrics
    body, content_type = metrics.exposition()
    # litestar appends "; charset=utf-8" to text/* media types itself: name it once
    media_type = content_type.replace("; charset=utf-8", "")
    return Response(body, media_type=media_type)
