"""The ``careguard`` command line as a whole: version, help text on every flag."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import pytest

import careguard
from careguard.cli import build_parser


def _parsers(parser: argparse.ArgumentParser, name: str = "careguard") -> Iterator[
        tuple[str, argparse.ArgumentParser]]:  # fmt: skip
    yield name, parser
    for action in parser._actions:  # private: argparse has no public walk of subparsers
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def _flags() -> list[tuple[str, argparse.Action]]:
    return [(f"{name} {'/'.join(a.option_strings) or a.dest}", a)
            for name, p in _parsers(build_parser()) for a in p._actions
            if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)]  # fmt: skip


@pytest.mark.parametrize(("where", "action"), _flags(), ids=[w for w, _ in _flags()])
def test_every_argument_has_help_text(where: str, action: argparse.Action) -> None:
    """Each flag and positional argument of every command says what it does."""
    assert action.help and action.help.strip(), f"{where} has no help text"


def test_every_command_has_help_text() -> None:
    """Each subcommand has a one-line summary in ``careguard --help``."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {c.dest: c.help for c in sub._choices_actions}
    assert set(summaries) == set(sub.choices)
    assert all(h and h.strip() for h in summaries.values()), summaries


def test_version_prints_the_package_version() -> None:
    """``careguard --version`` prints the version and exits 0."""
    r = subprocess.run([sys.executable, "-m", "careguard.cli", "--version"],
                       capture_output=True, text=True, check=False)  # fmt: skip
    assert r.returncode == 0 and r.stdout.strip() == f"careguard {careguard.__version__}"
