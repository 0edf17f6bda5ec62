"""Added latency of the careguard proxy (``make bench``).

Three servers, each its own process on 127.0.0.1, measured in the same run:

- ``upstream``: a scripted LLM API that answers at once (the baseline);
- ``bare``: the same careguard server stack (uvicorn + litestar + httpx + SSE relay) with every
  stage off — the cost of being a proxy at all;
- ``careguard``: ``careguard serve`` with the default policy and the real models.

A 20-turn conversation is sent with a *new* 1–3 sentence user turn on every request (so the
new turn is never a cache hit), at concurrency 1 and 16; then turn 1 against turn 50, and the
time to first byte of a streamed reply. Medians and p99s in milliseconds, and the ratios.
Run alone: ``python -m benchmarks bench_proxy``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "examples" / "seed-conversation.json"
N_SERIAL = 150
N_CONCURRENT = 320
N_TURNS = 100
N_TTFB = 100

NEW_TURNS = [
    "I had a long day at work and I'm tired. Can you suggest something to help me unwind?",
    "My sister called today. We talked about the holidays and it went well.",
    "I keep putting off my tax forms. How do I get started?",
    "Work was stressful again. My manager changed the deadline twice.",
    "I went for a walk this morning. It helped a little.",
    "What are some good books for a rainy weekend? I like mysteries.",
    "I'm not sleeping well lately. I wake up at four and can't get back to sleep.",
    "Can you help me plan a simple dinner for two? Nothing too fancy.",
]


def _turn(i: int) -> str:
    """A new 1–3 sentence turn, unique per request (no cache hit for the new turn)."""
    return f"{NEW_TURNS[i % len(NEW_TURNS)]} (message {i})"


def conversation(turns: int, i: int) -> list[dict[str, str]]:
    """``turns`` user turns: the reference conversation's history, cycled, then a new turn."""
    seed = json.loads(SEED.read_text())["messages"]
    history: list[dict[str, str]] = []
    for m in itertools.islice(itertools.cycle(seed), 2 * (turns - 1)):
        history.append({"role": m["role"], "content": m["content"]})
    return [{"role": "system", "content": "You are a kind companion."}, *history,
            {"role": "user", "content": _turn(i)}]


# ---------------------------------------------------------------- servers (subprocesses)


