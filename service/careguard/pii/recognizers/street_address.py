"""Street addresses — presidio has no recognizer for them.

Declared as data: each pattern is a name, a regular expression and a score. The shapes are
general address grammar, not samples: a house number (or a building and a house number) before
capitalised words ending in a street-type word ("221B Baker Street", "615 Benedum Drive, Apt.
4", "935 69 Gordon Terrace"), a continental street name
with its street-type ending and a number after it ("Vesterskovvej 79", "Feldstrasse 42"), a
street-type word first with a number on either side ("63 Rue de Kairouan", "Avenida Pedro
Ulisses 888"), unit designators ("Suite 408"), post-office / military boxes, a house number and
a name after a lead-in such as "lives at", and an address line of the form number - name -
number when an address word is near. Capitalisation is required for the name words of the
street-type patterns, so "5 miles down the road" is not an address.
"""

from __future__ import annotations

from careguard.pii.recognizers._regex import RegexPattern, RegexRecognizer

__all__ = ["PATTERNS", "StreetAddressRecognizer"]

_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"  # upper-case Latin letters, with the common accented ones
_WORD = rf"[{_UP}][\w'’.-]*"

# Street-type words (USPS suffixes, British and Commonwealth usage), full and abbreviated.
_SUFFIXES = (
    "Street|St|Str|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
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
    "ul\\.|ulica|Ulica|Strada|Jalan|Jl\\.|Avda\\.|C/|Str\\."
)
_SEPARATE_ENDINGS = (
    "gate|gata|vej|vei|veien|weg|straat|laan|tie|katu|utca|ulica|út|Strasse|Straße|Str\\.|str"
)
# Street types that name a street even without a house number ("the corner of 11 Botley Road
# and Herceg Gateway"); words that are as often part of other names (Park, Hill, Green, View,
# Point, Centre, Station, ...) are left out.
_NUMBERLESS_SUFFIXES = (
    "Street|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Court|Courts|Terrace|Way|Close|"
    "Crescent|Square|Parkway|Pkwy|Highway|Hwy|Circle|Trail|Row|Mews|Grove|Gardens|Rise|Alley|"
    "Loop|Pike|Pass|Ridge|Crossing|Junction|Meadows|Mills?|Estates?|Glen|Hollow|Isle|Knolls?|"
    "Manor|Orchard|Pines|Shores?|Turnpike|Wharf|Cove|Causeway|Corners?|Dale|Expressway|Flats|"
    "Freeway|Gateway|Lodge|Mall|Motorway|Spur|Wynd|Parade|Esplanade|Quay|Embankment|"
    "Promenade|Bypass|Greens|Hills|Strasse|Straße"
)
_PLACE_PREPOSITION = (
    r"corner of|intersection of|junction of|and|on|at|along|down|off|onto|into|near|past|"
    r"opposite|via|to|from|in"
)
_NOT_A_STREET = (
    "Level|Channel|Season|Day|Week|Page|Chapter|Episode|Gate|Platform|Room|Floor|Grade|Year|"
    "Stage|Step|Round|Part|Number|No|Volume|Track|Zone|Phase|Act|Scene|Version|Windows|Route|"
    "Line|Lesson|Module|Mile|Hour|Minute|Block|Bus|Table|Seat|Row|Box|Exit|Junction"
)
_HOUSE = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|Rm)\.?\s*#?\s*\d{1,5}[A-Za-z]?"
_TAIL = rf"(?:,?[ \t]+(?:{_UNIT}|\#\s*\d{{1,5}}))*"
_DIRECTION = r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)?"
_NAME_LINE = r"[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){0,3}"
_LOWER_LINK = "de|del|la|le|les|des|du|da|do|dos|das|di|della|von|van|der|den|am|an|zum|zur"
_CAP_NAME = rf"{_WORD}(?:[ \t]+(?:{_LOWER_LINK}|{_WORD})){{0,3}}"

# Phrases after which an address follows in running text ("lives at 92597 Jahu 80, Liiva").
_FUNCTION_WORD = r"(?i:and|or|to|the|then|on|at|in|of|for|with|from|till|until|am|pm)\b"
_LEAD_IN = (
    r"(?:lives?|living|stay(?:s|ing)?|located|moved|deliver(?:ed)?|sent|send|arrived|return|"
    r"taxi|ship(?:ped)?|mail(?:ed)?|come|go|went|drive|is)\s+(?:at|on|to)|"
    r"address(?:\s+is|:)|new\s+address\s+is"
)

