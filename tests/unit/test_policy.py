"""Policy loading: typed, frozen, unknown keys rejected, errors name file and $.path."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from careguard.errors import PolicyError
from careguard.policy import load_policy, policy_schema_json

REPO = Path(__file__).resolve().parents[2]
POLICY_FILES = sorted((REPO / "policies").glob("*.yaml"))
POLICY_FILES = [p for p in POLICY_FILES if yaml.safe_load(p.read_text()).get("version")]


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_every_policy_file_validates_against_schema(path: Path) -> None:
    """Every policy file under policies/ validates against the committed schema."""
    schema = json.loads((REPO / "policies" / "schema.json").read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_every_policy_file_loads(path: Path) -> None:
    """Every policy file under policies/ decodes into the typed Policy."""
    assert load_policy(path).policy.version == 1


def test_committed_schema_is_generated_from_types() -> None:
    """policies/schema.json equals what the types generate."""
    assert json.loads((REPO / "policies" / "schema.json").read_text()) == json.loads(
        policy_schema_json()
    )


def test_default_policy_loads_without_path_from_any_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """load_policy() with no path finds the default shipped inside the package."""
    monkeypatch.chdir(tmp_path)
    assert load_policy().policy.name == "default"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "p.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "path_fragment"),
    [
        ("version: 1\nname: x\nsurprise: 1\n", "$"),
        ("version: 1\nname: x\npii: {modee: redact}\n", "$.pii"),
        ("version: 1\nname: x\npii: {mode: shout}\n", "$.pii.mode"),
        ("version: 1\nname: x\nlimits: {max_body_bytes: -1}\n", "$.limits.max_body_bytes"),
        ("version: 2\nname: x\n", "$.version"),
        ("name: x\n", "$"),
        ("version: 1\nname: x\ndefault_country: gb\n", "$.default_country"),
        (
            "version: 1\nname: x\ninterventions: {guidelines: {severe: x}}\n",
            "$.interventions.guidelines",
        ),
    ],
)
def test_bad_policy_error_names_file_and_path(
    tmp_path: Path, text: str, path_fragment: str
) -> None:
    """A bad policy raises PolicyError naming the file and the $.path of the problem."""
    p = _write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_policy(p)
    assert str(p) in str(info.value)
    assert info.value.path.startswith(path_fragment)


def test_unknown_key_message_names_the_key(tmp_path: Path) -> None:
    """An unknown key is named in the error."""
    with pytest.raises(PolicyError, match="surprise"):
        load_policy(_write(tmp_path, "version: 1\nname: x\nsurprise: 1\n"))


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    """Malformed YAML gives the line and column."""
    with pytest.raises(PolicyError, match=r"line \d+, column"):
        load_policy(_write(tmp_path, "version: 1\nname: [unclosed\n"))


def test_non_utf8_policy_is_rejected(tmp_path: Path) -> None:
    """A policy that is not UTF-8 is rejected with a clear message."""
    p = tmp_path / "p.yaml"
    p.write_bytes(b"version: 1\nname: \xff\n")
    with pytest.raises(PolicyError, match="UTF-8"):
        load_policy(p)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    """A missing policy file is a PolicyError, not an OSError."""
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_policy_objects_are_frozen() -> None:
    """Policies cannot be mutated after loading."""
    policy = load_policy().policy
    with pytest.raises(AttributeError):
        policy.name = "changed"  # type: ignore[misc]
