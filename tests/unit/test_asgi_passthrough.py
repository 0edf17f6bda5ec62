"""The middleware's module imports no web framework, and leaves other traffic alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from careguard.asgi import CareGuardMiddleware, Route
from careguard.pipeline import Pipeline, Stages
from careguard.policy import load_policy

ASGI_DIR = Path(__file__).resolve().parents[2] / "service" / "careguard" / "asgi"


@pytest.mark.parametrize("module", sorted(p.name for p in ASGI_DIR.glob("*.py")))
def test_module_imports_no_web_framework(module: str) -> None:
    """No asgi module imports litestar, starlette or fastapi (nor BaseHTTPMiddleware)."""
    tree = ast.parse((ASGI_DIR / module).read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.split(".")[0] in ("litestar", "starlette", "fastapi")]
    assert "BaseHTTPMiddleware" not in (ASGI_DIR / module).read_text()


def test_importing_the_middleware_loads_no_web_framework() -> None:
    """``from careguard import CareGuardMiddleware`` in a fresh interpreter pulls in none."""
    code = ("import sys; from careguard import CareGuardMiddleware; "
            "print(sorted(m for m in ('litestar', 'starlette', 'fastapi') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


class Recorder:
    """An ASGI app that records the exact objects it was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, Any, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls.append((scope, receive, send))


def _middleware(app: Recorder) -> CareGuardMiddleware:
    # No model is needed on these paths: the stages are never reached.
    stages = Stages(load_policy(), assessor=None, redactor=None, directory=None,
                    interventions=None)  # fmt: skip
    route = Route("/chat", message="$.message", reply="$.reply")
    return CareGuardMiddleware(app, pipeline=Pipeline(stages), routes=[route], warm_up=False)


async def _receive() -> dict[str, Any]:
    return {"type": "websocket.connect"}


async def _send(message: Any) -> None:
    return None


@pytest.mark.parametrize("scope", [
    {"type": "websocket", "path": "/chat", "headers": []},
    {"type": "lifespan"},
    {"type": "http", "method": "GET", "path": "/chat", "headers": []},
    {"type": "http", "method": "POST", "path": "/other", "headers": []},
])  # fmt: skip
def test_other_traffic_reaches_the_app_untouched(scope: dict[str, Any]) -> None:
    """Websockets, lifespan and other methods/paths pass with the very same objects."""
    app = Recorder()
    anyio.run(_middleware(app), scope, _receive, _send)
    assert app.calls == [(scope, _receive, _send)]
    assert app.calls[0][0] is scope


def test_middleware_needs_a_guard() -> None:
    """Constructing it without a guard or pipeline is a clear error."""
    with pytest.raises(TypeError, match="guard"):
        CareGuardMiddleware(Recorder())
