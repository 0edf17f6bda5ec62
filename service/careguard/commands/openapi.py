"""``careguard openapi [-o FILE] [--check FILE]``: the OpenAPI document of the HTTP service.

Generated from the litestar app (routes, methods, operation ids) and completed with what the
handlers cannot declare because they read raw bodies to keep streaming and their own error
envelopes: request body schemas, careguard's request and response headers, error responses
and ``/metrics``. ``openapi/openapi.json`` is this output, committed; ``make test`` fails when
it is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import careguard
from careguard.errors import InputError

_CONTENT = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]}


def _messages(roles: list[str]) -> dict[str, Any]:
    """The schema of a message list whose roles are ``roles``."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["role", "content"],
            "properties": {"role": {"type": "string", "enum": roles}, "content": _CONTENT},
        },
    }


_OPENAI_MESSAGES = _messages(["system", "developer", "user", "assistant", "tool"])
_OPENAI_REQUEST = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "model": {"type": "string"},
        "stream": {"type": "boolean"},
        "messages": _OPENAI_MESSAGES,
    },
    "additionalProperties": True,
}
_ANTHROPIC_REQUEST = {
    "type": "object",
    "required": ["model", "max_tokens", "messages"],
    "properties": {
        "model": {"type": "string"},
        "max_tokens": {"type": "integer", "minimum": 1},
        "stream": {"type": "boolean"},
        "system": _CONTENT,
        "messages": _messages(["user", "assistant"]),
    },
    "additionalProperties": True,
}
_ASSESS_REQUEST = {
    "type": "object",
    "required": ["messages"],
    "properties": {"messages": _OPENAI_MESSAGES},
}
_OPENAI_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["message", "type", "code"],
                             "properties": {"message": {"type": "string"},
                                            "type": {"type": "string"},
                                            "code": {"type": "string"}}}},
}  # fmt: skip
_ANTHROPIC_ERROR = {
    "type": "object",
    "required": ["type", "error"],
    "properties": {"type": {"const": "error"},
                   "error": {"type": "object", "required": ["type", "message"],
                             "properties": {"type": {"type": "string"},
                                            "message": {"type": "string"}}}},
}  # fmt: skip
_ERRORS = {
    "400": "Malformed request (not JSON, not UTF-8, nested too deep, unpaired surrogates)",
    "401": "No or unknown client API key (only when serve has --keys-file)",
    "408": "The request body did not arrive within limits.request_read_s",
    "413": "Body, message count or message length over the policy's limits",
    "422": "Valid JSON of the wrong shape (the message names the field)",
    "502": "The configured upstream failed, or answered with something unusable or too large",
    "503": "Models still loading, redaction or toxicity could not run (fail closed), or "
           "overloaded",
    "504": "The upstream did not answer in time",
}
_RESPONSE_HEADERS = {
    "x-careguard-request-id": {"description": "Request id (also in logs and the audit trail)",
                               "schema": {"type": "string"}},
    "x-careguard-level": {"description": "Distress level of the conversation; 'unknown' when "
                                         "it could not be assessed (careguard then answers "
                                         "itself with crisis resources)",
                          "schema": {"type": "string", "enum": ["none", "low", "moderate",
                                                                "high", "imminent",
                                                                "unknown"]}},
    "x-careguard-resources-country": {
        "description": "Chat routes: the country whose crisis resources were used (ISO 3166-1 "
                       "alpha-2, resolved from x-careguard-country or the policy default; ZZ "
                       "for the international lines)",
        "schema": {"type": "string", "pattern": "^[A-Z]{2}$"}},
    "x-careguard-redactions": {"description": "Personal-data values replaced",
                               "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    "x-careguard-language": {
        "description": "Once the turn is assessed: the conversation's language (ISO 639-1; "
                       "'und' when no user turn is long and clear enough to tell)",
        "schema": {"type": "string", "pattern": "^[a-z]{2,3}$"}},
    "x-careguard-language-supported": {
        "description": "Once the turn is assessed: 'false' when careguard does not read that "
                       "language (the assessment is flagged language:unsupported and the "
                       "policy's languages.unsupported_action applies)",
        "schema": {"type": "string", "enum": ["true", "false"]}},
    "x-careguard-reply-checked": {
        "description": "Chat routes, when the LLM answered: 'true' when every sentence of the "
                       "reply is judged by the safe-messaging checks (named rules and the "
                       "reply-safety model) before it is released; 'false' when the checks are "
                       "off or did not run",
        "schema": {"type": "string", "enum": ["true", "false"]}},
}  # fmt: skip
_COUNTRY = {
    "name": "x-careguard-country", "in": "header", "required": False,
    "description": "The user's country for crisis resources: ISO 3166-1 alpha-2 (UK for "
                   "GB), or the alpha-3 code or a common English name of a country in the "
                   "resource directory; else (or when unknown, logged) the policy's "
                   "default_country",
    "schema": {"type": "string"},
}  # fmt: skip
_CONVERSATION = {
    "name": "x-careguard-conversation-id", "in": "header", "required": False,
    "description": "A stable id for the conversation (else derived from its first turn)",
    "schema": {"type": "string"},
}  # fmt: skip
_TURNS = {
    "/v1/chat/completions": (_OPENAI_REQUEST, _OPENAI_ERROR, "OpenAI chat completions"),
    "/v1/messages": (_ANTHROPIC_REQUEST, _ANTHROPIC_ERROR, "Anthropic messages"),
    "/v1/assess": (_ASSESS_REQUEST, _OPENAI_ERROR, "Distress assessment without an LLM"),
}


