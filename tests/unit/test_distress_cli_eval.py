"""``careguard eval`` and ``careguard train-distress`` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "careguard.cli", *args], capture_output=True, text=True, check=False
    )


def _record(text: str, level: str, source: str) -> str:
    return json.dumps(
        {"messages": [{"role": "user", "content": text}], "level": level, "source": source}
    )


@pytest.mark.models
def test_eval_prints_both_systems_per_source(tmp_path: Path) -> None:
    """The report has careguard and keyword columns, crisis figures and each source."""
    f = tmp_path / "gold.jsonl"
    f.write_text(
        "\n".join(
            [
                _record("I want to kill myself", "high", "alpha"),
                _record("What a lovely sunny day", "none", "alpha"),
                _record("Work stress is getting to me", "low", "beta"),
            ]
        )
    )
    r = _run("eval", str(f))
    assert r.returncode == 0, r.stderr
    for needle in ("careguard", "keyword", "crisis recall", "false-crisis rate", "alpha", "beta"):
        assert needle in r.stdout


@pytest.mark.models
def test_eval_json_has_confusion_matrix(tmp_path: Path) -> None:
    """--json gives a 5x5 confusion matrix for each system."""
    f = tmp_path / "gold.jsonl"
    f.write_text(_record("I want to kill myself", "high", "alpha"))
    r = _run("eval", "--json", str(f))
    out = json.loads(r.stdout)
    assert len(out["careguard"]["confusion"]) == 5 and len(out["keyword"]["confusion"]) == 5


def test_eval_bad_record_is_a_one_line_error(tmp_path: Path) -> None:
    """A record with an unknown level stops with one line naming the line number."""
    f = tmp_path / "gold.jsonl"
    f.write_text(_record("hello", "severe", "alpha"))
    r = _run("eval", str(f))
    assert r.returncode == 2 and "line 1" in r.stderr and "Traceback" not in r.stderr


def test_eval_record_without_a_level_says_it_is_missing(tmp_path: Path) -> None:
    """A record with no ``level`` field is reported as missing, not as a bad value."""
    f = tmp_path / "gold.jsonl"
    f.write_text(json.dumps({"messages": [{"role": "user", "content": "hello"}]}))
    r = _run("eval", str(f))
    assert r.returncode == 2 and "line 1: $.level is missing" in r.stderr


def test_train_distress_missing_data_is_a_one_line_error(tmp_path: Path) -> None:
    """train-distress without its data files stops with one line, writing nothing."""
    out = tmp_path / "m.npz"
    r = _run("train-distress", "--train", str(tmp_path / "none.jsonl"), "--out", str(out))
    assert r.returncode == 2 and "--train" in r.stderr and not out.exists()


@pytest.mark.models
def test_eval_disagreements_list_ids_and_signals_without_text(tmp_path: Path) -> None:
    """--disagreements writes one line per crisis disagreement: id, gold, prediction and
    signal names, never the text."""
    f = tmp_path / "gold.jsonl"
    rows = [
        {"id": "a:1", "level": "moderate", "text": "I want to kill myself"},
        {"id": "a:2", "level": "none", "text": "What a lovely sunny day"},
        {"id": "a:3", "level": "high", "text": "What a lovely sunny morning"},
    ]
    f.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": r["id"],
                    "messages": [{"role": "user", "content": r["text"]}],
                    "level": r["level"],
                    "source": "alpha",
                }
            )
            for r in rows
        )
    )
    out = tmp_path / "disagreements.jsonl"
    r = _run("eval", "--disagreements", str(out), str(f))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(x["id"], x["kind"]) for x in lines] == [
        ("a:1", "false_crisis"),
        ("a:3", "missed_crisis"),
    ]
    assert "rule:suicidal" in lines[0]["signals"]
    assert "kill" not in out.read_text() and "sunny" not in out.read_text()


@pytest.mark.models
def test_eval_adjudications_replace_gold_and_say_so(tmp_path: Path) -> None:
    """--adjudications re-judges gold levels by id, and the report says how many changed."""
    f = tmp_path / "gold.jsonl"
    rec = json.loads(_record("I want to kill myself", "none", "alpha"))
    f.write_text(json.dumps(dict(rec, id="alpha:1")) + "\n")
    adj = tmp_path / "adj.jsonl"
    adj.write_text(json.dumps({"id": "alpha:1", "level": "high", "reason": "ideation"}) + "\n")
    plain = json.loads(_run("eval", "--json", str(f)).stdout)
    r = _run("eval", "--json", "--adjudications", str(adj), str(f))
    out = json.loads(r.stdout)
    assert plain["careguard"]["false_crisis_rate"] == 1.0
    assert out["adjudicated_labels"] == 1 and out["careguard"]["crisis_recall"] == 1.0


def test_eval_adjudication_for_unknown_id_is_a_one_line_error(tmp_path: Path) -> None:
    """An adjudication naming an id the records lack stops with one line naming it."""
    f = tmp_path / "gold.jsonl"
    rec = json.loads(_record("hello", "none", "alpha"))
    f.write_text(json.dumps(dict(rec, id="alpha:1")) + "\n")
    adj = tmp_path / "adj.jsonl"
    adj.write_text(json.dumps({"id": "alpha:2", "level": "high"}) + "\n")
    r = _run("eval", "--adjudications", str(adj), str(f))
    assert r.returncode == 2 and "alpha:2" in r.stderr and "Traceback" not in r.stderr
