"""Reading JSON Lines input files: one object per non-blank line, errors naming the line.

Shared by the commands that read records (``redact``, ``toxicity``, ``eval``); each checks its
own fields on the objects this yields. Messages name the line and the problem, never the text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from careguard.errors import InputError, ShapeError

__all__ = ["json_objects", "read_path"]

T = TypeVar("T")


def json_objects(
    lines: Iterable[str | bytes], where: str | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for every non-blank line (numbers start at 1).

    Raises :class:`InputError` for bytes that are not UTF-8 or a line that is not JSON, and
    :class:`ShapeError` for JSON that is not an object; ``where`` (a file name) prefixes them.
    """
    prefix = f"{where}: " if where else ""
    for n, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{prefix}line {n}: not UTF-8 (byte {exc.start})") from None
        else:
            line = raw
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{prefix}line {n}: invalid JSON ({exc.msg}, column {exc.colno})"
            ) from None
        if not isinstance(obj, dict):
            raise ShapeError(f"{prefix}line {n}: expected a JSON object", field="$")
        yield n, obj


def read_path(name: str | Path, parse: Callable[[BinaryIO, str], T]) -> T:
    """``parse(stream, name)`` over the file ``name`` read as bytes (``-``: standard input);
    a file that cannot be opened is a one-line :class:`InputError`."""
    if str(name) == "-":
        return parse(sys.stdin.buffer, "<stdin>")
    try:
        with open(name, "rb") as fh:
            return parse(fh, str(name))
    except OSError as exc:
        raise InputError(f"cannot read {name} ({exc.strerror or type(exc).__name__})") from None
