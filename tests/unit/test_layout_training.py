"""The runtime package never imports the research package (training, datasets, evaluation)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "service" / "careguard"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_runtime_module_imports_careguard_training() -> None:
    offenders = sorted(
        str(p.relative_to(REPO)) for p in RUNTIME.rglob("*.py")
        if any(n == "careguard_training" or n.startswith("careguard_training.")
               for n in _imports(p))
    )
    assert offenders == []


def test_importing_careguard_and_its_stages_loads_no_training_module() -> None:
    code = ("import sys, careguard, careguard.output_checks, careguard.replies, "
            "careguard.distress, careguard.cli; "
            "print(sorted(m for m in sys.modules if m.startswith('careguard_training')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_the_wheel_leaves_the_research_package_out() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'include = ["careguard", "careguard.*"]' in pyproject
