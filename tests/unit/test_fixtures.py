"""The copies in tests/fixtures stay equal to their ``../shared`` originals (when present)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import CRISIS_LINES, SEED, SHARED


@pytest.mark.parametrize(("copy", "original"), [
    (SEED, Path("examples/seed-conversation.json")),
    (CRISIS_LINES, Path("resources/crisis-lines.yaml")),
])  # fmt: skip
def test_fixture_equals_its_shared_original(copy: Path, original: Path) -> None:
    """A fixture copied from ../shared is byte-identical to the original."""
    source = SHARED / original
    if not source.exists():
        pytest.skip(f"../shared/{original} is not present (a clone without ../shared)")
    assert copy.read_bytes() == source.read_bytes()
