"""A built wheel (not the editable checkout) ships the default policy and its data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import careguard, sys
from careguard.policy import load_policy
from careguard.interventions import Interventions
assert careguard.__file__.startswith(sys.argv[1]), careguard.__file__
loaded = load_policy()
ints = Interventions.from_policy(loaded)
print(loaded.policy.name, len(ints.directory.protected_strings()) > 0)
"""


@pytest.mark.slow
def test_installed_wheel_loads_default_policy_and_resources(tmp_path: Path) -> None:
    """Guard's default policy, resources and guidelines load from an installed wheel."""
    src = tmp_path / "src"  # a clean copy: no stale build/ directory can hide a missing file
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "policies", src / "policies")
    shutil.copytree(
        REPO / "service",
        src / "service",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(REPO),
        ],
        cwd=src,
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("careguard-*.whl"))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(target)],
        cwd=elsewhere,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        check=False,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["default", "True"]
