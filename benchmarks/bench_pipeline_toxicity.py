"""What the toxicity stage adds to a turn in the pipeline (policies/toxicity.yaml vs without).

Same real stages (presidio + spaCy, distress model) with and without the compact toxicity
scorer. Request side: ``Pipeline.prepare`` on a new one-sentence user turn (a fresh text each
time, so no cache hides the work). Reply side: ``finish_json`` on a three-sentence kind reply
at level ``moderate`` (its sentences scored in one batch). Medians and p95 in ms.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Any

import anyio

from careguard.adapters import parse_request
from careguard.pipeline import Pipeline, TurnContext, build_stages
from careguard.pipeline_toxicity import ToxicityStage
from careguard.policy import load_policy, policies_dir

_RUNS = 40
_USER = "I've been feeling really low and alone lately, day {n} of this."
_REPLY = ("That sounds really hard, and I'm glad you told me. Feeling alone for so long wears "
          "anyone down. Would you like to tell me what the days have been like?")


def _stats(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    return f"median {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms"


def _turn(pipeline: Pipeline, n: int) -> Any:
    body = {"model": "m", "messages": [{"role": "user", "content": _USER.format(n=n)}]}
    return anyio.run(pipeline.prepare, parse_request("openai", body), TurnContext("b", "US"))


def _measure(pipeline: Pipeline, offset: int) -> tuple[list[float], list[float]]:
    prep: list[float] = []
    reply: list[float] = []
    for i in range(_RUNS):
        t = time.perf_counter()
        turn = _turn(pipeline, offset + i)
        prep.append(time.perf_counter() - t)
        whole = {"choices": [{"index": 0, "message": {"role": "assistant", "content": _REPLY}}]}
        t = time.perf_counter()
        pipeline.reply(turn).finish_json("openai", whole)
        reply.append(time.perf_counter() - t)
    return prep, reply


def main() -> None:
    loaded = load_policy(policies_dir() / "toxicity.yaml")
    base = build_stages(load_policy())
    tox = ToxicityStage.build(loaded)
    assert tox is not None and tox.scorer is not None, tox
    without = Pipeline(dataclasses.replace(base, loaded=loaded, toxicity=None))
    with_tox = Pipeline(dataclasses.replace(base, loaded=loaded, toxicity=tox))
    for p in (without, with_tox):  # warm every model
        _measure(p, 10_000)
    level = _turn(with_tox, 0).level.value
    prep0, reply0 = _measure(without, 0)
    prep1, reply1 = _measure(with_tox, 1000)
    print(f"turn level: {level}; {_RUNS} turns each")
    print(f"prepare, toxicity off:      {_stats(prep0)}")
    print(f"prepare, toxicity on:       {_stats(prep1)}")
    print(f"finish_json, toxicity off:  {_stats(reply0)}")
    print(f"finish_json, toxicity on:   {_stats(reply1)} (3 sentences, one batch)")


if __name__ == "__main__":
    main()
