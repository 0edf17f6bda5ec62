"""The user's country from what a client sends (a header or a request field).

Accepted: ISO 3166-1 alpha-2 codes (any case, ``UK`` for ``GB``), and for the countries the
shipped crisis-resource directory covers their alpha-3 codes (``USA``, ``GBR``) and common
English names (``United Kingdom``, ``the Netherlands``). Anything else resolves to the policy's
``default_country`` with a warning in the log; the value itself is logged only when it is
shaped like an alpha-2 code (two letters), since anything longer may be what a user typed.

:func:`normalize_country` is the pure mapping (None for no country); :func:`user_country` is
what the transports call on each request.
"""

from __future__ import annotations

import logging
import re

__all__ = ["ISO_3166", "alpha3_codes", "normalize_country", "user_country"]

log = logging.getLogger("careguard.country")

ISO_3166 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 -- a 249-code table reads better as text
)
"""ISO 3166-1 alpha-2: the 249 officially assigned codes."""

# alpha-2: (alpha-3, English names). The directory's countries; a test keeps them covered.
_COUNTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "AU": ("AUS", ("Australia",)),
    "BE": ("BEL", ("Belgium", "Belgique", "België")),
    "BR": ("BRA", ("Brazil", "Brasil")),
    "CA": ("CAN", ("Canada",)),
    "DE": ("DEU", ("Germany", "Deutschland")),
    "DK": ("DNK", ("Denmark", "Danmark")),
    "ES": ("ESP", ("Spain", "España")),
    "FI": ("FIN", ("Finland", "Suomi")),
    "FR": ("FRA", ("France",)),
    "GB": ("GBR", ("United Kingdom", "United Kingdom of Great Britain and Northern Ireland",
                   "Great Britain", "Britain", "England", "Scotland", "Wales",
                   "Northern Ireland")),
    "IE": ("IRL", ("Ireland", "Republic of Ireland", "Éire")),
    "IN": ("IND", ("India",)),
    "IT": ("ITA", ("Italy", "Italia")),
    "JP": ("JPN", ("Japan",)),
    "KR": ("KOR", ("South Korea", "Korea", "Republic of Korea")),
    "MX": ("MEX", ("Mexico", "México")),
    "NL": ("NLD", ("Netherlands", "Holland", "Nederland")),
    "NO": ("NOR", ("Norway", "Norge")),
    "NZ": ("NZL", ("New Zealand", "Aotearoa")),
    "PH": ("PHL", ("Philippines",)),
    "SE": ("SWE", ("Sweden", "Sverige")),
    "SG": ("SGP", ("Singapore",)),
    "US": ("USA", ("United States", "United States of America", "America")),
    "ZA": ("ZAF", ("South Africa",)),
}
_SPACES = re.compile(r"[\s_]+")
_CODE_SHAPED = re.compile(r"^[A-Za-z]{2}$")


def _key(text: str) -> str:
    key = _SPACES.sub(" ", text.replace(".", "")).strip().upper()
    return key[4:] if key.startswith("THE ") else key


_NAMES: dict[str, str] = {"UK": "GB"}  # "UK" is exceptionally reserved for the United Kingdom
for _cc, (_a3, _names) in _COUNTRIES.items():
    _NAMES[_a3] = _cc
    _NAMES.update({_key(n): _cc for n in _names})


def alpha3_codes() -> dict[str, str]:
    """The alpha-3 codes careguard maps, to their alpha-2 codes."""
    return {a3: cc for cc, (a3, _) in _COUNTRIES.items()}


def normalize_country(value: str | None) -> str | None:
    """An assigned alpha-2 code for ``value`` (a code or a known name), else None."""
    if not isinstance(value, str):
        return None
    key = _key(value)
    cc = _NAMES.get(key, key)
    return cc if cc in ISO_3166 else None


def user_country(raw: str | None, default: str) -> str:
    """The country for a request: ``raw`` resolved, else ``default`` (the policy's).

    No value is the normal case and silent; a value that names no country is logged (its
    text only when it has the shape of an alpha-2 code, e.g. ``XX``) and falls back to
    ``default``.
    """
    cc = normalize_country(raw)
    if cc is not None:
        return cc
    fallback = normalize_country(default) or default
    if raw is not None and raw.strip():
        shaped = bool(_CODE_SHAPED.match(raw.strip()))
        log.warning("unknown country; resources for the policy default are used", extra={
            "country": raw.strip().upper() if shaped else "not-a-code",
        })  # fmt: skip
    return fallback
