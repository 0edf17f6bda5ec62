"""``careguard serve``'s observability environment for its workers (audit path and key,
prometheus-client multiprocess directory)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from careguard.commands.serve import _observability_env

ENV = ("CAREGUARD_AUDIT_PATH", "CAREGUARD_AUDIT_KEY", "PROMETHEUS_MULTIPROC_DIR")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset the variables now and restore them after the test, whatever it set."""
    for name in ENV:
        monkeypatch.setenv(name, "placeholder")  # records the original value for the undo
        monkeypatch.delenv(name)


def test_several_workers_share_one_audit_key_and_a_fresh_metrics_dir(tmp_path: Path) -> None:
    """With workers > 1 an audit key is drawn once and the metrics directory is emptied."""
    stale = tmp_path / "counter_123.db"
    stale.write_bytes(b"x")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)
    _observability_env(argparse.Namespace(audit_path=None), workers=2)
    assert len(os.environ["CAREGUARD_AUDIT_KEY"]) == 64
    assert not stale.exists()


def test_one_worker_leaves_multiprocess_mode_off() -> None:
    """A single worker without PROMETHEUS_MULTIPROC_DIR keeps the in-process registry."""
    _observability_env(argparse.Namespace(audit_path=None), workers=1)
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_audit_path_flag_reaches_the_workers(tmp_path: Path) -> None:
    """--audit-path is exported as CAREGUARD_AUDIT_PATH for the workers."""
    _observability_env(argparse.Namespace(audit_path=str(tmp_path / "a.jsonl")), workers=1)
    assert os.environ["CAREGUARD_AUDIT_PATH"] == str(tmp_path / "a.jsonl")
