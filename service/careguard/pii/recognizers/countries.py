"""Country names, and the town line written just above a country line.

spaCy's small model misses country names in headlines ("Uruguay leader gives …") and calls
some of them people ("from Cyprus"). This recognizer finds the English names of countries,
capitalised or in capitals, as LOCATION. Names that are as often a person's name or an
ordinary word ("Jordan", "Chad", "Georgia", "Turkey", "China", "Jersey") are left out.

An address block ends with the town and then the country, each on its own line or part
("Chiclana de la Frontera | Spain"): when a country stands alone on its line, the line above
it is taken as a LOCATION too, if it is only capitalised words.
"""

from __future__ import annotations

import re
from typing import Any

from careguard.pii.recognizers._regex import RegexRecognizer
from careguard.pii.words import NOT_A_NAME

__all__ = ["COUNTRIES", "CountryRecognizer"]

COUNTRIES = (
    "Afghanistan|Albania|Algeria|Andorra|Angola|Argentina|Armenia|Australia|Austria|"
    "Azerbaijan|Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|"
    "Bolivia|Bosnia and Herzegovina|Bosnia|Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|"
    "Burundi|Cambodia|Cameroon|Canada|Cape Verde|Chile|Colombia|Comoros|Costa Rica|"
    "Croatia|Cuba|Cyprus|Czech Republic|Czechia|Denmark|Djibouti|Dominican Republic|"
    "Ecuador|Egypt|El Salvador|England|Eritrea|Estonia|Eswatini|Ethiopia|Fiji|Finland|"
    "France|Gabon|Gambia|Germany|Ghana|Greece|Greenland|Grenada|Guatemala|Guyana|Haiti|"
    "Honduras|Hong Kong|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|"
    "Ivory Coast|Jamaica|Japan|Kazakhstan|Kenya|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|"
    "Lebanon|Lesotho|Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|"
    "Malaysia|Maldives|Mali|Malta|Mauritania|Mauritius|Mexico|Moldova|Monaco|Mongolia|"
    "Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nepal|Netherlands|New Zealand|"
    "Nicaragua|Nigeria|North Korea|North Macedonia|Northern Ireland|Norway|Oman|Pakistan|"
    "Palestine|Panama|Papua New Guinea|Paraguay|Peru|Philippines|Poland|Portugal|"
    "Puerto Rico|Qatar|Romania|Russia|Rwanda|Saudi Arabia|Scotland|Senegal|Serbia|"
    "Seychelles|Sierra Leone|Singapore|Slovakia|Slovenia|Somalia|South Africa|"
    "South Korea|South Sudan|Spain|Sri Lanka|Sudan|Suriname|Sweden|Switzerland|Syria|"
    "Taiwan|Tajikistan|Tanzania|Thailand|Tunisia|Turkmenistan|Uganda|Ukraine|"
    "United Arab Emirates|United Kingdom|United States of America|United States|Uruguay|"
    "Uzbekistan|Venezuela|Vietnam|Viet Nam|Wales|Yemen|Zambia|Zimbabwe"
)
"""English names; the longer of two overlapping names comes first ("Bosnia and
Herzegovina" before "Bosnia")."""

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я"
_COUNTRY = re.compile(rf"(?<![\w-])(?:{COUNTRIES})(?![\w-])")
_COUNTRY_CAPS = re.compile(rf"(?<![\w-])(?:{COUNTRIES.upper()})(?![\w-])")
_TOWN_LINE = re.compile(
    rf"[{_UP}][\w'’.()-]*(?:[ \t]+(?:[{_UP}][\w'’.()-]*|de|del|la|le|du|da|do|di|am|an|im|"
    rf"sur|en|y)(?![\w'’])){{0,4}}"
)


class CountryRecognizer(RegexRecognizer):
    """Country names, and the town line above a country that stands on its own line."""

    ENTITY = "LOCATION"
    NAME = "CountryRecognizer"
    SCORE = 0.7
    TOWN_SCORE = 0.7

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if self.ENTITY not in entities:
            return []
        results = []
        for rx in (_COUNTRY, _COUNTRY_CAPS):
            for m in rx.finditer(text):
                results.append(self._result(m.start(), m.end(), self.SCORE, "country"))
                town = self._town_above(text, m.start(), m.end())
                if town is not None:
                    results.append(self._result(*town, self.TOWN_SCORE, "town above a country"))
        return results

    @staticmethod
    def _town_above(text: str, start: int, end: int) -> tuple[int, int] | None:
        """The town line or part right above a country alone on its line or part."""
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if text[line_start:start].strip(" \t|>*-?") or text[end:line_end].strip(" \t.|"):
            return None  # the country is not alone on its line
        pos = line_start - 1
        while pos > 0:  # the nearest non-empty line above
            prev_start = text.rfind("\n", 0, pos) + 1
            line = text[prev_start:pos]
            stripped = line.strip(" \t|>*-?")
            if stripped:
                offset = prev_start + line.index(stripped)
                town = _TOWN_LINE.fullmatch(stripped)
                if town is None or stripped.lower() in NOT_A_NAME:
                    return None
                return offset, offset + len(stripped)
            pos = prev_start - 1
        return None
