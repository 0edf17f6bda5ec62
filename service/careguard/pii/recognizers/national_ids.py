"""National identifiers, found by presidio's own recognizers and gated on context words.

presidio ships recognizers for the UK NHS number and National Insurance number, the Australian
TFN and Medicare number, India's Aadhaar and PAN, Spain's NIF, Italy's fiscal code and
Singapore's NRIC/FIN. Several of them are loose on chat text: a checksum-valid NHS or TFN
number is also a 3-3-4 or 3-3-3 phone number one time in ten and then scores 1.0, and
presidio's context words are matched as substrings of single tokens ("pan" in "panic",
multi-word phrases never). Each recognizer is therefore wrapped here: its findings keep their
score when a context phrase of :data:`NATIONAL_IDS` is within :data:`ContextGated.WINDOW`
characters (then raised to at least :data:`ContextGated.CONTEXT_SCORE`), and are dropped
without one when the identifier's shape is also an ordinary number (``require_context``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

__all__ = ["NATIONAL_IDS", "ContextGated", "NationalId", "national_id_recognizers"]


@dataclass(frozen=True, slots=True)
class NationalId:
    """One presidio recognizer (by class name), its context phrases, and whether a finding
    needs one of them nearby."""

    recognizer: str
    context: tuple[str, ...]
    require_context: bool


NATIONAL_IDS: tuple[NationalId, ...] = (
    NationalId("NhsRecognizer", ("nhs", "national health service", "health number"), True),
    NationalId(
        "UkNinoRecognizer",
        ("national insurance", "nino", "ni number", "ni no", "insurance number"),
        False,
    ),
    NationalId("AuTfnRecognizer", ("tfn", "tax file number", "tax file no"), True),
    NationalId("AuMedicareRecognizer", ("medicare",), True),
    NationalId("InAadhaarRecognizer", ("aadhaar", "aadhar", "adhaar", "uidai", "uid"), True),
    NationalId(
        "InPanRecognizer", ("pan", "pan card", "permanent account number", "pan number"), True
    ),
    NationalId("EsNifRecognizer", ("dni", "nif", "nie", "documento", "identidad"), False),
    NationalId("ItFiscalCodeRecognizer", ("codice fiscale", "fiscal code", "cf"), False),
    NationalId("SgFinRecognizer", ("nric", "fin", "ic number", "ic no", "singpass"), False),
)


class ContextGated(EntityRecognizer):
    """A presidio recognizer whose findings are kept, raised or dropped by nearby context."""

    WINDOW = 40
    CONTEXT_SCORE = 0.8

    def __init__(self, inner: Any, context: Sequence[str], *, require_context: bool) -> None:
        self._inner = inner
        self._require = require_context
        self._label = f"{inner.name}+context"
        words = "|".join(re.escape(w) for w in sorted(context, key=len, reverse=True))
        self._context = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I)
        super().__init__(
            supported_entities=list(inner.supported_entities),
            name=self._label,
            supported_language=inner.supported_language,
            context=[],
        )

    def load(self) -> None:
        """The wrapped recognizer is loaded by its own constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if not set(entities) & set(self.supported_entities):
            return []
        kept = []
        for r in self._candidates(text, entities, nlp_artifacts):
            near = text[max(0, r.start - self.WINDOW) : r.end + self.WINDOW]
            if self._context.search(near):
                r.score = max(r.score, self.CONTEXT_SCORE)
            elif self._require:
                continue
            # presidio keeps only results whose recognizer id is a registered recognizer's
            r.recognition_metadata = {
                **(r.recognition_metadata or {}),
                RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            }
            kept.append(r)
        return kept


    def _candidates(self, text: str, entities: list[str], nlp_artifacts: Any) -> list[Any]:
        """The inner recognizer's findings, read only around runs of digits (every one of
        these identifiers holds digits): presidio's patterns took about 2 s on a
        32,000-character message, over the PII stage's deadline. Offsets are the text's."""
        if len(text) <= self.SCAN_WHOLE:
            return list(self._inner.analyze(text, entities, nlp_artifacts) or [])
        out: list[Any] = []
        for start, end in _digit_windows(text, self.PAD):
            for r in self._inner.analyze(text[start:end], entities, None) or []:
                r.start += start
                r.end += start
                out.append(r)
        return out

    SCAN_WHOLE = 2000
    """Texts up to this long are read whole (chat turns); longer ones around digits only."""
    PAD = 32
    """Characters read on each side of a run of digits (an identifier's letters included)."""


_DIGIT_RUN = re.compile(r"\d[\d \t./-]*")


def _digit_windows(text: str, pad: int) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` windows of ``pad`` characters around every run of digits."""
    windows: list[tuple[int, int]] = []
    for m in _DIGIT_RUN.finditer(text):
        start, end = max(0, m.start() - pad), min(len(text), m.end() + pad)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def national_id_recognizers(language: str, entities: set[str]) -> list[ContextGated]:
    """The wrapped recognizers of :data:`NATIONAL_IDS` that find one of ``entities``."""
    from presidio_analyzer import predefined_recognizers

    out = []
    for spec in NATIONAL_IDS:
        inner = getattr(predefined_recognizers, spec.recognizer)(supported_language=language)
        if entities & set(inner.supported_entities):
            out.append(ContextGated(inner, spec.context, require_context=spec.require_context))
    return out
