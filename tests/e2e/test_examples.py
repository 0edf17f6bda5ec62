"""The runnable examples (FastAPI, Starlette, litestar) served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from careguard import Guard
from tests.integration.harness import ServerThread, wait_for

pytestmark = [pytest.mark.models, pytest.mark.integration]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAME = "Dana Whitfield"
CRISIS = "I can't go on anymore. I want to die and I have been thinking about how."


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # litestar resolves handler annotations through it
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def guard() -> Guard:
    """The shipped default policy with the real models, built once for all examples."""
    return Guard.from_policy()


@pytest.fixture(scope="module", params=["fastapi_app", "starlette_app", "litestar_app"])
def example(request: pytest.FixtureRequest, guard: Guard) -> Iterator[tuple[str, str]]:
    name: str = request.param
    app = load_example(name).create_app(guard)
    with ServerThread(app) as server:
        yield name, server.url


def test_json_turn_redacts_and_restores(example: tuple[str, str]) -> None:
    """The example's toy model sees a placeholder; the user gets their own name back."""
    _, url = example
    r = httpx.post(f"{url}/chat", json={"message": f"Hi, I am {NAME}. Work is getting to me.",
                                        "history": []}, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    reply = r.json()["reply"]
    assert f"You wrote: Hi, I am {NAME}." in reply
    assert int(r.headers["x-careguard-redactions"]) >= 1


def test_streamed_crisis_turn_gets_resources(example: tuple[str, str]) -> None:
    """A crisis turn on the streaming route ends with the crisis resources."""
    _, url = example
    with httpx.stream("POST", f"{url}/chat/stream", json={"message": CRISIS}, timeout=30) as r:
        chunks = list(r.iter_text())
    text = "".join(chunks)
    assert r.status_code == 200 and r.headers["x-careguard-level"] in ("high", "imminent")
    assert text.startswith("Thank you for telling me.")
    assert "988" in text.split("I'm here with you.", 1)[1]


def test_history_shape_error_is_a_clear_422(example: tuple[str, str]) -> None:
    """A history entry without content is refused by careguard, naming the field."""
    _, url = example
    r = httpx.post(f"{url}/chat", json={"message": "hi", "history": [{"role": "user"}]},
                   timeout=30)  # fmt: skip
    assert r.status_code == 422
    assert json.loads(r.content)["error"]["param"] == "$.history[0].content"


def test_litestar_plugin_serves_metrics(guard: Guard) -> None:
    """The litestar example's plugin exposes careguard's Prometheus metrics."""
    with ServerThread(load_example("litestar_app").create_app(guard)) as server:
        httpx.post(f"{server.url}/chat", json={"message": "Hello there"}, timeout=30)
        counted = 'careguard_requests_total{outcome="ok",route="/chat"} 1.0'
        # recorded when the app returns, which the client may see a moment later
        wait_for(lambda: counted in httpx.get(f"{server.url}/metrics", timeout=30).text, 10)
        text = httpx.get(f"{server.url}/metrics", timeout=30).text
    assert "careguard_assessments_total" in text
