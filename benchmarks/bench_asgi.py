"""What CareGuardMiddleware adds to a chat turn, against the same app without it (same run).

Two uvicorn servers on 127.0.0.1 in this process serve the same small chatbot app
(``{"message"}`` → ``{"reply"}``), one wrapped in the middleware with the real models under the
default policy. Each round sends a *new* 1–3 sentence turn (never seen before, so no cache
helps) to both, in alternating order, and times the whole HTTP exchange. Prints the median and
p90 per server and the median of the per-round differences — the target is <= 15 ms — for a
JSON reply and for a chunked-text streamed reply, and the median process CPU time added per
turn (what a busy, shared machine inflates least). The load average is printed with them.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from typing import Any

import anyio
import httpx

from careguard import CareGuardMiddleware, Guard
from careguard.asgi import Route

ROUNDS = 60
WARM = 10
TARGET_MS = 15.0

_OPENERS = ["Today was long.", "I had a rough week at work.", "My sister called me again.",
            "I keep thinking about the move.", "Work is piling up.", "I slept badly again."]
_MIDDLES = ["My manager {name} keeps changing the plan.", "I don't know who to talk to.",
            "It has been like this for {n} days.", "I feel tired and a bit lost.",
            "Nothing I try seems to help much.", "I wrote to {name} but heard nothing."]
_ENDS = ["Any ideas?", "What should I do?", "Maybe tomorrow is better.",
         "I just needed to say it.", "Can we talk about it?"]
_NAMES = ["Priya Raman", "Tom Becker", "Ana Souza", "Kenji Mori", "Lena Novak"]


def turns(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct messages of one to three sentences."""
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(n):
        parts = [rng.choice(_OPENERS), rng.choice(_MIDDLES), rng.choice(_ENDS)][: 1 + i % 3]
        text = " ".join(parts).format(name=rng.choice(_NAMES), n=i + 2)
        out.append(f"{text} (turn {i})")
    return out


async def chatbot(scope: Any, receive: Any, send: Any) -> None:
    """The app under test: echoes a short reply, as JSON or as three text chunks."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    text = json.loads(body)["message"]
    parts = ["Thanks for telling me. ", f"You said: {text} ", "I'm here."]
    if scope["path"] == "/chat":
        out = json.dumps({"reply": "".join(parts)}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": out})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})  # fmt: skip
    for part in parts:
        await send({"type": "http.response.body", "body": part.encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _timed(client: httpx.Client, url: str, message: str) -> tuple[float, float]:
    """Wall-clock ms of one exchange, and this process's CPU ms meanwhile (client and both
    servers run here; a busy shared machine inflates the first far more than the second)."""
    c0, t0 = time.process_time(), time.perf_counter()
    r = client.post(url, json={"message": message})
    r.read()
    elapsed = (time.perf_counter() - t0) * 1000
    cpu = (time.process_time() - c0) * 1000
    r.raise_for_status()
    return elapsed, cpu


async def _stages_alone(guarded: CareGuardMiddleware, route: Route, messages: list[str]
                        ) -> list[float]:  # fmt: skip
    """Wall ms of the pipeline alone (prepare + reply side) for each new turn, one loop."""
    from careguard.pipeline import TurnContext

    out: list[float] = []
    for message in messages:
        t0 = time.perf_counter()
        ex = route.exchange({"message": message})
        turn = await guarded.pipeline.prepare(ex, TurnContext("bench", "US"))
        rf = guarded.pipeline.reply(turn)
        rf.feed(f"Thanks for telling me. You said: {ex.body['message']} I'm here.")
        rf.flush()
        rf.note()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10)[-1]


def main() -> None:
    from tests.integration.harness import ServerThread

    t0 = time.perf_counter()
    guard = Guard.from_policy()
    routes = [Route("/chat", message="$.message", reply="$.reply"),
              Route("/chat/stream", message="$.message", reply="$.reply")]  # fmt: skip
    guarded = CareGuardMiddleware(chatbot, guard=guard, routes=routes)
    print(f"guard + middleware built and warmed in {time.perf_counter() - t0:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    messages = turns(WARM + ROUNDS)
    with ServerThread(chatbot) as plain_srv, ServerThread(guarded) as guard_srv, \
            httpx.Client(timeout=30) as client:  # fmt: skip
        for path in ("/chat", "/chat/stream"):
            wall: tuple[list[float], list[float]] = ([], [])
            cpu: tuple[list[float], list[float]] = ([], [])
            for i, message in enumerate(messages):
                urls = [f"{plain_srv.url}{path}", f"{guard_srv.url}{path}"]
                for k in (0, 1) if i % 2 else (1, 0):
                    w, c = _timed(client, urls[k], f"{message} [{path}]")
                    if i >= WARM:
                        wall[k].append(w)
                        cpu[k].append(c)
            added = statistics.median([b - a for a, b in zip(*wall, strict=True)])
            added_cpu = statistics.median([b - a for a, b in zip(*cpu, strict=True)])
            print(f"{path:13} n={ROUNDS}  wall without: median {statistics.median(wall[0]):.2f} "
                  f"ms, p90 {_p90(wall[0]):.2f}; with: median {statistics.median(wall[1]):.2f} "
                  f"ms, p90 {_p90(wall[1]):.2f}")
            alone = anyio.run(_stages_alone, guarded, routes[0],
                              [f"{m} [alone {path}]" for m in messages[WARM:]])
            print(f"{'':13} pipeline alone (same turns, in process): wall median "
                  f"{statistics.median(alone):.2f} ms, p90 {_p90(alone):.2f}")
            print(f"{'':13} added per turn: wall median {added:.2f} ms "
                  f"({'met' if added <= TARGET_MS else 'MISSED'}: target <= {TARGET_MS:.0f} ms), "
                  f"process CPU median {added_cpu:.2f} ms")

if __name__ == "__main__":
    main()
