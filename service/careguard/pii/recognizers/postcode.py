"""Postcodes, reported as part of a STREET_ADDRESS — presidio has no recognizer for them.

Shapes that are postcodes on their own (UK "NW1 6XE", Canadian "M5V 2T6", Irish Eircodes
"D02 X285", US ZIP+4 "62704-1234") are taken as they are, in capitals. Shapes that are also
ordinary numbers (a US ZIP, Australian, German, French, Spanish, Italian and Indian codes, the
Dutch "1012 LG") count only where an address puts them: after a US state or Australian state
code ("NY 10022", "NSW 2000"), between a comma or line start and a capitalised town ("10115
Berlin"), after a town that closes an address part (", Mumbai 400020"), or after a word that
names them ("postcode", "zip", "PIN code", "PLZ", "Eircode"), in any case.
"""

from __future__ import annotations

from careguard.pii.recognizers._regex import RegexPattern, RegexRecognizer

__all__ = ["POSTCODE", "PostcodeRecognizer"]

_UK = r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}"
_CA = r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d"
_EIRCODE = (  # routing key, then four characters with at least one letter
    r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?(?=[0-9AC-FHKNPRTV-Y]{0,3}[AC-FHKNPRTV-Y])"
    r"[0-9AC-FHKNPRTV-Y]{4}"
)
_ZIP4 = r"\d{5}-\d{4}"
_NL = r"[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}"
_NUMERIC = r"\d{4,6}|\d{3} \d{3}"
POSTCODE = rf"{_UK}|{_CA}|{_EIRCODE}|{_ZIP4}|{_NL}|{_NUMERIC}"
"""Any postcode shape this module knows (capitals; used by the address-places recognizer)."""

_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    "NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_AU_STATES = "NSW|VIC|QLD|SA|WA|TAS|NT|ACT"
_TOWN = r"[A-ZÀ-ÖØ-Þ][a-zà-ÿ'’-]+"
_NAMED_BY = (
    r"post ?code|postal ?code|zip(?: ?code)?|pin ?code|pincode|plz|cap|code postal|"
    r"c[oó]digo postal|eircode|postleitzahl"
)

PATTERNS = (
    RegexPattern("UK postcode", rf"(?<![\w-])(?:{_UK})(?![\w-])", 0.6),
    RegexPattern("Canadian postal code", rf"(?<![\w-])(?:{_CA})(?![\w-])", 0.6),
    RegexPattern("Eircode", rf"(?<![\w-])(?:{_EIRCODE})(?![\w-])", 0.55),
    RegexPattern("US ZIP+4", rf"(?<![\w-])(?:{_ZIP4})(?![\w-])", 0.55),
    RegexPattern(
        "US state and ZIP", rf"(?<![\w-])(?:{_US_STATES}),?[ ]\d{{5}}(?:-\d{{4}})?(?![\w-])", 0.6
    ),
    RegexPattern("Australian state and postcode", rf"\b(?:{_AU_STATES}),?[ ]\d{{4}}\b", 0.6),
    RegexPattern(
        "postcode before a town",
        rf"(?m)(?:^|,)[ \t]*((?:{_NL}|\d{{4,5}}))[ ]+{_TOWN}\b",
        0.6,
        group=1,
    ),
    RegexPattern(
        "town and postcode closing an address part",
        rf"(?m)(?:^|,)[ \t]*{_TOWN}(?:[ ]+{_TOWN})?[ ]*-?[ ]*(\d{{4,6}}|\d{{3}} \d{{3}})"
        rf"(?=[ \t]*(?:$|[,.;\n]))",
        0.55,
        group=1,
    ),
    RegexPattern(
        "named postcode",
        rf"(?i:\b(?:{_NAMED_BY})\b(?:[ ]+(?:is|was|of))?[ ]*[:#-]?[ ]*)"
        rf"((?i:{_UK}|{_CA}|{_EIRCODE})|{_ZIP4}|\d{{4,6}}|\d{{3}} \d{{3}}|(?i:{_NL}))(?![\w-])",
        0.65,
        group=1,
    ),
)


class PostcodeRecognizer(RegexRecognizer):
    """Postcodes of the shapes in :data:`PATTERNS`, as STREET_ADDRESS."""

    ENTITY = "STREET_ADDRESS"
    NAME = "PostcodeRecognizer"
    PATTERNS = PATTERNS
