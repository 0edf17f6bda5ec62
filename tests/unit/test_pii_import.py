"""Importing careguard.pii is cheap: no spaCy, no presidio until a redactor is built."""

from __future__ import annotations

import subprocess
import sys


def test_import_loads_no_model_libraries() -> None:
    """A fresh interpreter importing careguard.pii has not imported spaCy or presidio."""
    code = (
        "import sys, careguard.pii; "
        "print(any(m in sys.modules for m in ('spacy', 'presidio_analyzer', 'torch')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
