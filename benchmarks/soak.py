"""Soak test (``make soak``): ``careguard serve --workers 2`` under mixed traffic for a while.

Starts careguard as its own process on 127.0.0.1 with the built-in ``echo`` upstream (no LLM;
the reply is what the LLM would have received) and the default policy, then sends concurrent
mixed traffic for ``SOAK_SECONDS`` (default 600) from ``SOAK_CONCURRENCY`` (default 8) clients:

- ``plain``: an OpenAI turn with a new everyday sentence;
- ``pii``: an OpenAI turn naming a person, an email address and a phone number;
- ``crisis``: an Anthropic turn in crisis (US), whose reply must carry the 988 line;
- ``stream``: a streamed OpenAI turn, read to ``[DONE]``.

Every turn is new text (no cache hits for the new turn). An error is any status but 200, a
transport failure, a stream without ``[DONE]``, or a crisis reply without 988. It prints
throughput, latency percentiles per kind, the error count, and each worker's resident memory
(RSS, from /proc) after warm-up, at the end, and its growth, sampled every 10 s.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PORT = 18731
SAMPLE_EVERY = 10.0
WARM_UP_S = 20.0
PLAIN = ["I had a long day at work and feel tired.", "My sister called and we talked a lot.",
         "I keep putting off my tax forms.", "I went for a walk and it helped a bit."]
NAMES = ["Maria Lopez", "James Whitfield", "Aisha Rahman", "Tom Becker"]
CRISIS = ["I can't go on anymore. I have decided to kill myself tonight.",
          "I have the pills ready and I am going to end my life tonight."]  # fmt: skip


def _body(kind: str, i: int) -> tuple[str, dict[str, Any]]:
    tag = f" (message {i})"
    if kind == "crisis":
        return "/v1/messages", {"model": "m", "max_tokens": 200, "messages": [
            {"role": "user", "content": CRISIS[i % len(CRISIS)] + tag}]}  # fmt: skip
    if kind == "pii":
        name = NAMES[i % len(NAMES)]
        text = (f"Hi, I'm {name}. Email me at {name.split()[0].lower()}{i}@example.org or "
                f"call (415) 555-{i % 10000:04d}.{tag}")  # fmt: skip
    else:
        text = PLAIN[i % len(PLAIN)] + tag
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": text}]}
    if kind == "stream":
        body["stream"] = True
    return "/v1/chat/completions", body


async def _one(client: httpx.AsyncClient, kind: str, i: int) -> tuple[float, str | None]:
    """(seconds, error or None) for one request."""
    path, body = _body(kind, i)
    headers = {"x-careguard-country": "US"}
    start = time.perf_counter()
    try:
        if kind == "stream":
            async with client.stream("POST", path, json=body, headers=headers) as resp:
                text = "".join([c async for c in resp.aiter_text()])
            ok = resp.status_code == 200 and "data: [DONE]" in text
            err = None if ok else f"stream {resp.status_code}"
        else:
            resp = await client.post(path, json=body, headers=headers)
            err = None if resp.status_code == 200 else f"{kind} {resp.status_code}"
            if err is None and kind == "crisis" and "988" not in resp.text:
                err = "crisis without 988"
    except httpx.HTTPError as exc:
        err = f"{kind} {exc.__class__.__name__}"
    return time.perf_counter() - start, err


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(c) for c in text]
    return out


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _workers(parent: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing children of the supervisor)."""
    return [p for p in _children(parent)
            if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]


async def _drive(seconds: float, concurrency: int, parent: int) -> dict[str, Any]:
    kinds = ["plain", "pii", "crisis", "stream"]
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    counter = iter(range(10**9))
    stop_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    samples: list[tuple[float, dict[int, float]]] = []
    workers = _workers(parent)

    async def client_loop(n: int) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=60,
                                     limits=limits) as client:  # fmt: skip
            while time.monotonic() < stop_at:
                i = next(counter)
                kind = kinds[(i + n) % len(kinds)]
                took, err = await _one(client, kind, i)
                lat[kind].append(took)
                if err:
                    errors[err] += 1

    async def sampler() -> None:
        start = time.monotonic()
        while time.monotonic() < stop_at:
            samples.append((time.monotonic() - start, {p: _rss_mb(p) for p in workers}))
            await asyncio.sleep(SAMPLE_EVERY)
        samples.append((time.monotonic() - start, {p: _rss_mb(p) for p in workers}))

    started = time.monotonic()
    await asyncio.gather(sampler(), *(client_loop(n) for n in range(concurrency)))
    return {"lat": lat, "errors": errors, "samples": samples, "elapsed": time.monotonic() - started,
            "workers": workers}  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def _report(r: dict[str, Any], seconds: float, concurrency: int) -> None:
    all_lat = [x for v in r["lat"].values() for x in v]
    total = len(all_lat)
    print(f"soak: careguard serve --workers 2 --upstream echo, {concurrency} clients, "
          f"{r['elapsed']:.0f} s (asked {seconds:.0f} s)")
    print(f"requests {total}, throughput {total / r['elapsed']:.1f} req/s, "
          f"errors {sum(r['errors'].values())}")
    for err, n in sorted(r["errors"].items()):
        print(f"  error {err}: {n}")
    print(f"{'kind':<8}{'n':>7}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, v in [*sorted(r["lat"].items()), ("all", all_lat)]:
        print(f"{kind:<8}{len(v):>7}{_pct(v, 50):>10.0f}{_pct(v, 90):>10.0f}"
              f"{_pct(v, 99):>10.0f}{max(v) * 1000:>10.0f}")
    samples = r["samples"]
    base = next((s for s in samples if s[0] >= WARM_UP_S), samples[0])
    last = samples[-1]
    half = next((s for s in samples if s[0] >= max(base[0], last[0] / 2)), last)
    for pid in r["workers"]:
        print(f"worker {pid}: RSS {base[1][pid]:.0f} MB at {base[0]:.0f} s, "
              f"{half[1][pid]:.0f} MB at {half[0]:.0f} s, {last[1][pid]:.0f} MB at "
              f"{last[0]:.0f} s; growth {last[1][pid] - base[1][pid]:+.0f} MB "
              f"(second half {last[1][pid] - half[1][pid]:+.0f} MB), "
              f"max {max(s[1][pid] for s in samples):.0f} MB")


def main() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    concurrency = int(os.environ.get("SOAK_CONCURRENCY", "8"))
    log = ROOT / ".cache" / "soak-serve.log"
    log.parent.mkdir(exist_ok=True)
    argv = [sys.executable, "-m", "careguard.cli", "serve", "--workers", "2", "--port",
            str(PORT), "--upstream", "echo", "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 300
            ready = 0
            while ready < 10:  # several answers in a row: both workers have loaded
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"careguard did not become ready; see {log}")
                try:
                    ok = httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=5)
                    ready = ready + 1 if ok.status_code == 200 else 0
                except httpx.HTTPError:
                    ready = 0
                time.sleep(0.5)
            result = asyncio.run(_drive(seconds, concurrency, proc.pid))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    _report(result, seconds, concurrency)
    print(f"server log: {log} ({sum(1 for _ in log.open('rb'))} lines, "
          f"{log.read_bytes().count(b'unexpected error')} 'unexpected error')")


if __name__ == "__main__":
    main()
