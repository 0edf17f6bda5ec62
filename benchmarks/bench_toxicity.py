"""Toxicity stage: scoring latency of the compact model and what torch costs a worker.

Each start-up figure is measured in a fresh subprocess (wall time and peak RSS), so earlier
imports in this process do not hide anything. Scoring latency is the median/p95 of scoring one
1–3 sentence message at a time with the compact model through detoxify.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

_MESSAGES = [
    "Thanks, that actually helps a lot.",
    "I've had a rough week at work. My manager keeps piling things on me.",
    "You are a useless idiot and everyone hates you.",
    "I hate myself. I keep ruining everything. Nobody would even notice.",
    "Can you suggest something small I could do tonight to relax? I can't sleep. "
    "My head keeps spinning.",
    "Shut up, nobody asked for your stupid opinion.",
]

_PROBES = {
    "python + careguard.toxicity (no torch)": "import careguard.toxicity",
    "import torch": "import torch",
    "import torch + transformers + detoxify": "import torch, transformers, detoxify",
    "build compact scorer (load checkpoint)": (
        "from careguard.policy import load_policy\n"
        "import msgspec\n"
        "from careguard.toxicity import build_toxicity\n"
        "lp = load_policy()\n"
        "on = msgspec.structs.replace(lp.policy.toxicity, enabled=True)\n"
        "lp = msgspec.structs.replace(lp, policy=msgspec.structs.replace(lp.policy, toxicity=on))\n"
        "s = build_toxicity(lp)\n"
        "s.score(['warm up'])\n"
    ),
}


def _probe(code: str) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of running ``code`` in a fresh interpreter."""
    wrapper = (
        "import time, json\n"
        "t = time.perf_counter()\n"
        f"exec({code!r})\n"
        # VmHWM belongs to this process's own address space; ru_maxrss would carry over the
        # parent's peak across fork+exec (every row read the benchmark runner's 826 MiB).
        "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(json.dumps([time.perf_counter() - t, int(hwm.split()[1]) / 1024]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, check=True
    ).stdout
    seconds, rss = json.loads(out.strip().splitlines()[-1])
    return float(seconds), float(rss)


def _latency(threads: int | None, repeats: int = 30) -> tuple[float, float]:
    import msgspec
    import torch

    from careguard.policy import load_policy
    from careguard.toxicity import build_toxicity

    if threads is not None:
        torch.set_num_threads(threads)
    lp = load_policy()
    on = msgspec.structs.replace(lp.policy.toxicity, enabled=True)
    lp = msgspec.structs.replace(lp, policy=msgspec.structs.replace(lp.policy, toxicity=on))
    scorer = build_toxicity(lp)
    assert scorer is not None
    for m in _MESSAGES:
        scorer.score([m])
    times: list[float] = []
    for _ in range(repeats):
        for m in _MESSAGES:
            t = time.perf_counter()
            scorer.score([m])
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as models:
        os.environ.setdefault("CAREGUARD_MODELS_DIR", models)
        print(f"cpu cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
        for name, code in _PROBES.items():
            _probe(code)  # first run assembles the compact checkpoint / warms the page cache
            runs = [_probe(code) for _ in range(3)]
            seconds = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs)
            print(f"{name}: {seconds * 1000:.0f} ms, peak RSS {rss:.0f} MiB")
        for threads in (None, 1):
            med, p95 = _latency(threads)
            label = "torch default threads" if threads is None else f"{threads} thread"
            print(
                f"score one 1-3 sentence message ({label}): "
                f"median {med:.1f} ms, p95 {p95:.1f} ms"
            )


if __name__ == "__main__":
    main()