def register(sub: Any) -> None:
    p = sub.add_parser("openapi", help="print the OpenAPI document of the HTTP service")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--check", metavar="FILE",
                   help="exit 1 when FILE differs from the generated document")  # fmt: skip
    p.set_defaults(handler=_openapi)


def build_document() -> dict[str, Any]:
    """The generated document (the app is built but never started: no models load)."""
    from careguard.proxy.app import create_app
    from careguard.settings import ServeSettings

    app = create_app(ServeSettings(upstream="echo"))
    doc: dict[str, Any] = app.openapi_schema.to_schema()
    doc["info"] = {
        "title": "careguard",
        "version": careguard.__version__,
        "description": "Conversation-safety middleware in front of an LLM API: personal data "
        "redacted, distress assessed, crisis resources guaranteed, replies checked.",
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    }
    paths: dict[str, Any] = doc.setdefault("paths", {})
    for path, (request, error, summary) in _TURNS.items():
        op = paths[path]["post"]
        op["summary"] = summary
        op["parameters"] = [_COUNTRY, _CONVERSATION] if path != "/v1/assess" else []
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": request}}}  # fmt: skip
        ok = op["responses"].setdefault("200", {"description": "OK"})
        ok["headers"] = _RESPONSE_HEADERS
        if path != "/v1/assess":
            ok["content"] = {"application/json": {"schema": {"type": "object"}},
                             "text/event-stream": {"schema": {"type": "string"}}}  # fmt: skip
        for status, description in _ERRORS.items():
            op["responses"][status] = {
                "description": description, "headers": _RESPONSE_HEADERS,
                "content": {"application/json": {"schema": error}},
            }  # fmt: skip
    paths["/metrics"] = {"get": {
        "summary": "Prometheus metrics (all workers summed)", "operationId": "Metrics",
        "responses": {"200": {"description": "Prometheus text format",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}},
    }}  # fmt: skip
    return doc


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _openapi(args: argparse.Namespace) -> int:
    text = render()
    if args.check:
        try:
            current = Path(args.check).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read {args.check}: {exc.strerror or 'error'}") from None
        if current != text:
            print(f"{args.check} is stale: run 'careguard openapi -o {args.check}'",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 0
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
