"""The assessor: per-message analysis with a content cache, then the trajectory.

Clients resend the whole conversation every turn. Each user message's result depends only
on its text, so it is cached by the sha256 of that text in a bounded LRU
(``policy.distress.cache_size``); a new turn costs one embedding however long the history
is. The cache holds digests and flags, never text. Thread-safe: the cache has a lock, the
embedder serialises its ONNX session.

Each message's language is identified with it (:mod:`careguard.language`) and cached in the
same entry; the conversation's language is then worked out from the user turns. A
conversation in a language outside ``languages`` keeps the level the model gives it (never
lowered), gains the ``language:unsupported`` signal and a score of at most
:data:`UNSUPPORTED_MAX_SCORE`: careguard did not read it and does not claim to have.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from careguard.assessment import Assessment, Signal
from careguard.conversation import Message
from careguard.distress.embedder import Embedder, TextEmbedder
from careguard.distress.lexical import SparseRows, hashed
from careguard.distress.message import MessageResult, combine
from careguard.distress.model import Array, DistressModel
from careguard.distress.multilingual import MultilingualReader
from careguard.distress.normalize import normalize
from careguard.distress.rules import RuleFindings, find
from careguard.distress.trajectory import Turn, combine_turns
from careguard.language import LanguageIdentifier, conversation_language
from careguard.levels import Level

__all__ = ["UNSUPPORTED_MAX_SCORE", "UNSUPPORTED_SIGNAL", "Assessor", "features"]

UNSUPPORTED_SIGNAL = "language:unsupported"
UNSUPPORTED_MAX_SCORE = 0.5
"""The most confidence an assessment of text careguard cannot read may claim."""

_CONTEXT_ROLES = frozenset({"assistant"})


def features(embeddings: Array, findings: Sequence[RuleFindings]) -> Array:
    """Model input: the embedding followed by the rule flags (the order training used)."""
    flags = np.array([f.features() for f in findings], dtype=np.float32).reshape(len(findings), -1)
    out: Array = np.concatenate([embeddings, flags], axis=1).astype(np.float32)
    return out


class Assessor:
    """Assesses conversations; build with :func:`careguard.distress.build_assessor`."""

    def __init__(
        self,
        model: DistressModel,
        embedder: TextEmbedder,
        *,
        recency_decay: float = 0.7,
        sticky_turns: int = 4,
        cache_size: int = 10000,
        enabled: bool = True,
        identifier: LanguageIdentifier | None = None,
        languages: Collection[str] | None = None,
        reader: MultilingualReader | None = None,
    ) -> None:
        self.model = model
        self.embedder = embedder
        self.identifier = identifier
        """None: no language identification (every conversation ``und``, supported)."""
        self.reader = reader
        """The multilingual head: messages identified as one of its languages are read by it
        instead of the English model (their conversation stays flagged unsupported)."""
        self.languages = frozenset(model.languages if languages is None else languages)
        """The languages assessed as read; others are flagged ``language:unsupported``."""
        self.recency_decay = recency_decay
        self.sticky_turns = sticky_turns
        self.cache_size = cache_size
        self.enabled = enabled
        self._cache: OrderedDict[bytes, MessageResult] = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0
        """Messages analysed (not found in the cache) since start-up."""

    @classmethod
    def from_dir(cls, directory: Path | None = None, **kwargs: object) -> Assessor:
        """Load ``model.npz`` (and ``tokenizer.json`` when present) from ``directory``,
        or the shipped model when it is None."""
        from careguard.distress.model import weights_path

        weights = weights_path() if directory is None else directory / "model.npz"
        tokenizer = None if directory is None else directory / "tokenizer.json"
        model = DistressModel.load(weights)
        embedder = Embedder(
            tokenizer_file=tokenizer if tokenizer is not None and tokenizer.exists() else None
        )
        trained_on = model.meta.get("embedding_id", "unrecorded")
        if trained_on != embedder.model_id:
            raise ValueError(
                f"{weights} was trained on the {trained_on} embedding, but careguard computes"
                f" {embedder.model_id}: rebuild it with careguard train-distress"
            )
        return cls(model, embedder, **kwargs)  # type: ignore[arg-type]

    # -- per message -------------------------------------------------------------------

    def analyse(self, texts: Sequence[str]) -> list[MessageResult]:
        """Results for user-message texts, from the cache where possible (batched misses)."""
        keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest() for t in texts]
        out: dict[bytes, MessageResult] = {}
        with self._lock:
            for k in keys:
                hit = self._cache.get(k)
                if hit is not None:
                    self._cache.move_to_end(k)
                    out[k] = hit
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in out}
        if todo:
            fresh = self._analyse_uncached(list(todo.values()))
            out.update(zip(todo, fresh, strict=True))
            with self._lock:
                self.misses += len(todo)
                if self.cache_size:
                    for k, r in zip(todo, fresh, strict=True):
                        self._cache[k] = r
                        self._cache.move_to_end(k)
                    while len(self._cache) > self.cache_size:
                        self._cache.popitem(last=False)
        return [out[k] for k in keys]

    def _analyse_uncached(self, texts: list[str]) -> list[MessageResult]:
        norm = [normalize(t) for t in texts]
        ident = self.identifier
        if ident is None:
            return self._english(norm)
        # the original text: normalising folds other scripts' look-alikes into Latin
        guesses = [ident.identify(t) for t in texts]
        reader = self.reader
        ours = [reader is not None and g.reliable and g.code in reader.languages
                for g in guesses]
        english = iter(self._english([n for n, o in zip(norm, ours, strict=True) if not o]))
        results = [reader.read(n) if o and reader is not None else next(english)
                   for n, o in zip(norm, ours, strict=True)]
        return [dataclasses.replace(r, language=g)
                for r, g in zip(results, guesses, strict=True)]

    def _english(self, norm: list[str]) -> list[MessageResult]:
        """The English model's results for normalised texts (each read on its own: windows
        run one at a time, so a text's result does not depend on the others)."""
        if not norm:
            return []
        findings = [find(t) for t in norm]
        embeddings = self.embedder.embed(norm)
        rows = SparseRows([hashed(t) for t in norm])
        x = features(embeddings, findings)
        proba = self.model.proba(x, rows)
        imm = self.model.imminent_proba(x)
        return [
            combine(p, f, self.model, None if imm is None else float(imm[i]))
            for i, (p, f) in enumerate(zip(proba, findings, strict=True))
        ]

    # -- conversation ------------------------------------------------------------------

    def assess(self, messages: Sequence[Message]) -> Assessment:
        """Assess a conversation: user turns are judged, assistant turns are context."""
        if not self.enabled:
            return Assessment(
                Level.NONE, 0.0, "stable", "unclear", (Signal("disabled", Level.NONE),)
            )
        user = [(i, m.text) for i, m in enumerate(messages) if m.role == "user"]
        results = self.analyse([t for _, t in user])
        turns: list[Turn] = []
        for (i, text), r in zip(user, results, strict=True):
            prompt = None
            if i > 0 and messages[i - 1].role in _CONTEXT_ROLES:
                prompt = messages[i - 1].text[-2000:]
            turns.append(Turn(i, r, text[:200], prompt))
        assessment = combine_turns(
            turns, recency_decay=self.recency_decay, sticky_turns=self.sticky_turns
        )
        return self._with_language(assessment, [t for _, t in user], results)

    def _with_language(self, assessment: Assessment, texts: Sequence[str],
                       results: Sequence[MessageResult]) -> Assessment:
        """``assessment`` with the conversation's language; flagged when it is unsupported."""
        if self.identifier is None or not texts:
            return assessment
        guesses = [r.language for r in results]
        lang = conversation_language(texts, guesses, self.identifier, self.languages)
        turns = tuple(dataclasses.replace(t, language=g.code)
                      for t, g in zip(assessment.turns, guesses, strict=True))
        if lang.supported:
            return dataclasses.replace(assessment, turns=turns, language=lang.code)
        flag = Signal(UNSUPPORTED_SIGNAL, assessment.level, lang.confidence)
        turns = tuple(dataclasses.replace(t, score=min(t.score, UNSUPPORTED_MAX_SCORE))
                      for t in turns)
        return dataclasses.replace(
            assessment, turns=turns, language=lang.code, language_supported=False,
            score=min(assessment.score, UNSUPPORTED_MAX_SCORE),
            signals=(*assessment.signals, flag),
        )
