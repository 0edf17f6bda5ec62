"""Normalisation undoes obfuscation and leaves ordinary text alone."""

from __future__ import annotations

import pytest

from careguard.distress.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to k1ll mys3lf", "I want to kill myself"),
        ("s u i c i d e", "suicide"),
        ("k i l l m y s e l f tonight", "kill myself tonight"),
        ("k.i.l.l.m.y.s.e.l.f", "kill myself"),
        ("su\u200bic\u200bide", "suicide"),
        ("\u0455ui\u0441ide", "suicide"),
        ("ＫＩＬＬ ＭＹＳＥＬＦ", "KILL MYSELF"),
        ("𝐤𝐢𝐥𝐥 𝐦𝐲𝐬𝐞𝐥𝐟", "kill myself"),
        ("k\u0336i\u0336l\u0336l\u0336", "kill"),
        ("I wanna diiiiie", "I wanna diie"),
        ("I don\u2019t want to die", "I don't want to die"),
        ("I\u2018m fine, I\u02bcll live", "I'm fine, I'll live"),
    ],
)
def test_obfuscation_is_undone(text: str, expected: str) -> None:
    """Leetspeak, spacing, zero-width, confusable and styled letters are normalised."""
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    ["I have an mp3 b4 2day", "U.S.A. is big", "I a m ok", "café résumé", "Meet at 5pm, room 101"],
)
def test_ordinary_text_is_unchanged(text: str) -> None:
    """Text without obfuscation of risk words passes through unchanged."""
    assert normalize(text) == text
