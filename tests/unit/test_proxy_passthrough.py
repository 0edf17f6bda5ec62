"""redact_json_strings: every string leaf through the redactor, structure kept."""

from __future__ import annotations

from careguard.proxy.passthrough import redact_json_strings


def _upper(text: str) -> tuple[str, int]:
    return text.upper(), 1


def test_every_string_leaf_is_redacted_and_counted() -> None:
    """Strings in lists and nested objects are all passed through, counts summed."""
    doc = {"a": "x", "b": ["y", {"c": "z"}], "n": 3, "t": True, "none": None}
    out, count = redact_json_strings(doc, _upper)
    assert out == {"a": "X", "b": ["Y", {"c": "Z"}], "n": 3, "t": True, "none": None}
    assert count == 3


def test_keys_are_not_redacted() -> None:
    """Object keys stay exactly as sent."""
    out, _ = redact_json_strings({"key": "v"}, _upper)
    assert list(out) == ["key"]
