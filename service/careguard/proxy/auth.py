"""Optional client API keys for the proxy, stored hashed, with a policy per key.

With a keys file (``careguard serve --keys-file FILE`` / ``CAREGUARD_KEYS_FILE``) every
``/v1/*`` request must present a key, as ``Authorization: Bearer KEY``, ``x-api-key: KEY``
(what the OpenAI and Anthropic SDKs send) or ``x-careguard-key: KEY``. The file holds only
SHA-256 hex digests of the keys, never the keys::

    version: 1
    keys:
      - name: companion-app            # shows up nowhere but here (no metrics/log labels)
        sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        policy: policies/strict.yaml   # optional; the service's policy otherwise

``printf %s "$KEY" | sha256sum`` gives the digest. A presented key is hashed and compared
with every stored digest by :func:`hmac.compare_digest` (no early exit, so timing says nothing
about which digest came close). A missing or unknown key is a 401 in the client's envelope.
Once checked, the client's credential headers are removed from the request, so the key can
never be forwarded upstream (the upstream gets the configured ``--upstream-key``, which a
keys file requires). The key's policy is bound to :data:`key_policy_var` for the request.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from careguard.errors import PolicyError

__all__ = ["AuthMiddleware", "ClientKey", "ClientKeys", "hash_key", "key_policy_var"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

key_policy_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "careguard_key_policy", default=None
)
"""The policy file of the key that authenticated the current request (None: the default)."""

_HEX = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
CREDENTIAL_HEADERS = frozenset({b"authorization", b"x-api-key", b"x-careguard-key"})


def hash_key(key: str) -> str:
    """The SHA-256 hex digest stored for ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ClientKey:
    name: str
    sha256: str
    policy: str | None = None


@dataclass(frozen=True, slots=True)
class ClientKeys:
    """The accepted keys (as digests) and the policy each selects."""

    keys: tuple[ClientKey, ...]

    @classmethod
    def load(cls, path: str | Path) -> ClientKeys:
        """Read a keys file; any problem is a :class:`PolicyError` naming the file and field."""
        source = str(path)
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise PolicyError(source, f"cannot read file ({exc.strerror})") from None
        except yaml.YAMLError:
            raise PolicyError(source, "not valid YAML") from None
        if not isinstance(data, dict) or data.get("version") != 1:
            raise PolicyError(source, "expected a mapping with version: 1")
        raw = data.get("keys")
        if not isinstance(raw, list) or not raw:
            raise PolicyError(source, "expected a non-empty list", "$.keys")
        keys: list[ClientKey] = []
        for i, item in enumerate(raw):
            at = f"$.keys[{i}]"
            if not isinstance(item, dict) or set(item) - {"name", "sha256", "policy"}:
                raise PolicyError(source, "expected name, sha256 and optionally policy", at)
            name, digest, policy = item.get("name"), item.get("sha256"), item.get("policy")
            if not isinstance(name, str) or not _NAME.match(name):
                raise PolicyError(source, "expected a short name (letters, digits, ._-)",
                                  f"{at}.name")  # fmt: skip
            if not isinstance(digest, str) or not _HEX.match(digest.lower()):
                raise PolicyError(source, "expected a SHA-256 hex digest (64 hex digits)",
                                  f"{at}.sha256")  # fmt: skip
            if policy is not None and not isinstance(policy, str):
                raise PolicyError(source, "expected a policy file path", f"{at}.policy")
            if policy is not None and not Path(policy).is_absolute():
                policy = str(Path(path).parent / policy)
            keys.append(ClientKey(name, digest.lower(), policy))
        if len({k.sha256 for k in keys}) != len(keys):
            raise PolicyError(source, "the same key digest appears twice", "$.keys")
        return cls(tuple(keys))

    @property
    def policies(self) -> frozenset[str]:
        """Every policy file some key selects."""
        return frozenset(k.policy for k in self.keys if k.policy)

    def match(self, presented: str) -> ClientKey | None:
        """The entry for ``presented``; compares with every digest, in constant time each."""
        digest = hash_key(presented).encode()
        found: ClientKey | None = None
        for key in self.keys:
            if hmac.compare_digest(digest, key.sha256.encode()):
                found = key
        return found


def presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key a client sent (``x-careguard-key``, else bearer token, else ``x-api-key``)."""
    found: dict[bytes, bytes] = {k.lower(): v for k, v in headers if k.lower() in
                                 CREDENTIAL_HEADERS}  # fmt: skip
    raw = found.get(b"x-careguard-key")
    if raw is None and b"authorization" in found:
        scheme, _, token = found[b"authorization"].partition(b" ")
        raw = token.strip() if scheme.lower() == b"bearer" else None
    if raw is None:
        raw = found.get(b"x-api-key")
    if not raw:
        return None
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return None


class AuthMiddleware:
    """Pure ASGI: ``/v1/*`` needs a known key; probes and ``/metrics`` stay open."""

    def __init__(self, app: ASGIApp, keys: ClientKeys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        presented = presented_key(scope["headers"])
        key = self.keys.match(presented) if presented is not None else None
        if key is None:
            await _unauthorized(scope, send, missing=presented is None)
            return
        scope["headers"] = [(k, v) for k, v in scope["headers"]
                            if k.lower() not in CREDENTIAL_HEADERS]  # fmt: skip
        token = key_policy_var.set(key.policy)
        try:
            await self.app(scope, receive, send)
        finally:
            key_policy_var.reset(token)


async def _unauthorized(scope: Scope, send: Send, *, missing: bool) -> None:
    message = "an API key is required" if missing else "the API key is not valid"
    if str(scope.get("path", "")).rstrip("/").endswith("/messages"):
        body: dict[str, Any] = {"type": "error", "error": {"type": "authentication_error",
                                                           "message": message}}  # fmt: skip
    else:
        body = {"error": {"message": message, "type": "invalid_request_error",
                          "code": "invalid_api_key"}}  # fmt: skip
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        (b"www-authenticate", b'Bearer realm="careguard"')]})  # fmt: skip
    await send({"type": "http.response.body", "body": payload})
