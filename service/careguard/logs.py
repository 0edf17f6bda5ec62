"""Structured logging: one JSON object per line, with the request id, and no message text.

careguard's log lines carry *what happened*, never *what was said*. The formatter here is built
so that it cannot emit conversation text even when a caller (or a library) passes some:

- the line's ``event`` is the log call's format string (a constant in the code), never the
  string formatted with its arguments, and only when it looks like a constant (letters,
  punctuation, placeholders; no digits, no ``@``): an f-string that interpolated an email
  address or a phone number is withheld whole; arguments are kept only when they are numbers;
- ``extra`` fields are kept only for names in :data:`SAFE_FIELDS`, and then only numbers,
  booleans and short lower-case identifiers (``stage="pii"``) — anything else becomes ``"?"``;
- exceptions are logged as their type and the code locations of the traceback, never the
  exception's message (a JSON decode error, for one, quotes the input);
- uvicorn's access log keeps the method and status, never the path or the client address.

The request id lives in a context variable (:data:`request_id_var`); :func:`bind_request_id`
sets it for the current task and every line logged there carries it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

__all__ = [
    "SAFE_FIELDS",
    "JsonFormatter",
    "RequestIdFilter",
    "bind_request_id",
    "configure_logging",
    "new_request_id",
    "request_id_var",
    "uvicorn_log_config",
]

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "careguard_request_id", default=None
)

SAFE_FIELDS = frozenset(
    {
        "route", "method", "status", "outcome", "stage", "distress_level", "subject", "mode",
        "kind", "action", "check", "duration_ms", "count", "redactions", "entities", "workers",
        "port", "policy", "policy_version", "model", "attempt", "retries", "bytes", "country",
        "error", "host", "upstream",
    }
)  # fmt: skip
"""``extra`` keys that may appear in a log line (values are still checked)."""

# A log call's format string: letters, punctuation and %-placeholders, no digits and no "@"
# (so an f-string that interpolated an email address or phone number is withheld whole).
_EVENT = re.compile(r"^[A-Za-z%][A-Za-z %_,.:;()\[\]/'=+-]{0,159}$")
_IDENT = re.compile(r"^[a-z/][a-z0-9_.:/-]{0,39}$")
_BASE_KEYS = frozenset({"ts", "level", "logger", "request_id", "event", "args"})
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]{0,63}$")  # ``extra={"error": type(exc).__name__}``
# The operator's own settings (never from a request): listen address, upstream URL (logged
# without credentials or query), policy file. Printable ASCII without spaces.
_SETTINGS = frozenset({"host", "upstream", "policy"})
_SETTING = re.compile(r"^[!-~]{1,200}$")


def new_request_id() -> str:
    """A fresh request id (32 hex digits)."""
    return uuid.uuid4().hex


@contextmanager
def bind_request_id(request_id: str | None = None) -> Iterator[str]:
    """Set the request id for log lines in this context (a fresh one when None)."""
    rid = request_id or new_request_id()
    token = request_id_var.set(rid)
    try:
        yield rid
    finally:
        request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` from :data:`request_id_var` (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _safe_value(key: str, value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(getattr(value, "value", value))
    if key == "country" and _COUNTRY.match(text):
        return text
    if key == "error" and _CLASS_NAME.match(text):
        return text
    if key in _SETTINGS and _SETTING.match(text):
        return text
    return text if _IDENT.match(text) else "?"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line holding no free text (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            line.update(_access_fields(record.args))
        else:
            line["event"] = _event(record.msg)
            args = record.args if isinstance(record.args, tuple) else ()
            numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
            if numbers and len(numbers) == len(args):
                line["args"] = numbers
        for key, value in vars(record).items():
            if key in SAFE_FIELDS and key not in _BASE_KEYS:
                line[key] = _safe_value(key, value)
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            line["exc_type"] = exc_type.__name__
            line["exc_at"] = [
                f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}:{frame.name}"
                for frame in traceback.extract_tb(tb)
            ][-8:]
        return json.dumps(line, ensure_ascii=True, separators=(",", ":"))


def _event(msg: object) -> str:
    if not isinstance(msg, str):
        return type(msg).__name__
    return msg if _EVENT.match(msg) else "(message withheld: not a constant-looking event)"


def _access_fields(args: tuple[Any, ...]) -> dict[str, Any]:
    # uvicorn: '%s - "%s %s HTTP/%s" %d' % (client, method, path, http_version, status)
    fields: dict[str, Any] = {"event": "http request"}
    if len(args) >= 5:
        method, status = str(args[1]), args[4]
        fields["method"] = method if method.isalpha() and len(method) <= 10 else "?"
        fields["status"] = status if isinstance(status, int) else "?"
    return fields


def configure_logging(level: str | int = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Route careguard's, uvicorn's and the root logger's records to one JSON-lines handler.

    Replaces the handlers on those loggers (uvicorn installs its own plain-text ones), so a
    worker logs only through the safe formatter. Returns the handler (tests read its stream).
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "careguard", "litestar"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
        logger.disabled = False  # dictConfig(disable_existing_loggers=True) may have disabled it
    return handler


def uvicorn_log_config(level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn (``uvicorn.run(log_config=...)``): every
    record through :class:`JsonFormatter` with the request id. uvicorn applies it in each
    worker process too."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        }
        | {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
    }
