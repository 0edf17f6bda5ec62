"""Tests for careguard.country: the user's country from what a client sends."""

from __future__ import annotations

import logging

import pytest

from careguard.country import alpha3_codes, user_country
from careguard.resources import ResourceDirectory


@pytest.mark.parametrize(("raw", "expected"), [
    ("GB", "GB"), ("gb", "GB"), (" de ", "DE"), ("UK", "GB"), ("uk", "GB"), ("USA", "US"),
    ("United Kingdom", "GB"), ("united states of america", "US"), ("United  States", "US"),
    ("GBR", "GB"), ("DEU", "DE"), ("Germany", "DE"), ("the Netherlands", "NL"),
    ("South Korea", "KR"), ("ZAF", "ZA"), ("PL", "PL"),
])  # fmt: skip
def test_codes_and_common_names_map_to_alpha2(raw: str, expected: str) -> None:
    """Alpha-2, alpha-3 and common English names of the directory's countries map."""
    assert user_country(raw, "US") == expected


@pytest.mark.parametrize("raw", ["XX", "ZZ", "Atlantis", "G1", "1234"])
def test_unknown_value_falls_back_to_the_policy_default(raw: str) -> None:
    """A value that names no country resolves to the policy default."""
    assert user_country(raw, "IE") == "IE"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_no_value_is_the_policy_default_without_a_log_line(
    raw: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    """No country given: the default, silently (that is the normal case)."""
    with caplog.at_level(logging.DEBUG, logger="careguard"):
        assert user_country(raw, "US") == "US"
    assert caplog.records == []


def test_unknown_code_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """An unknown code is logged (an operator sees clients sending bad codes)."""
    with caplog.at_level(logging.INFO, logger="careguard"):
        user_country("XX", "US")
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert getattr(caplog.records[0], "country", None) == "XX"


def test_unknown_free_text_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A value that is not code-shaped may be anything a user typed: it never reaches a log."""
    with caplog.at_level(logging.DEBUG, logger="careguard"):
        user_country("Jane Doe, 12 Elm Street", "US")
    assert caplog.records and "Jane" not in caplog.text
    assert all("Jane" not in str(v) for r in caplog.records for v in vars(r).values())


def test_every_directory_country_has_its_alpha3_code() -> None:
    """Each country with crisis lines in the shipped directory is reachable by alpha-3."""
    directory = ResourceDirectory.for_policy(__import__("careguard.policy").policy.load_policy())
    assert set(directory.countries) <= set(alpha3_codes().values())
