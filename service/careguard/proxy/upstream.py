"""The upstream LLM client (httpx): configured base URL only, credentials, fault mapping.

httpx failures become careguard's :class:`~careguard.errors.UpstreamError` tree: refused or
unreachable → :class:`UpstreamUnavailable` (502), no answer in time → :class:`UpstreamTimeout`
(504), a broken answer → :class:`UpstreamBadResponse` (502), and an error status from the
upstream → :class:`UpstreamStatus` (its status passed through).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from careguard import observe
from careguard.errors import (
    InputError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from careguard.policy import LimitsPolicy
from careguard.safejson import loads_untrusted

__all__ = ["FORWARDED_HEADERS", "Upstream", "UpstreamStatus"]

# request headers passed on to the upstream (everything else is dropped)
FORWARDED_HEADERS = frozenset({
    "authorization", "x-api-key", "anthropic-version", "anthropic-beta",
    "openai-organization", "openai-project", "openai-beta", "accept", "user-agent",
})
# response headers passed back to the client
RETURNED_HEADERS = frozenset({
    "content-type", "openai-processing-ms", "openai-version", "x-request-id", "request-id",
    "retry-after", "anthropic-ratelimit-requests-remaining",
    "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens",
})
_ERROR_TYPE_MAX = 64
_RETRY_AFTER = re.compile(r"^[0-9A-Za-z ,:]{1,40}$")


class UpstreamStatus(UpstreamError):
    """The upstream answered with an error status; passed through in the client's envelope."""

    kind = "upstream_status"

    def __init__(
        self, status: int, upstream_type: str | None, *, retry_after: str | None = None
    ) -> None:
        self.status = status
        self.upstream_type = upstream_type
        self.retry_after = retry_after if retry_after and _RETRY_AFTER.match(retry_after) else None
        """The upstream's ``Retry-After`` (seconds or an HTTP date), passed to the client."""
        super().__init__(f"upstream returned HTTP {status}")


class Upstream:
    """One configured upstream. ``client`` is built once at start-up and closed at shutdown."""

    def __init__(self, base_url: str, client: httpx.AsyncClient, *, key: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self._key = key

    @classmethod
    def build(
        cls, base_url: str, limits: LimitsPolicy, *, key: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Upstream:
        timeout = httpx.Timeout(
            connect=limits.upstream_connect_s, read=limits.upstream_read_s,
            write=limits.upstream_read_s, pool=limits.upstream_connect_s,
        )
        pool = httpx.Limits(max_connections=limits.max_concurrency,
                            max_keepalive_connections=limits.max_concurrency)
        client = httpx.AsyncClient(timeout=timeout, limits=pool, transport=transport,
                                   trust_env=False, follow_redirects=False)
        return cls(base_url, client, key=key)

    def url_for(self, path: str) -> str:
        """Join the configured base with a request path (``/v1/...``); never a full URL."""
        if not path.startswith("/") or path.startswith("//"):
            raise UpstreamBadResponse("bad upstream path")
        if self.base_url.endswith("/v1") and path.startswith("/v1/"):
            path = path[3:]
        return self.base_url + path

    def headers_for(self, client_headers: Mapping[str, str], *, anthropic: bool) -> dict[str, str]:
        out = {k.lower(): v for k, v in client_headers.items() if k.lower() in FORWARDED_HEADERS}
        if self._key:
            out.pop("authorization", None)
            out.pop("x-api-key", None)
            if anthropic:
                out["x-api-key"] = self._key
            else:
                out["authorization"] = f"Bearer {self._key}"
        return out

    @asynccontextmanager
    async def open(
        self, method: str, path: str, *, headers: Mapping[str, str], body: bytes,
        query: str = "", ok_only: bool = True,
    ) -> AsyncIterator[httpx.Response]:
        """Send a request and yield the streaming response; the body is read by the caller.

        With ``ok_only`` an error status raises :class:`UpstreamStatus` (after reading a small
        bounded part of the body to name the upstream's error type).
        """
        start = time.perf_counter()
        url = self.url_for(path) + (f"?{query}" if query else "")
        try:
            req = self.client.build_request(method, url, headers=dict(headers), content=body)
        except httpx.InvalidURL:  # e.g. control characters in a pass-through path (was a 500)
            raise InputError("the request path is not a valid URL path") from None
        try:
            resp = await self.client.send(req, stream=True)
        except httpx.TimeoutException:
            raise UpstreamTimeout("upstream did not answer in time") from None
        except (httpx.ConnectError, httpx.NetworkError):
            raise UpstreamUnavailable("upstream refused or unreachable") from None
        except httpx.HTTPError:
            raise UpstreamBadResponse("upstream answered with something unusable") from None
        try:
            if ok_only and resp.status_code >= 400:
                raise UpstreamStatus(resp.status_code, await _error_type(resp),
                                     retry_after=resp.headers.get("retry-after"))
            yield resp
        finally:
            await resp.aclose()
            observe.note_stage("upstream", time.perf_counter() - start)

    async def aclose(self) -> None:
        await self.client.aclose()


def returned_headers(resp: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k.lower() in RETURNED_HEADERS}


async def _error_type(resp: httpx.Response) -> str | None:
    """The upstream's error ``type`` when it is a short identifier (never free text)."""
    try:
        raw = b""
        async for chunk in resp.aiter_bytes():
            raw += chunk
            if len(raw) > 16_384:
                return None
        data: Any = loads_untrusted(raw)
    except (ValueError, httpx.HTTPError):
        return None
    err = data.get("error") if isinstance(data, dict) else None
    kind = err.get("type") if isinstance(err, dict) else None
    if isinstance(kind, str) and len(kind) <= _ERROR_TYPE_MAX and kind.replace("_", "").isalnum():
        return kind
    return None
