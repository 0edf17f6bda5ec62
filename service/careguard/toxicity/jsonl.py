"""JSON Lines input of ``careguard toxicity``: ``{"id", "text"}`` per line, checked up front."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from careguard.errors import ShapeError
from careguard.jsonl import json_objects

__all__ = ["TextRecord", "parse_records"]


@dataclass(frozen=True, slots=True)
class TextRecord:
    id: Any  # echoed as given: a string or number, or None when absent
    text: str


def parse_records(lines: Iterable[str]) -> list[TextRecord]:
    """Parse and validate every line (blank lines skipped); errors name the line, not the text."""
    records: list[TextRecord] = []
    for n, obj in json_objects(lines):
        if "text" not in obj:
            raise ShapeError(f"line {n}: missing 'text'", field="$.text")
        if not isinstance(obj["text"], str):
            raise ShapeError(f"line {n}: 'text' must be a string", field="$.text")
        rid = obj.get("id")
        if rid is not None and (isinstance(rid, bool) or not isinstance(rid, str | int | float)):
            raise ShapeError(f"line {n}: 'id' must be a string or a number", field="$.id")
        records.append(TextRecord(rid, obj["text"]))
    return records
