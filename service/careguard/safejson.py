"""JSON from outside (client requests, upstream replies) read without surprises.

``json.loads`` alone lets three things through that break careguard later, far from the cause:

- nesting deeper than the interpreter's recursion limit raises :class:`RecursionError` (not a
  :class:`ValueError`), which every caller's ``except ValueError`` misses — a 500;
- ``"\\ud800"`` (an unpaired surrogate escape) is valid JSON grammar but not Unicode: the
  string decodes, and the first ``.encode()`` downstream (forwarding, the models) fails;
- integers of more than 4300 digits raise a :class:`ValueError` whose message is not a
  JSON-position error;
- ``NaN``, ``Infinity`` and ``-Infinity`` are accepted by Python but are not JSON: forwarded,
  they make the upstream's parser fail instead.

:func:`loads_request` turns each into an :class:`~careguard.errors.InputError` (HTTP 400) whose
message names the problem, never the content; :func:`loads_untrusted` raises
:class:`ValueError` for the same cases (for upstream replies and SSE events, where callers
already treat a ValueError as "not usable JSON").
"""

from __future__ import annotations

import json
import re
from typing import Any

from careguard.errors import InputError

__all__ = ["MAX_DEPTH", "loads_request", "loads_untrusted"]

MAX_DEPTH = 128
"""Deepest nesting of arrays/objects accepted (chat requests need about 6; tool schemas more)."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def _problem(value: Any, surrogates: bool) -> str | None:
    """What is wrong with a parsed value (too deep, a lone surrogate), walking it once."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if surrogates and _SURROGATE.search(item):
                return "has an unpaired surrogate escape (not Unicode text)"
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                return f"is nested deeper than {MAX_DEPTH} levels"
            if isinstance(item, dict):
                stack.extend((k, depth) for k in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
    return None


class _Constant(ValueError):
    """NaN or an infinity in the input."""


def _no_constant(name: str) -> Any:
    raise _Constant(name)


def _check(text: str) -> tuple[Any, str | None]:
    """``(value, problem)``: the parsed value, or None and a short description."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # deeper than the interpreter allows (about 1000 levels)
        return None, f"is nested deeper than {MAX_DEPTH} levels"
    except _Constant:
        return None, "is not valid JSON (NaN and Infinity are not JSON numbers)"
    except ValueError as exc:
        pos = getattr(exc, "pos", None)
        if isinstance(pos, int):
            return None, f"is not valid JSON at character {pos}"
        return None, "is not valid JSON"  # e.g. an integer of more than 4300 digits
    # a lone surrogate can only come from a \uD8xx-\uDFxx escape (UTF-8 input has none)
    return value, _problem(value, "\\ud" in text or "\\uD" in text)


def loads_request(raw: bytes) -> Any:
    """A client's request body as JSON, or :class:`InputError` (400) saying what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"request body is not UTF-8 (byte {exc.start})") from None
    value, problem = _check(text)
    if problem is not None:
        raise InputError(f"request body {problem}")
    return value


def loads_untrusted(raw: bytes | str) -> Any:
    """JSON from the upstream; :class:`ValueError` for anything careguard could not forward."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    value, problem = _check(text)
    if problem is not None:
        raise ValueError(f"JSON {problem}")
    return value
