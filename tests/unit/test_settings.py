"""Tests for careguard.settings: serve flags, CAREGUARD_* variables, worker hand-over."""

from __future__ import annotations

import argparse

import pytest

from careguard.errors import InputError
from careguard.settings import PSEUDONYM_KEY_ENV, ServeSettings, add_arguments


def parse(argv: list[str], env: dict[str, str]) -> ServeSettings:
    p = argparse.ArgumentParser()
    add_arguments(p, env)
    return ServeSettings.from_args(p.parse_args(argv))


def test_environment_sets_the_defaults() -> None:
    """Each CAREGUARD_* variable is the default of its flag."""
    env = {"CAREGUARD_PORT": "9000", "CAREGUARD_UPSTREAM": "http://127.0.0.1:1",
           "CAREGUARD_WORKERS": "3", "CAREGUARD_UPSTREAM_KEY": "k"}
    s = parse([], env)
    assert (s.port, s.upstream, s.workers, s.upstream_key) == (9000, "http://127.0.0.1:1", 3, "k")


def test_flags_override_the_environment() -> None:
    """A flag on the command line wins over its environment variable."""
    assert parse(["--port", "7000"], {"CAREGUARD_PORT": "9000"}).port == 7000


@pytest.mark.parametrize(
    "kwargs",
    [{"upstream": "ftp://host"}, {"upstream": "api.openai.com"}, {"port": 0}, {"workers": 0}],
)
def test_bad_settings_are_input_errors(kwargs: dict[str, object]) -> None:
    """An upstream that is not http(s) or 'echo', a bad port or worker count is refused."""
    with pytest.raises(InputError):
        ServeSettings(**kwargs)  # type: ignore[arg-type]  # deliberately wrong values


def test_upstream_key_is_never_in_the_repr() -> None:
    """The configured upstream key does not appear when settings are printed or logged."""
    assert "sk-secret" not in repr(ServeSettings(upstream_key="sk-secret"))


def test_workers_get_the_settings_and_one_pseudonym_key() -> None:
    """to_env hands settings to workers and makes one key, kept if already set."""
    env: dict[str, str] = {}
    ServeSettings(port=8123, upstream="http://127.0.0.1:9").to_env(env)
    key = env[PSEUDONYM_KEY_ENV]
    assert ServeSettings.from_env(env) == ServeSettings(port=8123, upstream="http://127.0.0.1:9")
    ServeSettings().to_env(env)
    assert env[PSEUDONYM_KEY_ENV] == key
    assert len(bytes.fromhex(key)) == 32
