"""Put the user's own values back into a reply, whole or as it streams.

``feed`` returns at once everything that cannot be the start of a placeholder of this request;
it holds back only a tail that is a proper prefix of one (``"<PERS"``), so at most the length
of the longest placeholder minus one character is ever held. ``flush`` releases that tail at
the end of the stream. Feeding a reply in any chunks and then flushing gives exactly what
``restore`` gives for the whole reply. Placeholders this request did not issue are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from careguard.pii.pseudonym import PLACEHOLDER_RE

__all__ = ["StreamRestorer"]


class StreamRestorer:
    """Restores placeholders → values for one reply."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._mapping = mapping
        self._pending = ""

    def restore(self, text: str) -> str:
        """``text`` with every placeholder of this request replaced by its value."""
        if not self._mapping or "<" not in text:
            return text
        return PLACEHOLDER_RE.sub(lambda m: self._mapping.get(m.group(0), m.group(0)), text)

    def feed(self, chunk: str) -> str:
        """Restore what can be restored now; hold back a possible partial placeholder."""
        buffer = self._pending + chunk
        cut = self._holdback_start(buffer)
        self._pending = buffer[cut:]
        return self.restore(buffer[:cut])

    def flush(self) -> str:
        """Release whatever is held back (the stream has ended)."""
        rest, self._pending = self._pending, ""
        return self.restore(rest)

    @property
    def held(self) -> int:
        """How many characters are held back right now."""
        return len(self._pending)

    def _holdback_start(self, buffer: str) -> int:
        """Index of the earliest tail of ``buffer`` that is a proper placeholder prefix."""
        if not self._mapping:
            return len(buffer)
        longest = max(len(p) for p in self._mapping)
        start = max(0, len(buffer) - longest + 1)
        i = buffer.find("<", start)
        while i != -1:
            tail = buffer[i:]
            if any(p.startswith(tail) and p != tail for p in self._mapping):
                return i
            i = buffer.find("<", i + 1)
        return len(buffer)