def _serve(kind: str, port: int, upstream: str) -> None:
    import uvicorn
    from tests.integration.harness import ScriptedUpstream

    if kind == "upstream":
        uvicorn.run(ScriptedUpstream(), host="127.0.0.1", port=port, log_level="warning")
        return
    from careguard.interventions import Interventions
    from careguard.pipeline import Stages
    from careguard.policy import LoadedPolicy, load_policy
    from careguard.proxy.app import create_app
    from careguard.settings import ServeSettings

    base = load_policy()
    pol = base.policy
    import msgspec

    policy = msgspec.structs.replace(
        pol,
        pii=msgspec.structs.replace(pol.pii, enabled=False),
        distress=msgspec.structs.replace(pol.distress, enabled=False),
        reply_checks=msgspec.structs.replace(pol.reply_checks, safe_messaging=False,
                                             ensure_resources=False),
    )
    loaded = LoadedPolicy(policy, base.source)

    def no_stages(lp: LoadedPolicy) -> Stages:
        ints = Interventions.from_policy(lp)
        return Stages(lp, assessor=None, redactor=None, directory=ints.directory,
                      interventions=ints)

    app = create_app(ServeSettings(upstream=upstream), loaded=loaded, stages_factory=no_stages)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class _Proc:
    def __init__(self, argv: list[str], port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        extra = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{extra}" if extra else str(ROOT)}
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def wait(self, path: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server on port {self.port} exited")
            try:
                if httpx.get(self.url + path, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server on port {self.port} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _servers() -> Iterator[dict[str, _Proc]]:
    from tests.integration.harness import free_port

    py = sys.executable
    up_port, bare_port, cg_port = free_port(), free_port(), free_port()
    me = "benchmarks.bench_proxy"
    up = _Proc([py, "-m", me, "--serve", "upstream", str(up_port), ""], up_port)
    up.wait("/v1/models")
    up_url = up.url
    bare = _Proc([py, "-m", me, "--serve", "bare", str(bare_port), up_url], bare_port)
    cg = _Proc([py, "-m", "careguard.cli", "serve", "--port", str(cg_port), "--upstream",
                up_url, "--log-level", "warning"], cg_port)
    try:
        bare.wait("/readyz")
        cg.wait("/healthz")
        deadline = time.monotonic() + 300
        while httpx.get(cg.url + "/readyz", timeout=5).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("careguard did not become ready")
            time.sleep(0.2)
        yield {"upstream": up, "bare": bare, "careguard": cg}
    finally:
        for p in (cg, bare, up):
            p.stop()


# ---------------------------------------------------------------- measurement


async def _timed(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> float:
    start = time.perf_counter()
    resp = await client.post(url + "/v1/chat/completions", json=body)
    resp.raise_for_status()
    return (time.perf_counter() - start) * 1000


async def _ttfb(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> float:
    start = time.perf_counter()
    first = 0.0
    async with client.stream("POST", url + "/v1/chat/completions", json=body) as resp:
        async for chunk in resp.aiter_raw():
            if chunk and not first:
                first = (time.perf_counter() - start) * 1000
    return first


async def _run(url: str, bodies: list[dict[str, Any]], concurrency: int,
               ttfb: bool = False) -> list[float]:
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for b in bodies[:5]:  # warm the connection pool and caches
            await (_ttfb if ttfb else _timed)(client, url, b)

        async def one(b: dict[str, Any]) -> float:
            async with sem:
                return await (_ttfb if ttfb else _timed)(client, url, b)

        return list(await asyncio.gather(*(one(b) for b in bodies[5:])))


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(
        values)


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), _p(values, 99)


def main() -> None:
    if not SEED.exists():
        print(f"skipped: {SEED} not found")
        return
    offset = int(time.time())  # new turns differ from any earlier run's (no warm caches)
    rows: list[tuple[str, str, dict[str, tuple[float, float]]]] = []

    def bodies(n: int, turns: int, *, stream: bool = False) -> list[dict[str, Any]]:
        return [{"model": "m", "stream": stream, "messages": conversation(turns, offset + i)}
                for i in range(n)]

    for servers in _servers():
        cases = [
            ("20 turns, c=1", lambda: bodies(N_SERIAL, 20), 1, False),
            ("20 turns, c=16", lambda: bodies(N_CONCURRENT, 20), 16, False),
            ("turn 1, c=1", lambda: bodies(N_TURNS, 1), 1, False),
            ("turn 50, c=1", lambda: bodies(N_TURNS, 50), 1, False),
            ("TTFB stream, c=1", lambda: bodies(N_TTFB, 20, stream=True), 1, True),
        ]
        for name, make, conc, ttfb in cases:
            row: dict[str, tuple[float, float]] = {}
            for target in ("upstream", "bare", "careguard"):
                offset += 10_000
                lat = asyncio.run(_run(servers[target].url, make(), conc, ttfb))
                row[target] = _stats(lat)
            rows.append((name, "ms", row))
    _print(rows)


def _print(rows: list[tuple[str, str, dict[str, tuple[float, float]]]]) -> None:
    head = (f"{'case':<18} {'upstream p50/p99':>17} {'bare p50/p99':>15} "
            f"{'careguard p50/p99':>18} {'added vs up p50/p99':>20} {'vs bare p50':>12}")
    print(head)
    print("-" * len(head))
    added: dict[str, float] = {}
    for name, _, r in rows:
        (u50, u99), (b50, b99), (c50, c99) = r["upstream"], r["bare"], r["careguard"]
        added[name] = c50 - u50
        print(f"{name:<18} {u50:>8.1f}/{u99:<8.1f} {b50:>7.1f}/{b99:<7.1f} "
              f"{c50:>9.1f}/{c99:<8.1f} {c50 - u50:>10.1f}/{c99 - u99:<9.1f} "
              f"{c50 - b50:>12.1f}")
    t1, t50 = added.get("turn 1, c=1"), added.get("turn 50, c=1")
    if t1 and t50:
        print(f"\nadded latency turn 50 / turn 1 (median): {t50 / t1:.2f}x (target <= 1.5x)")
    print("targets at c=1: added median <= 20 ms, p99 <= 60 ms; added TTFB <= 25 ms")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        _serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
