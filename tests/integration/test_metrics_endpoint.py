"""GET /metrics over a real socket."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.harness import ServerThread

pytestmark = [pytest.mark.integration, pytest.mark.models]


def test_metrics_content_type_names_its_charset_once(proxy: ServerThread) -> None:
    """The scrape's content type is Prometheus' text format with one charset parameter
    (litestar added a second one to prometheus-client's)."""
    ctype = httpx.get(proxy.url + "/metrics", timeout=30).headers["content-type"]
    assert ctype.startswith("text/plain; version=0.0.4")
    assert ctype.lower().count("charset") == 1
