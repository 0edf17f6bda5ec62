"""PII redaction cost per message (``make bench``).

Target (issue 2): redacting a 1-3 sentence message with the default policy, median <= 15 ms
after warm-up. Prints the median and p99 over a mix of messages with and without personal
data, in pseudonymize mode with one session per conversation, plus the time to build the
redactor (spaCy load and warm-up).
"""

from __future__ import annotations

import statistics
import time

from careguard.pii import build_redactor
from careguard.policy import load_policy

MESSAGES = [
    "I just feel so down today. Nothing seems to be going right.",
    "My name is Anna Lindqvist and I can't sleep. Work has been awful this week.",
    "Can you email my therapist at dr.okafor@example.org? I don't know what to say to her.",
    "I moved to 615 Benedum Drive last month. It still doesn't feel like home. I miss my sister.",
    "Call me on 212-555-0187 if you can. Or not, I don't know anymore.",
    "Hope things get better. I talked to Grace yesterday and she said the same.",
    "I grew up in Springfield. My dad still lives there and we haven't spoken in a year.",
    "Thanks, that helps a bit. I think I'll go for a walk now.",
]
WARM_UP = 20
ROUNDS = 60  # x len(MESSAGES) timed calls


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    started = time.perf_counter()
    redactor = build_redactor(load_policy(), secret=b"bench")
    build_s = time.perf_counter() - started
    for i in range(WARM_UP):
        redactor.redact(MESSAGES[i % len(MESSAGES)], redactor.session("warm"))
    timings: list[float] = []
    cpu: list[float] = []
    for r in range(ROUNDS):
        session = redactor.session(f"conversation-{r}")
        for text in MESSAGES:
            t0, c0 = time.perf_counter(), time.process_time()
            redactor.redact(text, session)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    median = statistics.median(timings)
    p99 = _percentile(timings, 0.99)
    print(f"build_redactor (spaCy load + warm-up): {build_s:.2f} s")
    print(f"redact, 1-3 sentence message, {len(timings)} calls after {WARM_UP} warm-up:")
    print(f"  median {median:.2f} ms   p99 {p99:.2f} ms   (target: median <= 15 ms)")
    print(f"  {'meets' if median <= 15 else 'MISSES'} the median target")
    print(f"  CPU time per call: median {statistics.median(cpu):.2f} ms (independent of load)")


if __name__ == "__main__":
    main()
