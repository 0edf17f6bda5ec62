"""careguard.proxy.auth: the keys file, constant-time matching, and which header holds a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from careguard.errors import InputError, PolicyError
from careguard.proxy.auth import ClientKey, ClientKeys, hash_key, presented_key
from careguard.settings import ServeSettings

DIGEST = hash_key("sk-client-one")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "keys.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hash_key_is_sha256_hex() -> None:
    """The stored form of a key is its SHA-256 hex digest."""
    assert hash_key("test") == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def test_a_keys_file_loads_with_policies_relative_to_it(tmp_path: Path) -> None:
    """Entries load with lower-cased digests; a relative policy path is the file's sibling."""
    keys = ClientKeys.load(write(tmp_path, f"version: 1\nkeys:\n  - name: app\n    sha256: "
                                           f"{DIGEST.upper()}\n    policy: strict.yaml\n"))
    assert keys.keys[0].sha256 == DIGEST
    assert keys.policies == {str(tmp_path / "strict.yaml")}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("keys: []", "$"),
        ("version: 1\nkeys: []", "$.keys"),
        ("version: 1\nkeys:\n  - name: a\n    sha256: abc", "$.keys[0].sha256"),
        ("version: 1\nkeys:\n  - name: 'a b'\n    sha256: " + DIGEST, "$.keys[0].name"),
        ("version: 1\nkeys:\n  - name: a\n    key: sk-plain", "$.keys[0]"),
        ("version: 1\nkeys:\n  - name: a\n    sha256: " + DIGEST + "\n    policy: 5",
         "$.keys[0].policy"),
        (f"version: 1\nkeys:\n  - {{name: a, sha256: {DIGEST}}}\n  - {{name: b, sha256: {DIGEST}}}",
         "$.keys"),
        ("version: 1\nkeys: [", "$"),
    ],
    ids=["no-version", "empty", "short-digest", "bad-name", "plain-key-field", "policy-type",
         "duplicate", "not-yaml"],
)
def test_a_bad_keys_file_names_the_field(tmp_path: Path, text: str, where: str) -> None:
    """Every problem in a keys file is a PolicyError naming the $.path (plain keys refused)."""
    with pytest.raises(PolicyError) as info:
        ClientKeys.load(write(tmp_path, text))
    assert info.value.path == where


def test_a_missing_keys_file_is_a_policy_error(tmp_path: Path) -> None:
    """A keys file that cannot be read stops start-up with a PolicyError."""
    with pytest.raises(PolicyError, match="cannot read"):
        ClientKeys.load(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("presented", "name"), [("sk-client-one", "one"), ("sk-client-two", "two"),
                            ("sk-client-thre", None), ("", None)],
)
def test_match_finds_the_entry_of_a_known_key(presented: str, name: str | None) -> None:
    """A known key gives its entry; an unknown or empty one gives None."""
    keys = ClientKeys((ClientKey("one", DIGEST), ClientKey("two", hash_key("sk-client-two"))))
    entry = keys.match(presented)
    assert (entry.name if entry else None) == name


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ([(b"authorization", b"Bearer sk-a")], "sk-a"),
        ([(b"Authorization", b"bearer   sk-a ")], "sk-a"),
        ([(b"x-api-key", b"sk-b")], "sk-b"),
        ([(b"x-careguard-key", b"sk-c"), (b"authorization", b"Bearer sk-a")], "sk-c"),
        ([(b"authorization", b"Basic dXNlcjpwYXNz")], None),
        ([(b"x-api-key", b"\xff\xfe")], None),
        ([], None),
    ],
    ids=["bearer", "bearer-case-space", "x-api-key", "careguard-header-first", "basic",
         "not-ascii", "none"],
)
def test_presented_key_reads_the_usual_headers(
    headers: list[tuple[bytes, bytes]], key: str | None
) -> None:
    """x-careguard-key wins, then a bearer token, then x-api-key; anything else is no key."""
    assert presented_key(headers) == key


def test_client_keys_need_an_upstream_key() -> None:
    """A keys file with a real upstream and no upstream key is refused (nothing to forward)."""
    with pytest.raises(InputError, match="--upstream-key"):
        ServeSettings(upstream="https://api.openai.com", keys_file="keys.yaml")