PATTERNS: tuple[RegexPattern, ...] = (
    RegexPattern(
        "house number, name, street type",
        rf"\b{_HOUSE}(?:[ \t]+\d{{1,5}})?,?\s+{_DIRECTION}"
        rf"(?:(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))\s+){{1,4}}"
        rf"(?:{_SUFFIXES})\b\.?{_TAIL}",
        0.65,
    ),
    RegexPattern(
        "street name with ending, house number",
        rf"\b(?:{_HOUSE}\s+)?[{_UP}][\w'’-]*(?:{_ENDINGS})\s*{_HOUSE}\b{_TAIL}",
        0.6,
    ),
    RegexPattern(
        "name, separate street type, house number",
        rf"\b[{_UP}][\w'’-]+\s+(?:{_SEPARATE_ENDINGS})\s+{_HOUSE}\b{_TAIL}",
        0.6,
    ),
    RegexPattern(
        "house number, street type, name",
        rf"\b{_HOUSE},?\s+(?:{_PREFIXES})\s+(?:(?:{_LOWER_LINK}|{_WORD})\s+){{0,4}}{_WORD}"
        rf"(?:\s+{_HOUSE}\b)?{_TAIL}",
        0.6,
    ),
    RegexPattern(
        "street type, name, house number",
        rf"(?<!\w)(?:{_PREFIXES})\s+(?:(?:{_LOWER_LINK}|{_WORD})\s+){{0,4}}{_WORD},?\s+{_HOUSE}\b"
        rf"{_TAIL}",
        0.6,
    ),
    RegexPattern(
        "line of house number, name, house number",
        # Without a leading house number the trailing number must be short: "Estonia 62031"
        # is a country and a postcode, "Aqqusinersuaq 111" a street.
        rf"(?m)^[ \t]*(?:{_HOUSE}[ \t]+{_NAME_LINE}[ \t]+{_HOUSE}|{_NAME_LINE}[ \t]+\d{{1,3}}"
        rf"[A-Za-z]?)\.?{_TAIL}[ \t]*$",
        0.0,
        0.55,
    ),
    RegexPattern(
        "house number, words, house number",
        rf"\b{_HOUSE}[ \t]+{_CAP_NAME}[ \t]+{_HOUSE}\b\.?{_TAIL}",
        0.4,
        0.6,
    ),
    RegexPattern(
        "address after a lead-in phrase",
        rf"(?i:{_LEAD_IN})\s+({_HOUSE},?(?:[ \t]+{_HOUSE})?[ \t]+"
        rf"(?:{_CAP_NAME}(?:[ \t]+{_HOUSE}\b\.?)?"
        rf"|(?!{_FUNCTION_WORD}){_NAME_LINE}[ \t]+{_HOUSE}\b\.?){_TAIL})",
        0.6,
        group=1,
    ),
    RegexPattern(
        "street name and type without a number, after a place preposition",
        rf"(?i:\b(?:{_PLACE_PREPOSITION}))[ \t]+((?:{_WORD}[ \t]+){{1,3}}"
        rf"(?:{_NUMBERLESS_SUFFIXES})\b\.?(?:[ \t]+(?:St|Street)\b\.?)?)",
        0.55,
        group=1,
    ),
    RegexPattern(
        "name and house number after a lead-in phrase",
        rf"(?i:{_LEAD_IN})\s+((?!(?:{_NOT_A_STREET})\b){_CAP_NAME}[ \t]+{_HOUSE})\b(?![.,]?\d)",
        0.55,
        group=1,
    ),
    RegexPattern("unit", rf"\b{_UNIT}\b", 0.5),
    RegexPattern(
        "post-office or military box",
        r"(?i)\b(?:P\.?\s?O\.?\s?Box|Post\s*(?:Office\s*)?Box|PSC\s+\d{1,5},?\s+Box|"
        r"Unit\s+\d{1,5},?\s+Box)\s+\d{1,6}(?:\s+(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5})?",
        0.7,
    ),
    RegexPattern(
        "military ship address",
        r"\b(?:USNS|USNV|USS|USCGC)\s+[A-Z][\w'’-]+\s+(?:FPO|APO|DPO)\s+(?:AA|AE|AP)\s+\d{5}",
        0.7,
    ),
)


class StreetAddressRecognizer(RegexRecognizer):
    """Finds street addresses with the patterns in :data:`PATTERNS`."""

    ENTITY = "STREET_ADDRESS"
    NAME = "StreetAddressRecognizer"
    PATTERNS = PATTERNS
    CONTEXT = (
        "address", "live", "lives", "living", "street", "located", "apartment", "deliver",
        "delivery", "ship", "mail", "moved", "suite", "apt", "unit",
    )  # fmt: skip
