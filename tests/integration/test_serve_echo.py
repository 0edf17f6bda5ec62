"""``careguard serve`` as a real process with the built-in echo upstream (as ``make run``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures import SEED
from tests.integration.harness import free_port, reply_text

pytestmark = [pytest.mark.integration, pytest.mark.models, pytest.mark.slow]

CRISIS = "I can't go on anymore. I have decided to kill myself tonight."


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """``careguard serve --upstream echo`` on a free port; settings partly from env vars."""
    port = free_port()
    env = {**os.environ, "CAREGUARD_PORT": str(port), "CAREGUARD_UPSTREAM": "echo"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "careguard.cli", "serve", "--host", "127.0.0.1",
         "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, "careguard serve exited"
            assert time.monotonic() < deadline, "careguard serve did not become ready"
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_echo_shows_redaction_and_guidelines_for_the_reference_conversation(served: str) -> None:
    """The echo reply shows the injected guidelines, no hotline, and a redacted name."""
    messages = json.loads(SEED.read_text())["messages"]
    messages.append({"role": "user", "content": "Thanks. My name is Margaret Thornbury."})
    resp = httpx.post(served + "/v1/chat/completions", json={"model": "m", "messages": messages},
                      timeout=60)
    text = reply_text("openai", resp, stream=False)
    assert "careguard guidance: begin" in text
    assert "Margaret Thornbury" not in text
    assert "⟨PERSON_" in text
    assert "988" not in text


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_suicidal_intent_in_gb_gets_samaritans(served: str, api: str) -> None:
    """A clear suicidal-intent message with x-careguard-country: GB reaches Samaritans 116 123."""
    path = "/v1/messages" if api == "anthropic" else "/v1/chat/completions"
    body = {"model": "m", "max_tokens": 50, "stream": True,
            "messages": [{"role": "user", "content": CRISIS}]}
    resp = httpx.post(served + path, json=body, headers={"x-careguard-country": "GB"},
                      timeout=60)
    assert resp.headers["x-careguard-level"] in ("high", "imminent")
    text = reply_text(api, resp, stream=True)
    assert "Samaritans" in text and "116 123" in text


def test_bad_flag_value_is_a_one_line_error() -> None:
    """A bad --upstream gives a one-line error and a non-zero exit, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "careguard.cli", "serve", "--upstream", "ftp://x"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def readme_curl_block() -> str:
    """The README quick start's curl examples (the sh block after 'With `make run` going')."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    after = text.split("With `make run` going", 1)[1]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def test_readme_quick_start_curls_work(served: str) -> None:
    """The README's curl examples, run as written against the served port, show a
    pseudonymised name and get Samaritans 116 123 to the user."""
    script = readme_curl_block().replace("http://127.0.0.1:8080", served)
    assert served in script
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "⟨PERSON_" in proc.stdout and "Margaret Thornbury" not in proc.stdout
    assert "116 123" in proc.stdout


def test_the_echo_shows_the_guidelines_unchecked(served: str) -> None:
    """The echo's "reply" is the prompt shown back (careguard's own guideline text), not an
    LLM's answer: it is not run through the reply-safety checks, and the header says so."""
    body = {"model": "m", "messages": [{"role": "user", "content": "I just feel so down today."}]}
    resp = httpx.post(served + "/v1/chat/completions", json=body, timeout=60)
    assert resp.headers["x-careguard-reply-checked"] == "false"
    text = reply_text("openai", resp, stream=False)
    assert "Let them know they can keep talking to you." in text
    assert "Please don't carry this alone" not in text
