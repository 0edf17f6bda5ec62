"""Street addresses — presidio has no recognizer for them.

Declared as data: each pattern is a name, a regular expression and a score. The shapes are
general address grammar, not samples: a house number before capitalised words ending in a
street-type word ("221B Baker Street", "615 Benedum Drive, Apt. 4"), a continental street name
with its street-type ending and a number after it ("Vesterskovvej 79", "Feldstrasse 42"), a
street-type word first with a number on either side ("63 Rue de Kairouan", "Avenida Pedro
Ulisses 888"), unit designators ("Suite 408") and post-office / military boxes. Capitalisation
is required for the name words, so "5 miles down the road" is not an address.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

__all__ = ["PATTERNS", "StreetAddressRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"  # upper-case Latin letters, with the common accented ones
_WORD = rf"[{_UP}][\w'’.-]*"

# Street-type words (USPS suffixes, British and Commonwealth usage), full and abbreviated.
_SUFFIXES = (
    "Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
    "Terrace|Ter|Way|Close|Crescent|Cres|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir|"
    "Trail|Trl|Row|Mews|Walk|Grove|Gardens|Gdns|Hill|Hills|Rise|Park|Plaza|Alley|Loop|Path|"
    "Pike|Rapids|Pass|Point|Ridge|Run|View|Vista|Crossing|Green|Heights|Junction|Landing|"
    "Meadow|Meadows|Mill|Mills|Port|Harbor|Harbour|Ferry|Fork|Forks|Falls|Estates?|Fields?|"
    "Glen|Hollow|Islands?|Knolls?|Lakes?|Manor|Orchard|Pines|Shores?|Springs?|Station|"
    "Summit|Trace|Track|Turnpike|Valley|Village|Wells?|Wharf|Woods?|Creek|Brook|Bridge|Cove|"
    "Bend|Canyon|Cape|Causeway|Center|Centre|Common|Corners?|Course|Curve|Dale|Expressway|"
    "Extension|Flats?|Ford|Forest|Freeway|Gateway|Haven|Inlet|Key|Lodge|Mall|Motorway|"
    "Mount|Mountain|Oval|Ranch|Spur|Stream|Tunnel|Underpass|Viaduct|Wynd|Parade|Esplanade|"
    "Quay|Embankment|Broadway|Promenade|Avenue"
)
# Continental street-name endings written onto the name ("Feldstrasse", "Vesterskovvej").
_ENDINGS = (
    "vej|gade|gata|gatan|vägen|väg|veien|vegen|vei|straße|strasse|str\\.|weg|laan|straat|"
    "plein|gasse|katu|tie|kuja|polku|braut|stræde|allé|allee|torget|torg|platz|ring|damm|"
    "ufer|markt|kade|singel|dreef|steig|pfad|gränd|stígur|vegur|gata|utca|iela|tänav|gatve|"
    "cesta|ulice|straten"
)
# Separate street-type words that come before or after the name in other languages.
_PREFIXES = (
    "Rue|Avenue|Avenida|Av\\.|Rua|Via|Viale|Vicolo|Calle|Carrer|Camino|Paseo|Plaza|Piazza|"
    "Corso|Largo|Boulevard|Bd|Chemin|Allée|Impasse|Quai|Travessa|Praça|Rambla|Ronda|"
    "ul\\.|ulica|Ulica|Strada|Jalan|Jl\\."
)
_SEPARATE_ENDINGS = "gate|gata|vej|vei|veien|weg|straat|laan|tie|katu|utca|ulica|út"
_HOUSE = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|Rm)\.?\s*#?\s*\d{1,5}[A-Za-z]?"
_TAIL = rf"(?:,?[ \t]+(?:{_UNIT}|\#\s*\d{{1,5}}))*"
_DIRECTION = r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)?"
_LOWER_LINK = "de|del|la|le|les|des|du|da|do|dos|das|di|della|von|van|der|den|am|an|zum|zur"

PATTERNS: tuple[tuple[str, str, float], ...] = (
    (
        "house number, name, street type",
        rf"\b{_HOUSE},?\s+{_DIRECTION}(?:(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))\s+){{1,4}}"
        rf"(?:{_SUFFIXES})\b\.?{_TAIL}",
        0.65,
    ),
    (
        "street name with ending, house number",
        rf"\b(?:{_HOUSE}\s+)?[{_UP}][\w'’-]*(?:{_ENDINGS})\s*{_HOUSE}\b{_TAIL}",
        0.6,
    ),
    (
        "name, separate street type, house number",
        rf"\b[{_UP}][\w'’-]+\s+(?:{_SEPARATE_ENDINGS})\s+{_HOUSE}\b{_TAIL}",
        0.6,
    ),
    (
        "house number, street type, name",
        rf"\b{_HOUSE},?\s+(?:{_PREFIXES})\s+(?:(?:{_LOWER_LINK}|{_WORD})\s+){{0,4}}{_WORD}"
        rf"{_TAIL}",
        0.6,
    ),
    (
        "street type, name, house number",
        rf"\b(?:{_PREFIXES})\s+(?:(?:{_LOWER_LINK}|{_WORD})\s+){{0,4}}{_WORD},?\s+{_HOUSE}\b"
        rf"{_TAIL}",
        0.6,
    ),
    ("unit", rf"\b{_UNIT}\b", 0.5),
    (
        "post-office or military box",
        r"\b(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|(?:PSC|Unit|USNS\s+\w+|USNV\s+\w+|USS\s+\w+)"
        r"(?:\s+\d{1,5})?,?\s+Box)\s+\d{1,6}(?:\s+(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5})?",
        0.7,
    ),
)


class StreetAddressRecognizer(LocalRecognizer):
    """Finds street addresses with the patterns in :data:`PATTERNS`."""

    ENTITY = "STREET_ADDRESS"
    NAME = "StreetAddressRecognizer"

    def __init__(self, *, supported_language: str = "en", **kwargs: Any) -> None:
        self._patterns = [(name, re.compile(rx), score) for name, rx, score in PATTERNS]
        super().__init__(
            supported_entities=[self.ENTITY],
            name=self.NAME,
            supported_language=supported_language,
            context=["address", "live", "lives", "living", "street", "located", "apartment"],
            **kwargs,
        )

    def load(self) -> None:
        """Nothing to load: the patterns are compiled in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if self.ENTITY not in entities:
            return []
        results: list[Any] = []
        for name, rx, score in self._patterns:
            for m in rx.finditer(text):
                end = m.end()
                while end > m.start() and text[end - 1] in " \t,":
                    end -= 1
                results.append(
                    RecognizerResult(
                        entity_type=self.ENTITY,
                        start=m.start(),
                        end=end,
                        score=score,
                        analysis_explanation=AnalysisExplanation(
                            recognizer=self.NAME, original_score=score, pattern_name=name
                        ),
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.NAME,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return results
