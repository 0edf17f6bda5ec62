"""How language identification behaves on the chat conversations (docs/languages.md).

The user turns of ``data/distress/chat_train.jsonl`` and ``chat_heldout.jsonl`` are chat
English, with some conversations in Spanish, romanised Hindi (Hinglish), Tagalog (Taglish)
and code-switched mixes. ``data/language/chat_turn_languages.jsonl`` labels every user turn
that is not English (by id and user-turn index: ``es``, ``hi`` for romanised Hindi, ``tl``,
``mixed``, ``und`` for a turn with no words); every other turn is English.

Each conversation is replayed turn by turn as the proxy sees it (the history grows), and the
conversation's language is taken at every user turn with careguard's own code
(:func:`careguard.language.conversation_language`, as the assessor calls it). Reported:

- English turns whose conversation language came out unsupported (false-unsupported, per
  message), and English-only conversations flagged at any turn (per conversation);
- for each non-English label, the turns called unsupported (what the English model is
  spared) and the conversations flagged at their last turn;
- microseconds per identification.

Run: ``.venv/bin/python -m careguard_training.language_eval [--json]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careguard.language import FastTextIdentifier, LanguageGuess, conversation_language

__all__ = ["Figures", "evaluate", "main"]

DATA = Path(__file__).parent / "data"
CHATS = (DATA / "distress" / "chat_train.jsonl", DATA / "distress" / "chat_heldout.jsonl")
LABELS = DATA / "language" / "chat_turn_languages.jsonl"
SUPPORTED = frozenset({"en"})


@dataclass(frozen=True, slots=True)
class Figures:
    english_turns: int
    english_turns_flagged: int
    english_conversations: int
    english_conversations_flagged: int
    other_turns: dict[str, tuple[int, int]]
    """label -> (turns, turns whose conversation language came out unsupported)"""
    other_conversations: tuple[int, int]
    """(conversations with a non-English turn, flagged at their last turn)"""
    guessed: dict[str, int]
    """Reliable per-turn codes on non-English turns (what fastText called them)."""
    microseconds_per_turn: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "english": {
                "turns": self.english_turns,
                "turns_false_unsupported": self.english_turns_flagged,
                "rate_per_message": round(self.english_turns_flagged / self.english_turns, 4),
                "conversations": self.english_conversations,
                "conversations_false_unsupported": self.english_conversations_flagged,
                "rate_per_conversation": round(
                    self.english_conversations_flagged / self.english_conversations, 4
                ),
            },
            "other": {k: {"turns": n, "unsupported": f, "rate": round(f / n, 4)}
                      for k, (n, f) in sorted(self.other_turns.items())},
            "other_conversations": {"conversations": self.other_conversations[0],
                                    "flagged_at_last_turn": self.other_conversations[1]},
            "reliable_codes_on_other_turns": dict(sorted(self.guessed.items())),
            "microseconds_per_turn": round(self.microseconds_per_turn, 1),
        }  # fmt: skip


def _load() -> tuple[list[tuple[str, list[str]]], dict[tuple[str, int], str]]:
    convs: list[tuple[str, list[str]]] = []
    for path in CHATS:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            user = [m["content"] for m in row["messages"] if m["role"] == "user"]
            convs.append((row["id"], user))
    labels: dict[tuple[str, int], str] = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        labels[(row["id"], int(row["turn"]))] = row["language"]
    return convs, labels


def evaluate(identifier: FastTextIdentifier | None = None) -> Figures:
    """Replay every conversation and count (see the module docstring)."""
    ident = identifier or FastTextIdentifier()
    convs, labels = _load()
    en_turns = en_flag = en_convs = en_conv_flag = 0
    other: Counter[str] = Counter()
    other_flag: Counter[str] = Counter()
    guessed: Counter[str] = Counter()
    mixed_convs = mixed_flag = 0
    calls, spent = 0, 0.0
    for cid, turns in convs:
        guesses: list[LanguageGuess] = []
        flagged_any = False
        last_flag = False
        for i, text in enumerate(turns):
            start = time.perf_counter()
            guesses.append(ident.identify(text))
            spent += time.perf_counter() - start
            calls += 1
            lang = conversation_language(turns[: i + 1], guesses, ident, SUPPORTED)
            label = labels.get((cid, i), "en")
            flagged = not lang.supported
            flagged_any |= flagged
            last_flag = flagged
            if label in ("en", "und"):
                en_turns += 1
                en_flag += flagged
            else:
                other[label] += 1
                other_flag[label] += flagged
                if guesses[-1].reliable:
                    guessed[guesses[-1].code] += 1
        has_other = any(labels.get((cid, i), "en") not in ("en", "und")
                        for i in range(len(turns)))  # fmt: skip
        if has_other:
            mixed_convs += 1
            mixed_flag += last_flag
        else:
            en_convs += 1
            en_conv_flag += flagged_any
    return Figures(
        english_turns=en_turns, english_turns_flagged=en_flag,
        english_conversations=en_convs, english_conversations_flagged=en_conv_flag,
        other_turns={k: (other[k], other_flag[k]) for k in other},
        other_conversations=(mixed_convs, mixed_flag), guessed=dict(guessed),
        microseconds_per_turn=spent / max(calls, 1) * 1e6,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = evaluate().to_dict()
    print(json.dumps(figures, indent=2 if not args.json else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
