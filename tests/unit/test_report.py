"""``careguard report``: referral counts from an audit trail and the protocol description."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from careguard.audit import Auditor, FileSink
from careguard.cli import main
from careguard.policy import default_policy_path

KEY = b"report-test-key"

# (day, conversation id, level, subject, country, resources shown, escalated)
TURNS = [
    ("2026-12-31", "conv-a", "high", "self", "US", ("us-988",), False),  # before the period
    ("2027-01-05", "conv-a", "low", "self", "US", (), False),
    ("2027-01-05", "conv-b", "high", "self", "US", ("us-988", "us-crisis-text-line"), False),
    ("2027-02-10", "conv-b", "imminent", "self", "US", ("us-988",), True),
    ("2027-03-15", "conv-c", "high", "other", "GB", ("gb-samaritans",), False),
    ("2027-06-30", "conv-d", "moderate", "self", "GB", (), False),
    ("2028-01-01", "conv-e", "imminent", "self", "US", ("us-988",), True),  # after the period
]


def write_trail(path: Path) -> list[str]:
    """Write the TURNS as audit events; returns every identifier written."""
    auditor = Auditor(FileSink(path), policy_name="default", policy_version=1, key=KEY)
    identifiers: list[str] = []
    for i, (day, conv, level, subject, country, resources, escalated) in enumerate(TURNS):
        actions = ["resources:injected"] if resources else []
        if escalated:
            actions.append("escalation:sent")
        event = auditor.record(
            conversation_id=conv, request_id=f"req{i:04d}abcdef", route="/v1/chat/completions",
            outcome="ok", level=level, subject=subject, score=0.8, trend="stable",
            country=country, actions=tuple(actions), resources=resources,
            ts=f"{day}T12:00:00.000Z", timings_ms={"total": 20.0},
        )  # fmt: skip
        identifiers += [event.request_id, event.conversation, conv]
    auditor.close()
    return identifiers


def run_report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trail(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "audit.jsonl"
    return path, write_trail(path)


def test_json_report_counts_referrals_in_the_period(
    trail: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Counts cover only the period's turns: referrals, by country, escalations, levels."""
    code, out, _ = run_report(
        capsys, "--audit", str(trail[0]), "--from", "2027-01-01", "--to", "2027-12-31",
        "--format", "json",
    )  # fmt: skip
    doc: dict[str, Any] = json.loads(out)
    assert code == 0
    assert doc["turns_assessed"] == 5
    assert doc["crisis_referral_notifications"] == 3
    assert doc["crisis_referral_notifications_by_country"] == {"GB": 1, "US": 2}
    assert doc["crisis_referral_notifications_by_subject"] == {"other": 1, "self": 2}
    assert doc["conversations_with_a_referral"] == 2
    assert doc["escalations"] == 1
    assert doc["turns_by_level"] == {
        "none": 0, "low": 1, "moderate": 1, "high": 2, "imminent": 1, "unknown": 0,
    }  # fmt: skip


def test_report_without_bounds_counts_everything(
    trail: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --from/--to every turn in the trail counts."""
    _, out, _ = run_report(capsys, "--audit", str(trail[0]), "--format", "json")
    assert json.loads(out)["crisis_referral_notifications"] == 5


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_report_contains_no_identifier(
    trail: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """No request id, conversation hash or conversation id appears in the report."""
    _, out, _ = run_report(capsys, "--audit", str(trail[0]), "--format", fmt)
    leaked = [ident for ident in trail[1] if ident in out]
    assert leaked == []


def test_text_report_has_both_parts(
    trail: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The text report gives the referral count and the protocol description."""
    _, out, _ = run_report(capsys, "--audit", str(trail[0]), "--from", "2027-01-01")
    assert "Crisis-referral notifications shown: 4" in out
    assert "2. Protocol (generated from the policy in force)" in out


def test_protocol_follows_the_policy(
    trail: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The protocol description changes with the policy's crisis level."""
    policy = tmp_path / "p.yaml"
    text = default_policy_path().read_text().replace(
        "resources_min_level: high", "resources_min_level: moderate"
    )
    policy.write_text(text)
    _, out, _ = run_report(capsys, "--audit", str(trail[0]), "--policy", str(policy))
    assert "From level moderate, crisis-service referrals" in out


def test_protocol_lists_the_resource_directory(
    trail: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """With the shipped policy the protocol names the directory's countries."""
    _, out, _ = run_report(capsys, "--audit", str(trail[0]))
    assert "crisis services in" in out
    assert "US" in out.split("Referral sources.")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "January"], "--from must be a date"),
        (["--from", "2027-02-01", "--to", "2027-01-01"], "--to is before --from"),
    ],
)
def test_bad_dates_are_one_line_errors(
    trail: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:  # fmt: skip
    """A bad date gives exit status 2 and a one-line message."""
    code, _, err = run_report(capsys, "--audit", str(trail[0]), *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_missing_audit_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unreadable audit file gives exit status 2, not a traceback."""
    code, _, err = run_report(capsys, "--audit", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert "cannot read audit file" in err
