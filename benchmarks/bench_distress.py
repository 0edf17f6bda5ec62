"""Distress assessment cost per turn, with the history cached (``make bench``).

Targets (issue 3): one new 1-3 sentence turn of a 20-turn conversation whose history was
seen before, median <= 10 ms; turn 50 costs no more than 1.5x turn 1. Also prints, from
the same run, the bare embedding of one turn (the floor: on a shared machine absolute
times move with load, the ratio less so) and a cold 20-turn conversation.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

from careguard.conversation import Message
from careguard.distress import build_assessor
from careguard.distress.assessor import Assessor
from careguard.distress.embedder import Embedder, TextEmbedder
from careguard.policy import load_policy

_OPENERS = [
    "Work has been really stressful this week",
    "I keep thinking about the argument with my sister",
    "I didn't sleep much last night",
    "My exams start next month and I feel behind",
    "I went for a walk this morning",
    "I feel kind of flat today",
]
_FOLLOW = [
    "and I don't really know why.",
    "It has been on my mind all day.",
    "Maybe tomorrow will be better.",
    "I just wanted to say it to someone.",
]
_REPLY = "That sounds like a lot to carry. What has helped you a little, even on hard days?"


def _turn(i: int, tag: str = "day") -> str:
    """A unique 1-3 sentence user turn (unique, so it is never a cache hit)."""
    sentences = 1 + i % 3
    parts = [f"{_OPENERS[i % len(_OPENERS)]} ({tag} {i})."]
    parts += [_FOLLOW[(i + k) % len(_FOLLOW)] for k in range(sentences - 1)]
    return " ".join(parts)


_OTHER = {
    "de": "Die Arbeit war diese Woche echt stressig ({i}). Ich weiß nicht genau warum.",
    "es": "El trabajo ha sido muy estresante esta semana ({i}). No sé muy bien por qué.",
    "fr": "Le travail a été vraiment stressant cette semaine ({i}). Je ne sais pas trop pourquoi.",
    "pt": "O trabalho foi muito estressante esta semana ({i}). Não sei bem por quê.",
}
"""A unique 2-sentence turn per language, read by the multilingual head."""


def _conversation(user_turns: list[str]) -> list[Message]:
    out: list[Message] = []
    for t in user_turns:
        out += [Message("user", t), Message("assistant", _REPLY)]
    return out[:-1]


def _settle() -> None:
    """Pause before each timed call, so that no measurement starts right after a burst of
    preparatory work (on a shared, niced machine the scheduler then penalises the next
    few milliseconds, which would bias turn 50 against turn 1)."""
    time.sleep(0.05)


def _ms(assessor: Assessor, conv: list[Message]) -> float:
    """Milliseconds to assess ``conv`` once."""
    _settle()
    start = time.perf_counter()
    assessor.assess(conv)
    return (time.perf_counter() - start) * 1000


def _embed_median(embedder: TextEmbedder, counter: Iterator[int]) -> float:
    """Median milliseconds to embed one new turn, nothing else (30 runs)."""
    times = []
    for _ in range(30):
        text = _turn(next(counter))
        _settle()
        start = time.perf_counter()
        embedder.embed([text])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    assessor = build_assessor(load_policy())
    assessor.assess(_conversation([_turn(10_000)]))  # load the session, warm caches
    counter = iter(range(100_000))

    # A: the 20th turn of a conversation whose first 19 user turns were seen before.
    new_turn = []
    for _ in range(30):
        history = [_turn(next(counter)) for _ in range(19)]
        assessor.assess(_conversation(history))
        new_turn.append(_ms(assessor, _conversation([*history, _turn(next(counter))])))
    med, p90 = statistics.median(new_turn), sorted(new_turn)[int(0.9 * len(new_turn))]
    print(
        f"new turn of a 20-turn conversation (history cached): median {med:.2f} ms, "
        f"p90 {p90:.2f} ms (n={len(new_turn)}; target median <= 10 ms)"
    )

    # B: turn 1 versus turn 50, the history cached each time.
    first, fiftieth = [], []
    for _ in range(30):
        k = next(counter)  # the same new turn shape for both, only the tag differs
        first.append(_ms(assessor, _conversation([_turn(k, "eve")])))
        history = [_turn(next(counter)) for _ in range(49)]
        assessor.assess(_conversation(history))
        fiftieth.append(_ms(assessor, _conversation([*history, _turn(k, "dusk")])))
    m1, m50 = statistics.median(first), statistics.median(fiftieth)
    print(
        f"turn 1: median {m1:.2f} ms; turn 50 (history cached): median {m50:.2f} ms; "
        f"ratio {m50 / m1:.2f}x (target <= 1.5x)"
    )

    # Baseline in the same run: the MiniLM embedding of one new turn, nothing else.
    base = _embed_median(assessor.embedder, counter)
    print(
        f"baseline, embedding one turn alone: median {base:.2f} ms; "
        f"new-turn assessment = {med / base:.2f}x the bare embedding"
    )

    # Baseline in the same run: the same embedding computed in float, as the model package
    # ships it (careguard computes it in int8, see careguard.distress.quantize).
    from careguard.distress.quantize import source_model_path

    float_embedder = Embedder(model_path=source_model_path())
    float_embedder.embed([_turn(next(counter))])  # load the session
    fbase = _embed_median(float_embedder, counter)
    print(
        f"baseline, float embedding (the package's own compute): median {fbase:.2f} ms; "
        f"int8 embedding = {base / fbase:.2f}x, new-turn assessment = {med / fbase:.2f}x of it"
    )

    # D: the same new turn in the languages the multilingual head reads (language id included)
    for lang, template in _OTHER.items():
        times = []
        for _ in range(30):
            history = [template.format(i=next(counter)) for _ in range(19)]
            assessor.assess(_conversation(history))
            times.append(_ms(assessor, _conversation([*history,
                                                      template.format(i=next(counter))])))
        lm = statistics.median(times)
        print(
            f"new {lang} turn of a 20-turn {lang} conversation (history cached): median "
            f"{lm:.2f} ms, {lm - med:+.2f} ms over English (target: at most +30 ms)"
        )

    # C: for comparison, a cold 20-turn conversation (nothing cached).
    cold = [
        _ms(assessor, _conversation([_turn(next(counter)) for _ in range(20)])) for _ in range(5)
    ]
    print(
        f"cold 20-turn conversation (20 user turns analysed): "
        f"median {statistics.median(cold):.1f} ms"
    )


if __name__ == "__main__":
    main()
