"""Stable, keyed placeholders for one conversation, held for one request only.

A value's placeholder is derived from the value itself, ``HMAC-SHA256(secret, conversation key,
entity type, value)``, written as ``<PERSON_7F3K>`` (four Crockford base-32 characters). So the
same value gets the same placeholder in every message of a conversation and in every request of
that conversation (clients resend the history), without any state kept between requests; another
conversation, or another secret, gives unrelated placeholders.

A :class:`PseudonymSession` lives for one request and holds only that request's
placeholder → value map, which the restorer uses to put the user's values back into the reply.
When two different values of one type collide on the same four characters in a session, the
value seen first keeps them and the later one takes a longer code from its own digest. That is
deterministic, and stable across requests because a conversation's history is resent in the
same order (a value first seen earlier in the history is still seen first).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from careguard.errors import PolicyError
from careguard.pii.spans import Finding

if TYPE_CHECKING:
    from careguard.pii.restorer import StreamRestorer

__all__ = ["PLACEHOLDER_RE", "SECRET_ENV", "PseudonymSession", "new_secret", "secret_from_env"]

SECRET_ENV = "CAREGUARD_PSEUDONYM_KEY"

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CODE_LENGTH = 4
PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*)_([0-9A-HJKMNP-TV-Z]{4,})>")
"""What a placeholder looks like: ``<TYPE_CODE>``."""


def new_secret() -> bytes:
    """A random 32-byte key (for a process without a configured ``CAREGUARD_PSEUDONYM_KEY``)."""
    return secrets.token_bytes(32)


def secret_from_env(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The placeholder key from ``CAREGUARD_PSEUDONYM_KEY`` (hex, as the service reads it).

    With a configured key, placeholders are stable across processes and restarts; without
    one (unset or empty) this returns None and :func:`careguard.pii.build_redactor` uses a
    random key. A value that is not hex raises :class:`PolicyError` naming the variable.
    """
    raw = (os.environ if environ is None else environ).get(SECRET_ENV, "")
    if not raw:
        return None
    try:
        return bytes.fromhex(raw)
    except ValueError:
        raise PolicyError(SECRET_ENV, "must be hex") from None


def _encode(digest: bytes) -> str:
    n = int.from_bytes(digest, "big")
    out = []
    for _ in range(len(digest) * 8 // 5):
        out.append(_ALPHABET[n & 31])
        n >>= 5
    return "".join(out)


class PseudonymSession:
    """Placeholders for one request of one conversation."""

    def __init__(self, secret: bytes, conversation_key: str) -> None:
        if not secret:
            raise ValueError("the pseudonym secret must not be empty")
        scope = b"careguard-conversation\x00" + conversation_key.encode("utf-8")
        # One key per conversation: HMAC(secret, conversation key) keys the value digests.
        self._key = hmac.new(secret, scope, hashlib.sha256).digest()
        self._by_placeholder: dict[str, str] = {}
        self._by_value: dict[tuple[str, str], str] = {}
        self._memory: re.Pattern[str] | None = None
        self._memory_size = 0

    def _digest(self, entity_type: str, value: str) -> bytes:
        msg = entity_type.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def placeholder(self, entity_type: str, value: str) -> str:
        """The placeholder for ``value`` of ``entity_type`` (recorded for restoring)."""
        known = self._by_value.get((entity_type, value))
        if known is not None:
            return known
        code = _encode(self._digest(entity_type, value))
        length = CODE_LENGTH
        while f"<{entity_type}_{code[:length]}>" in self._by_placeholder:
            length += 1  # a collision: this later value takes a longer code from its own digest
        candidate = f"<{entity_type}_{code[:length]}>"
        self._claim(candidate, entity_type, value)
        return candidate

    def _claim(self, placeholder: str, entity_type: str, value: str) -> None:
        self._by_placeholder[placeholder] = value
        self._by_value[(entity_type, value)] = placeholder

    def occurrences(self, text: str) -> list[Finding]:
        """Whole-word occurrences in ``text`` of values seen so far (three characters or more),
        as findings of the value's type with score 1.0 (longest values first)."""
        if len(self._by_value) != self._memory_size:
            values = sorted(
                {v for (_t, v) in self._by_value if len(v.strip()) >= 3}, key=len, reverse=True
            )
            alternatives = "|".join(re.escape(v) for v in values)
            self._memory = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if values else None
            self._memory_size = len(self._by_value)
        if self._memory is None:
            return []
        types = {v: t for (t, v) in self._by_value}
        return [
            Finding(m.start(), m.end(), types[m.group(0)], 1.0)
            for m in self._memory.finditer(text)
        ]

    @property
    def mapping(self) -> Mapping[str, str]:
        """placeholder → value for this request (read-only view)."""
        return dict(self._by_placeholder)

    def value_of(self, placeholder: str) -> str | None:
        return self._by_placeholder.get(placeholder)

    def restorer(self) -> StreamRestorer:
        """A restorer for one reply (streamed or whole)."""
        from careguard.pii.restorer import StreamRestorer

        return StreamRestorer(self._by_placeholder)

