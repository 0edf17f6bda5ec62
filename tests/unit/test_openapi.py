"""``careguard openapi``: the committed document is fresh and describes the chat routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from careguard.cli import main
from careguard.commands.openapi import build_document, render

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document()


def test_committed_document_is_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """openapi/openapi.json is exactly what the command generates now."""
    monkeypatch.delenv("CAREGUARD_AUDIT_PATH", raising=False)
    assert COMMITTED.read_text(encoding="utf-8") == render()


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages", "/v1/assess"])
def test_turn_routes_declare_a_json_body(document: dict[str, Any], path: str) -> None:
    """Each chat/assess route has a required JSON body with ``messages``."""
    body = document["paths"][path]["post"]["requestBody"]
    assert "messages" in body["content"]["application/json"]["schema"]["required"]


@pytest.mark.parametrize("status", ["400", "422", "502", "503", "504"])
def test_chat_route_documents_its_errors(document: dict[str, Any], status: str) -> None:
    """The OpenAI route documents each error status with the error envelope."""
    response = document["paths"]["/v1/chat/completions"]["post"]["responses"][status]
    assert "error" in response["content"]["application/json"]["schema"]["required"]


def test_check_reports_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--check exits 1 and says how to regenerate when the file differs."""
    stale = tmp_path / "openapi.json"
    stale.write_text(json.dumps({"openapi": "3.1.0"}))
    assert main(["openapi", "--check", str(stale)]) == 1
    assert "is stale" in capsys.readouterr().err
