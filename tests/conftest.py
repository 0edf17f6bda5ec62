"""Fixtures shared by every test directory."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from careguard.logs import configure_logging


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """Every log record, through careguard's JSON handler, at DEBUG, into a buffer.

    Restores the root logger afterwards, and resets uvicorn's access logger first: a server
    started by an earlier test configures it (no propagation, sometimes disabled).
    """
    root = logging.getLogger()
    access = logging.getLogger("uvicorn.access")
    saved = root.handlers[:], root.level
    saved_access = access.handlers[:], access.level, access.propagate, access.disabled
    access.handlers, access.level = [], logging.NOTSET
    access.propagate, access.disabled = True, False
    out = io.StringIO()
    configure_logging("DEBUG", out)
    yield out
    root.handlers, root.level = saved[0], saved[1]
    access.handlers, access.level, access.propagate, access.disabled = saved_access
