"""Fixtures for the proxy integration tests: real servers on 127.0.0.1, real models.

The stages (presidio + spaCy, the distress model, interventions, reply checks) are built once
per session and shared by every careguard app started here; each app is a real uvicorn server
in a thread, in front of a :class:`ScriptedUpstream` (a real HTTP server on loopback).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import msgspec
import pytest

from careguard.pipeline import Stages, build_stages
from careguard.policy import LoadedPolicy, load_policy
from careguard.proxy.app import create_app
from careguard.settings import ServeSettings
from tests.integration.harness import Script, ScriptedUpstream, ServerThread

StartProxy = Callable[..., ServerThread]


@pytest.fixture(scope="session")
def stages() -> Stages:
    """The real stages for the default policy, built once."""
    return build_stages(load_policy())


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[tuple[ScriptedUpstream, ServerThread]]:
    up = ScriptedUpstream()
    with ServerThread(up) as server:
        yield up, server


@pytest.fixture
def upstream(upstream_server: tuple[ScriptedUpstream, ServerThread]) -> ScriptedUpstream:
    """The scripted upstream, reset for this test."""
    up = upstream_server[0]
    up.script = Script()
    up.received.clear()
    up.disconnected.clear()
    up.sent_after_disconnect = 0
    return up


def wait_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            resp = httpx.get(f"{url}/readyz", timeout=2)
        except httpx.HTTPError:
            time.sleep(0.05)
            continue
        if resp.status_code == 200:
            return
        if resp.json().get("status") == "failed":
            raise RuntimeError("careguard failed to load its stages")
        time.sleep(0.05)
    raise RuntimeError("careguard did not become ready")


def policy_with(**sections: dict[str, Any]) -> LoadedPolicy:
    """The default policy with some fields of some sections replaced."""
    base = load_policy()
    changes = {
        name: msgspec.structs.replace(getattr(base.policy, name), **fields)
        for name, fields in sections.items()
    }
    return LoadedPolicy(msgspec.structs.replace(base.policy, **changes), base.source)


@pytest.fixture(scope="session")
def start_proxy(stages: Stages) -> Iterator[StartProxy]:
    """Start a careguard server (real uvicorn, real stages) in front of ``upstream_url``."""
    started: list[ServerThread] = []

    def start(upstream_url: str, *, loaded: LoadedPolicy | None = None,
              stages_override: Stages | None = None, key: str | None = None) -> ServerThread:
        base = stages_override or stages
        app = create_app(
            ServeSettings(upstream=upstream_url, upstream_key=key),
            loaded=loaded,
            stages_factory=lambda lp: dataclasses.replace(base, loaded=lp),
        )
        server = ServerThread(app).__enter__()
        started.append(server)
        wait_ready(server.url)
        return server

    yield start
    for s in started:
        s.__exit__(None, None, None)


@pytest.fixture(scope="session")
def proxy(
    start_proxy: StartProxy, upstream_server: tuple[ScriptedUpstream, ServerThread]
) -> ServerThread:
    """careguard with the default policy in front of the scripted upstream."""
    return start_proxy(upstream_server[1].url)
