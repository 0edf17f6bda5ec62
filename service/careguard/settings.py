"""Serve settings: from ``careguard serve`` flags, each with a ``CAREGUARD_*`` environment variable.

With several workers, the parent writes the settings back into the environment
(:meth:`ServeSettings.to_env`) and each worker reads them (:meth:`ServeSettings.from_env`);
the pseudonym HMAC key is generated once in the parent so every worker derives the same
placeholders for one conversation.
"""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field, replace

from careguard.errors import InputError

__all__ = ["ECHO", "PSEUDONYM_KEY_ENV", "ServeSettings", "add_arguments"]

ECHO = "echo"
PSEUDONYM_KEY_ENV = "CAREGUARD_PSEUDONYM_KEY"
_ENV = {
    "host": "CAREGUARD_HOST",
    "port": "CAREGUARD_PORT",
    "workers": "CAREGUARD_WORKERS",
    "policy": "CAREGUARD_POLICY",
    "upstream": "CAREGUARD_UPSTREAM",
    "upstream_key": "CAREGUARD_UPSTREAM_KEY",
    "keys_file": "CAREGUARD_KEYS_FILE",
}


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """How ``careguard serve`` runs."""

    host: str = "127.0.0.1"
    """Interface to listen on."""
    port: int = 8080
    """TCP port to listen on."""
    workers: int = 1
    """uvicorn worker processes."""
    policy: str | None = None
    """Policy file; None means the shipped default."""
    upstream: str = ECHO
    """Base URL of the LLM API (``https://api.openai.com``) or ``echo``. Never from a request."""
    upstream_key: str | None = field(default=None, repr=False)
    """Key sent upstream instead of the client's credentials; never echoed or logged."""
    keys_file: str | None = None
    """Client API keys (SHA-256 digests, a policy per key); None: no client keys asked."""

    def __post_init__(self) -> None:
        if self.upstream != ECHO and not self.upstream.startswith(("http://", "https://")):
            raise InputError("--upstream must be an http(s) base URL or 'echo'")
        if not 0 < self.port < 65536:
            raise InputError("--port must be between 1 and 65535")
        if self.workers < 1:
            raise InputError("--workers must be at least 1")
        if self.keys_file and self.upstream != ECHO and not self.upstream_key:
            # the client's credentials are careguard's key then: never forwarded upstream
            raise InputError("--keys-file needs --upstream-key (client keys are not forwarded)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServeSettings:
        env = os.environ if env is None else env
        return cls(
            host=env.get(_ENV["host"]) or "127.0.0.1",
            port=_int(env.get(_ENV["port"]), 8080, "CAREGUARD_PORT"),
            workers=_int(env.get(_ENV["workers"]), 1, "CAREGUARD_WORKERS"),
            policy=env.get(_ENV["policy"]) or None,
            upstream=env.get(_ENV["upstream"]) or ECHO,
            upstream_key=env.get(_ENV["upstream_key"]) or None,
            keys_file=env.get(_ENV["keys_file"]) or None,
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ServeSettings:
        return cls(
            host=args.host, port=args.port, workers=args.workers, policy=args.policy,
            upstream=args.upstream, upstream_key=args.upstream_key,
            keys_file=getattr(args, "keys_file", None),
        )

    def to_env(self, env: MutableMapping[str, str]) -> None:
        """Write these settings (and a pseudonym key, once) for worker processes."""
        env[_ENV["host"]] = self.host
        env[_ENV["port"]] = str(self.port)
        env[_ENV["workers"]] = str(self.workers)
        env[_ENV["upstream"]] = self.upstream
        if self.policy:
            env[_ENV["policy"]] = self.policy
        if self.upstream_key:
            env[_ENV["upstream_key"]] = self.upstream_key
        if self.keys_file:
            env[_ENV["keys_file"]] = self.keys_file
        env.setdefault(PSEUDONYM_KEY_ENV, secrets.token_hex(32))

    def with_upstream(self, upstream: str) -> ServeSettings:
        return replace(self, upstream=upstream)


def _int(raw: str | None, default: int, name: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"{name} must be an integer") from None


def add_arguments(p: argparse.ArgumentParser, env: Mapping[str, str] | None = None) -> None:
    """The ``serve`` flags; each default comes from its environment variable."""
    env = os.environ if env is None else env

    def dflt(name: str, fallback: str | None) -> str | None:
        return env.get(_ENV[name]) or fallback

    # argparse applies ``type`` to string defaults, so a bad env value is a one-line error
    p.add_argument("--host", default=dflt("host", "127.0.0.1"),
                   help="listen address [CAREGUARD_HOST]")
    p.add_argument("--port", type=int, default=dflt("port", "8080"),
                   help="listen port [CAREGUARD_PORT]")
    p.add_argument("--workers", type=int, default=dflt("workers", "1"),
                   help="worker processes [CAREGUARD_WORKERS]")
    p.add_argument("--policy", default=dflt("policy", None),
                   help="policy file (default: the shipped one) [CAREGUARD_POLICY]")
    p.add_argument("--upstream", default=dflt("upstream", ECHO),
                   help="LLM API base URL, or 'echo' [CAREGUARD_UPSTREAM]")
    p.add_argument("--upstream-key", default=dflt("upstream_key", None),
                   help="key sent upstream instead of the client's [CAREGUARD_UPSTREAM_KEY]")
    p.add_argument("--keys-file", default=dflt("keys_file", None), metavar="FILE",
                   help="client API keys (SHA-256 digests, optional policy per key) "
                        "[CAREGUARD_KEYS_FILE]")
