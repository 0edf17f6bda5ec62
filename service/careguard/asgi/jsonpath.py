"""A small JSON path syntax for naming where text lives in an app's own request/response JSON.

Grammar (compiled once, at start-up)::

    path     := "$" step*
    step     := "." NAME | "[" INDEX "]" | "[*]" | "[" QUOTED "]"
    NAME     := [A-Za-z_][A-Za-z0-9_-]*
    INDEX    := a non-negative integer
    QUOTED   := a '...' or "..." string without escapes (for keys with other characters)

``$.message``, ``$.history[*].content``, ``$.data["user text"]``, ``$.choices[0].delta.content``.
``[*]`` selects every element of a list (only where a route allows several values).

Lookups name the concrete location that is missing or of the wrong type (``$.history[2].content``)
and never the JSON's content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from careguard.errors import ShapeError

__all__ = ["WILDCARD", "JsonPath", "PathSyntaxError", "format_path"]


class _Wildcard:
    __slots__ = ()

    def __repr__(self) -> str:
        return "[*]"


WILDCARD: Final = _Wildcard()
Part = str | int
Step = str | int | _Wildcard

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INDEX = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"""\[(?:'([^']*)'|"([^"]*)")\]""")


class PathSyntaxError(ValueError):
    """A path that does not follow the grammar; says where and what was expected."""


def format_path(parts: tuple[Part, ...]) -> str:
    """``("history", 2, "content")`` → ``$.history[2].content``."""
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _NAME.fullmatch(p):
            out += f".{p}"
        else:
            out += f'["{p}"]'
    return out


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled path; ``text`` is what it was compiled from."""

    text: str
    steps: tuple[Step, ...]

    @classmethod
    def compile(cls, text: str) -> JsonPath:
        if not isinstance(text, str):
            raise PathSyntaxError(f"a path must be a string, not {type(text).__name__}")
        if not text.startswith("$"):
            raise PathSyntaxError(f"path {text!r} must start with '$'")
        steps: list[Step] = []
        i = 1
        while i < len(text):
            if text[i] == ".":
                m = _NAME.match(text, i + 1)
                if m is None:
                    raise PathSyntaxError(
                        f"path {text!r}: expected a name after '.' at character {i + 1}"
                    )
                steps.append(m.group())
                i = m.end()
            elif text.startswith("[*]", i):
                steps.append(WILDCARD)
                i += 3
            elif (m := _INDEX.match(text, i)) is not None:
                steps.append(int(m.group(1)))
                i = m.end()
            elif (m := _QUOTED.match(text, i)) is not None:
                steps.append(m.group(1) if m.group(1) is not None else m.group(2))
                i = m.end()
            else:
                raise PathSyntaxError(
                    f"path {text!r}: expected '.name', '[N]', '[*]' or '[\"key\"]' at "
                    f"character {i}"
                )
        return cls(text, tuple(steps))

    @property
    def wildcards(self) -> int:
        return sum(1 for s in self.steps if s is WILDCARD)

    @property
    def is_root(self) -> bool:
        return not self.steps

    def find(self, doc: Any, *, optional: bool = False) -> list[tuple[tuple[Part, ...], Any]]:
        """Every value the path selects, with its concrete location (``[*]`` expanded).

        Raises :class:`ShapeError` naming the first location that is missing or not a
        container of the right kind. ``optional``: a missing key before the first ``[*]``
        (``$.history`` absent) selects nothing instead.
        """
        found: list[tuple[tuple[Part, ...], Any]] = [((), doc)]
        for n, step in enumerate(self.steps):
            if optional and isinstance(step, str) and WILDCARD not in self.steps[:n] and (
                len(found) == 1 and isinstance(found[0][1], dict) and step not in found[0][1]
            ):
                return []
            nxt: list[tuple[tuple[Part, ...], Any]] = []
            for where, value in found:
                if step is WILDCARD:
                    if not isinstance(value, list):
                        raise _shape(where, "must be a list")
                    nxt += [((*where, i), v) for i, v in enumerate(value)]
                elif isinstance(step, int):
                    if not isinstance(value, list):
                        raise _shape(where, "must be a list")
                    if step >= len(value):
                        raise _shape((*where, step), "is missing")
                    nxt.append(((*where, step), value[step]))
                else:
                    assert isinstance(step, str)
                    if not isinstance(value, dict):
                        raise _shape(where, "must be an object")
                    if step not in value:
                        raise _shape((*where, step), "is missing")
                    nxt.append(((*where, step), value[step]))
            found = nxt
        return found

    def get(self, doc: Any) -> tuple[tuple[Part, ...], Any]:
        """The one value of a path without ``[*]`` and its location."""
        assert not self.wildcards, "get() is for single-valued paths"
        return self.find(doc)[0]

    def set(self, doc: dict[str, Any], value: Any) -> None:
        """Write ``value`` at this (single-valued) path, creating missing objects on the way."""
        assert not self.wildcards and self.steps, "set() needs a single-valued, non-root path"
        target: Any = doc
        for step, nxt in zip(self.steps, (*self.steps[1:], None), strict=True):
            key: Any = step
            if nxt is None:
                target[key] = value
                return
            if isinstance(target, dict) and key not in target:
                target[key] = [] if isinstance(nxt, int) else {}
            target = target[key]


def _shape(where: tuple[Part, ...], problem: str) -> ShapeError:
    at = format_path(where)
    return ShapeError(f"{at} {problem}", field=at)
