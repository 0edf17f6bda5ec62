"""The redactor: finds personal data with presidio and replaces it in the policy's mode.

Modes (``policy.pii.mode``): ``redact`` writes the type (``<EMAIL_ADDRESS>``); ``mask`` keeps
the shape (``j*******@*******.com``); ``pseudonymize`` writes a stable keyed placeholder per
value (``<PERSON_7F3K>``, see :mod:`careguard.pii.pseudonym`) that the reply side restores;
``pass`` detects and counts but changes nothing (an explicit operator choice).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from careguard.pii.allow_list import AllowList
from careguard.pii.pseudonym import PseudonymSession, new_secret
from careguard.pii.spans import (
    Finding,
    apply_thresholds,
    drop_common_words,
    drop_malformed_urls,
    drop_sentence_initial_word_names,
    drop_urls_inside_emails,
    from_presidio,
    propagate_repeats,
    resolve_overlaps,
)
from careguard.policy import LoadedPolicy, PiiMode, PiiPolicy

__all__ = ["Redaction", "Redactor", "build_redactor", "mask_value"]

# Presidio recognisers only see what policy.pii.entities asks for; these keep working as
# a fallback when a policy lists no entities at all.
DEFAULT_ENTITIES: Mapping[str, float] = {
    "PERSON": 0.6,
    "EMAIL_ADDRESS": 0.5,
    "PHONE_NUMBER": 0.4,
    "CREDIT_CARD": 0.5,
    "US_SSN": 0.5,
    "IBAN_CODE": 0.5,
    "IP_ADDRESS": 0.5,
    "LOCATION": 0.6,
    "STREET_ADDRESS": 0.5,
    "URL": 0.5,
}
# Unicode format characters (category Cf) that readers do not see: they split words for the
# recognisers without changing what a human (or an LLM) reads.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u206f\ufeff]")


@dataclass(frozen=True, slots=True)
class Redaction:
    """The text as it may leave the process, and what was found in the original."""

    text: str
    findings: tuple[Finding, ...]


class Redactor:
    """Finds and replaces personal data. Thread-safe; build once with :func:`build_redactor`."""

    def __init__(
        self,
        analyzer: Any,
        pii: PiiPolicy,
        *,
        allow: AllowList,
        secret: bytes,
        thresholds: Mapping[str, float],
    ) -> None:
        self._analyzer = analyzer
        self._pii = pii
        self._allow = allow
        self._secret = secret
        self._thresholds = dict(thresholds)
        self._entities = sorted(self._thresholds)

    @property
    def analyzer(self) -> Any:
        """The presidio ``AnalyzerEngine`` (to build variants without loading spaCy again)."""
        return self._analyzer

    @property
    def mode(self) -> PiiMode:
        return self._pii.mode

    @property
    def entities(self) -> Mapping[str, float]:
        """Entity type → minimum score, as used."""
        return dict(self._thresholds)

    def analyze(self, text: str) -> list[Finding]:
        """Non-overlapping findings in ``text``, sorted by start.

        Invisible format characters (zero-width space/joiners, bidi controls, soft hyphens)
        are left out for the analysis and the findings mapped back, so ``Mar\u200bgaret``
        is found whole instead of leaking past the recognisers.
        """
        if _INVISIBLE.search(text) is None:
            return self._analyze(text)
        kept = [i for i, ch in enumerate(text) if not _INVISIBLE.match(ch)]
        found = self._analyze("".join(text[i] for i in kept))
        return [Finding(kept[f.start], kept[f.end - 1] + 1, f.entity_type, f.score) for f in found]

    def _analyze(self, text: str) -> list[Finding]:
        if not text.strip():
            return []
        results = self._analyzer.analyze(
            text=text, language=self._pii.language, entities=self._entities
        )
        findings = apply_thresholds(from_presidio(results), self._thresholds)
        findings = drop_urls_inside_emails(findings)
        findings = drop_malformed_urls(text, findings)
        findings = drop_common_words(text, findings)
        findings = drop_sentence_initial_word_names(text, findings)
        findings = propagate_repeats(text, findings)
        findings = self._allow.filter(text, findings)
        return resolve_overlaps(findings)

    def session(self, conversation_key: str) -> PseudonymSession:
        """A pseudonym session for one request of the conversation ``conversation_key``."""
        return PseudonymSession(self._secret, conversation_key)

    def redact(self, text: str, session: PseudonymSession | None = None) -> Redaction:
        """Replace what :meth:`analyze` finds, in the policy's mode.

        ``pseudonymize`` needs the request's ``session`` (so one value gets one placeholder
        across messages); without one, a throw-away session is used. With a session, values
        found in earlier texts of the request are replaced here too (see :meth:`replace`).
        """
        findings = self.with_memory(text, self.analyze(text), session)
        return Redaction(self._apply(text, findings, session), tuple(findings))

    def replace(
        self, text: str, findings: Sequence[Finding], session: PseudonymSession | None = None
    ) -> str:
        """Apply the policy's mode to non-overlapping ``findings`` of ``text``.

        Values the ``session`` has already seen in this request (a name found in an earlier
        message) are replaced wherever they occur as whole words, even where the detector
        misses them this time.
        """
        return self._apply(text, self.with_memory(text, findings, session), session)

    def with_memory(
        self, text: str, findings: Sequence[Finding], session: PseudonymSession | None
    ) -> list[Finding]:
        """``findings`` plus the uncovered occurrences of values ``session`` already holds."""
        if session is None:
            return list(findings)
        extra = [
            m
            for m in self._allow.filter(text, session.occurrences(text))
            if not any(f.overlaps(m) for f in findings)
        ]
        return resolve_overlaps([*findings, *extra]) if extra else list(findings)

    def _apply(
        self, text: str, findings: Sequence[Finding], session: PseudonymSession | None
    ) -> str:
        mode = self._pii.mode
        if mode is PiiMode.PASS or not findings:
            return text
        if session is None:
            session = self.session("")
        parts: list[str] = []
        pos = 0
        for f in findings:
            value = text[f.start : f.end]
            parts.append(text[pos : f.start])
            placeholder = session.placeholder(f.entity_type, value)  # also remembers the value
            if mode is PiiMode.REDACT:
                parts.append(f"<{f.entity_type}>")
            elif mode is PiiMode.MASK:
                parts.append(mask_value(value, f.entity_type, self._pii.mask_char))
            else:
                parts.append(placeholder)
            pos = f.end
        parts.append(text[pos:])
        return "".join(parts)


def mask_value(value: str, entity_type: str, mask_char: str = "*") -> str:
    """Mask letters and digits, keeping separators, the first character and an email's TLD."""
    keep_from = len(value)
    if entity_type == "EMAIL_ADDRESS" and "." in value.rpartition("@")[2]:
        keep_from = value.rfind(".")
    out = []
    for i, c in enumerate(value):
        out.append(c if i == 0 or i >= keep_from or not c.isalnum() else mask_char)
    return "".join(out)


def build_redactor(
    loaded: LoadedPolicy,
    *,
    protected: Iterable[str] = (),
    secret: bytes | None = None,
) -> Redactor:
    """Build presidio + spaCy once for ``loaded``'s PII policy.

    ``protected`` literals (crisis-line numbers, careguard's injected texts) are never
    redacted, on top of the built-in crisis numbers and ``policy.pii.allow_list``. ``secret``
    keys the pseudonym placeholders; None uses a random per-process key (placeholders are then
    stable only for the life of the process).
    """
    from careguard.pii.engine import build_analyzer

    pii = loaded.policy.pii
    thresholds = dict(pii.entities) or dict(DEFAULT_ENTITIES)
    analyzer = build_analyzer(pii.language, thresholds)
    allow = AllowList([*pii.allow_list, *protected])
    return Redactor(
        analyzer, pii, allow=allow, secret=secret or new_secret(), thresholds=thresholds
    )
