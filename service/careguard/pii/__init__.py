"""PII redaction: presidio + spaCy (offline), extra recognizers, pseudonyms and restoring.

Build once with :func:`build_redactor`; per request, take a :class:`PseudonymSession` from
:meth:`Redactor.session`, redact each text with it, and restore the reply with
``session.restorer()``. Nothing heavy happens at import.
"""

from careguard.pii.allow_list import CRISIS_NUMBERS, AllowList
from careguard.pii.pseudonym import PseudonymSession, new_secret
from careguard.pii.redactor import Redaction, Redactor, build_redactor, mask_value
from careguard.pii.restorer import StreamRestorer
from careguard.pii.spans import Finding

__all__ = [
    "CRISIS_NUMBERS",
    "AllowList",
    "Finding",
    "PseudonymSession",
    "Redaction",
    "Redactor",
    "StreamRestorer",
    "build_redactor",
    "mask_value",
    "new_secret",
]
