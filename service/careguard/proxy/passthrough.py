"""Other ``/v1/*`` routes (embeddings, moderations, files, ...) relayed to the upstream.

They are not chat turns, so there is no distress assessment or reply handling; but their
bodies can carry personal data, so by default (``policy.pii.passthrough: redact``) every
string in a JSON body is redacted before it leaves, and a body careguard cannot read (not
JSON) is refused rather than forwarded unseen. ``forward`` relays unchanged (an explicit
operator choice); ``refuse`` answers every such route with 404.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
import httpx
from litestar import Request, Response, route
from litestar.response import Stream

from careguard.errors import InputError
from careguard.pipeline import Pipeline
from careguard.policy import PiiMode
from careguard.proxy.errors import error_response
from careguard.proxy.state import ProxyState, careguard_headers, new_request_id, read_body
from careguard.proxy.upstream import returned_headers

__all__ = ["passthrough", "redact_json_strings"]

log = logging.getLogger("careguard.proxy")


def redact_json_strings(value: Any, redact: Any) -> tuple[Any, int]:
    """``value`` with every string leaf passed through ``redact(text) -> (text, count)``.

    Keys are kept as they are; returns the new value and the number of redactions.
    """
    if isinstance(value, str):
        text, count = redact(value)
        return text, int(count)
    if isinstance(value, list):
        items = [redact_json_strings(v, redact) for v in value]
        return [v for v, _ in items], sum(c for _, c in items)
    if isinstance(value, dict):
        pairs = {k: redact_json_strings(v, redact) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, sum(c for _, c in pairs.values())
    return value, 0


def _redact_body(pipeline: Pipeline, body: bytes, content_type: str) -> tuple[bytes, int]:
    """The body with personal data redacted; InputError when it cannot be read."""
    redactor = pipeline.stages.redactor
    pii = pipeline.policy.pii
    if not body or redactor is None or not pii.enabled or pii.mode is PiiMode.PASS:
        return body, 0
    if "json" not in content_type.lower():
        raise InputError(
            "careguard cannot inspect this body on a pass-through route (not JSON); "
            "the policy's pii.passthrough decides (redact, forward or refuse)",
            status=415,
        )
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InputError("the request body is not valid JSON") from None
    session = redactor.session(hashlib.sha256(body).hexdigest())

    def redact(text: str) -> tuple[str, int]:
        result = redactor.redact(text, session)
        return result.text, len(result.findings)

    new_doc, count = redact_json_strings(doc, redact)
    return json.dumps(new_doc, ensure_ascii=False).encode("utf-8"), count


@route("/v1/{rest:path}", http_method=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def passthrough(request: Request[Any, Any, Any], rest: str) -> Response[Any]:
    """Other ``/v1/*`` routes go to the configured upstream, their JSON strings redacted."""
    state: ProxyState = request.app.state.careguard
    headers = careguard_headers(new_request_id())
    try:
        with state.slot():
            mode = state.loaded.policy.pii.passthrough
            if mode == "refuse":
                raise InputError("this route is not served by careguard", status=404)
            limits = state.loaded.policy.limits
            body = await read_body(request, limits.max_body_bytes, limits.request_read_s)
            content_type = request.headers.get("content-type", "")
            if mode == "redact":
                pipeline = state.ready_pipeline()
                body, count = await anyio.to_thread.run_sync(
                    _redact_body, pipeline, body, content_type
                )
                headers["x-careguard-redactions"] = str(count)
            up_headers = state.upstream.headers_for(
                request.headers, anthropic="x-api-key" in request.headers
            )
            if content_type:
                up_headers["content-type"] = content_type
            cm = state.upstream.open(request.method, request.url.path, headers=up_headers,
                                     body=body, query=request.url.query, ok_only=False)
            resp = await cm.__aenter__()
    except Exception as exc:
        return error_response("openai", exc, headers)

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in resp.aiter_bytes():  # decoded: content-encoding is dropped
                yield chunk
        except httpx.HTTPError:
            log.warning("pass-through stream broke off")
        finally:
            await cm.__aexit__(None, None, None)

    out_headers = {**returned_headers(resp), **headers}
    return Stream(relay(), status_code=resp.status_code, headers=out_headers,
                  media_type=resp.headers.get("content-type", "application/octet-stream"))
