"""Readers for the toxicity training and evaluation sets (no torch here).

- Davidson et al. 2017 (``davidson_labeled_data.csv``, MIT): the training set. Labels are soft:
  ``toxicity`` = share of coders voting hate speech or offensive, ``identity_attack`` = share
  voting hate speech.
- HateXplain validation split (``hatexplain_val.jsonl``, MIT / CC BY 4.0): evaluation only,
  never trained on. Gold label = majority of the three annotators (0 hate, 1 normal,
  2 offensive); toxic = hate or offensive.
- Distress text (``../distress/dev.jsonl``): user posts about the writer's own distress, for
  the false-positive rate of "self-directed is not abuse".
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LabelledText",
    "clean_tweet",
    "gab_style",
    "profanity_words",
    "read_davidson",
    "read_distress",
    "read_hatexplain",
    "read_negatives",
    "usable_negative",
]

NEGATIVE_SOURCES = ("goemotions", "counsel_chat")
"""Permissively licensed sources of ordinary, non-abusive text in ``distress/train.jsonl``:
GoEmotions (Apache-2.0) Reddit comments, sad ones included, and Counsel Chat (MIT) questions."""

_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")
_RT = re.compile(r"^\s*(?:!+\s*)?RT\s+@user:?\s*", re.I)


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One text with soft targets (``toxicity``, ``identity_attack``) in [0, 1]."""

    text: str
    toxicity: float
    identity_attack: float


def clean_tweet(text: str) -> str:
    """Undo HTML entities and normalise mentions/URLs so tweets look like chat text."""
    text = html.unescape(html.unescape(text))
    text = _URL.sub("http", text)
    text = _MENTION.sub("@user", text)
    text = _RT.sub("", text)
    return " ".join(text.split())


_TOKEN = re.compile(r"<user>|<url>|\w+(?:'\w+)?|[^\w\s]")


def gab_style(text: str) -> str:
    """A cleaned tweet as lower-case tokens with ``<user>``/``<url>`` placeholders.

    Social-media dumps (Gab, Twitter) are often stored like this; training on it makes the model
    read them as it reads chat text.
    """
    text = clean_tweet(text).replace("@user", "<user>").replace(" http", " <url>")
    text = re.sub(r"^http\b", "<url>", text)
    return " ".join(_TOKEN.findall(text.lower()))


def read_davidson(path: Path) -> list[LabelledText]:
    """Davidson rows as soft-labelled texts (votes / coders), cleaned (:func:`clean_tweet`)."""
    rows: list[LabelledText] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            count = int(rec["count"])
            hate = int(rec["hate_speech"]) / count
            offensive = int(rec["offensive_language"]) / count
            text = clean_tweet(rec["tweet"])
            if text:
                rows.append(LabelledText(text, min(1.0, hate + offensive), hate))
    return rows


@dataclass(frozen=True, slots=True)
class HateXplainPost:
    id: str
    text: str
    label: str  # "hatespeech" | "normal" | "offensive"

    @property
    def toxic(self) -> bool:
        return self.label != "normal"


_HX_LABELS = {0: "hatespeech", 1: "normal", 2: "offensive"}


def read_hatexplain(path: Path) -> list[HateXplainPost]:
    """HateXplain posts with the majority label of their three annotators."""
    posts: list[HateXplainPost] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            ((label, votes),) = Counter(rec["annotators"]["label"]).most_common(1)
            if votes < 2:  # undecided: none in the validation split, kept out on principle
                continue
            posts.append(HateXplainPost(rec["id"], " ".join(rec["post_tokens"]), _HX_LABELS[label]))
    return posts


def read_distress(
    path: Path, levels: frozenset[str] = frozenset({"moderate", "high"})
) -> list[str]:
    """Single-post user texts at the given distress levels (first-person distress)."""
    texts: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["unit"] != "post" or rec["level"] not in levels:
                continue
            texts.extend(m["content"] for m in rec["messages"] if m["role"] == "user")
    return texts


_INSULTS = frozenset(
    [
        "idiot",
        "idiots",
        "idiotic",
        "stupid",
        "moron",
        "morons",
        "dumb",
        "dumbass",
        "loser",
        "losers",
        "pathetic",
        "worthless",
        "scum",
        "trash",
        "garbage",
        "stfu",
        "shut",
        "retard",
        "retarded",
    ]
)
_WORD = re.compile(r"[a-z]+")


def read_negatives(path: Path, sources: tuple[str, ...] = NEGATIVE_SOURCES) -> list[str]:
    """User texts of ``sources`` in file order (extra non-toxic training examples)."""
    texts: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["source"] in sources:
                texts.append(rec["messages"][0]["content"])
    return texts


def usable_negative(text: str, exclude: frozenset[str]) -> bool:
    """Whether ``text`` may serve as a non-toxic example: no listed word and no insult word.

    Reddit comments use profanity and insults freely; as "non-toxic" examples they would teach
    the model that "you are a fucking idiot" is harmless.
    """
    return not (exclude | _INSULTS).intersection(_WORD.findall(text.lower()))


def profanity_words() -> frozenset[str]:
    """The word list of ``careguard/data/toxicity/profanity-baseline.txt``."""
    from careguard.toxicity.assemble import compact_data_dir

    text = (compact_data_dir() / "profanity-baseline.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))
