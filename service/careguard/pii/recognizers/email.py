"""Email addresses, validated against tldextract's bundled public-suffix snapshot.

presidio's ``EmailRecognizer`` calls ``tldextract.extract``, whose module-level extractor
downloads the public-suffix list on first use. This subclass keeps presidio's pattern and
validation but uses its own extractor that never touches the network.
"""

from __future__ import annotations

from typing import Any

import tldextract
from presidio_analyzer.predefined_recognizers import EmailRecognizer

__all__ = ["OfflineEmailRecognizer"]


class OfflineEmailRecognizer(EmailRecognizer):
    """presidio's email recognizer with an offline public-suffix lookup."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(name="OfflineEmailRecognizer", **kwargs)
        # No URLs and no cache directory: the snapshot shipped inside tldextract is used.
        self._extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        self._extract("warm.example.org")  # parse the snapshot now, not on the first message

    def validate_result(self, pattern_text: str) -> bool:
        return bool(self._extract(pattern_text).fqdn)
