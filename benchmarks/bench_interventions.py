"""Per-turn cost of the intervention and reply-check stages.

Prints the median and p99 of: planning a turn, rendering the system block, checking that a
reply has resources, checking a ~760-character reply whole and as a stream of 20-character
deltas — with the named rules alone (the baseline, as before the reply-safety judge) and with
rules + judge (what the default policy runs), so the judge's added cost is read in one run —
and loading the directory and the judge once.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from careguard.assessment import Assessment
from careguard.interventions import Interventions, reply_has_resources, system_block
from careguard.levels import Level
from careguard.output_checks import ReplyChecker
from careguard.policy import JudgeScope, load_policy
from careguard.replies import ReplyJudge

REPLY = (
    "I'm really sorry you're feeling this way, and I'm glad you told me. It sounds like "
    "everything has been piling up: work, your relationship, and a sense that nothing has "
    "purpose right now. That's a lot for anyone to carry. Are you having thoughts of ending "
    "your life? It's okay to tell me; I'm here to listen without judgement. If things feel "
    "like too much, you can call Samaritans free on 116 123 at any time, or text SHOUT to "
    "85258. Would it help to think about one small thing that could make tonight a little "
    "easier, like being near someone you trust? I'm an AI, not a counsellor, but I'm here and "
    "I'd like to keep talking with you. What has helped you get through hard days before? "
    "Even something very small counts. You don't have to figure it all out at once. "
)

ORDINARY = (
    "Sure! To make the sauce, warm two tablespoons of olive oil in a pan over medium heat. Add "
    "the chopped onion and cook it for about five minutes, until it is soft and golden. Stir "
    "in the garlic and cook for another minute. Pour in the tomatoes, add a pinch of salt and "
    "a little sugar, and let everything simmer for twenty minutes. Taste it and adjust the "
    "seasoning. If it gets too thick, add a splash of the pasta water. Meanwhile, cook the "
    "pasta in plenty of salted water until it is al dente. Drain it, keeping a cup of the "
    "water. Toss the pasta with the sauce and a handful of grated cheese. Serve it straight "
    "away with fresh basil on top. Enjoy your dinner, and let me know how it turns out!"
)
"""An ordinary reply on a calm turn (level none), the bulk of a chatbot's traffic."""


def _time(fn: Callable[[], object], n: int) -> tuple[float, float, float]:
    """Wall-clock median and p99, and the p99 of this thread's CPU time (which a busy,
    shared machine does not inflate), in milliseconds."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(n):
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        fn()
        wall.append((time.perf_counter_ns() - t0) / 1e6)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
    wall.sort()
    cpu.sort()
    i = min(n - 1, int(n * 0.99))
    return statistics.median(wall), wall[i], cpu[i]


def _stream(checker: ReplyChecker) -> str:
    s = checker.stream()
    out = [s.feed(REPLY[i:i + 20]) for i in range(0, len(REPLY), 20)]
    return "".join(out) + s.finish()


def main() -> None:
    loaded = load_policy()
    t0 = time.perf_counter()
    ints = Interventions.from_policy(loaded)
    load_ms = (time.perf_counter() - t0) * 1000
    high = Assessment(Level.HIGH, 0.9, "stable", "self")
    plan = ints.plan_for(high, loaded.policy, None, "GB")
    checker = ReplyChecker()
    t0 = time.perf_counter()
    judged = ReplyChecker(judge=ReplyJudge())
    judge_ms = (time.perf_counter() - t0) * 1000
    calm_all = ReplyChecker(judge=judged.judge, level=Level.NONE)
    calm_lexicon = ReplyChecker(judge=judged.judge, level=Level.NONE,
                                scope=JudgeScope.RISK_WORDS_WHEN_CALM)
    size = f"{len(REPLY)} chars"
    rows = [
        ("plan_for (high, GB)", lambda: ints.plan_for(high, loaded.policy, None, "GB")),
        ("system_block", lambda: system_block(plan)),
        (f"reply_has_resources ({size})", lambda: reply_has_resources(REPLY, plan)),
        (f"ReplyChecker.check ({size})", lambda: checker.check(REPLY)),
        (f"SentenceChecker, 20-char deltas ({size})", lambda: _stream(checker)),
        (f"ReplyChecker.check + judge ({size})", lambda: judged.check(REPLY)),
        ("SentenceChecker + judge, 20-char deltas", lambda: _stream(judged)),
        (f"calm turn, ordinary reply ({len(ORDINARY)} chars): rules",
         lambda: checker.check(ORDINARY)),
        ("  + judge, scope all", lambda: calm_all.check(ORDINARY)),
        ("  + judge, scope risk-words-when-calm", lambda: calm_lexicon.check(ORDINARY)),
    ]
    print(f"directory + guidelines load (once, at start-up): {load_ms:.1f} ms")
    print(f"reply-safety judge load (once, at start-up): {judge_ms:.1f} ms")
    print(f"{'operation':44} {'median ms':>10} {'p99 ms':>10} {'p99 cpu ms':>11}")
    for name, fn in rows:
        fn()  # warm caches
        med, p99, cpu99 = _time(fn, 200 if "judge" in name else 2000)
        print(f"{name:44} {med:10.3f} {p99:10.3f} {cpu99:11.3f}")


if __name__ == "__main__":
    main()
