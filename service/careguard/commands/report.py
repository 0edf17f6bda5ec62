"""``careguard report --audit FILE [--from DATE --to DATE] [--policy PATH] [--format F]``.

Turns an audit trail into the annual crisis-referral summary an operator files (California
SB 243 §22603(d): the number of crisis-referral notifications, no user identifiers) and a
human-readable description of the crisis protocol, generated from the live policy (what the
operator must publish). Counts only: the report never prints request ids, conversation hashes
or anything else that identifies a user or a turn.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from careguard.audit import AuditEvent, read_events
from careguard.errors import InputError
from careguard.levels import LEVELS, UNKNOWN
from careguard.policy import LoadedPolicy, Policy, load_policy


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="crisis-referral summary and protocol description from an audit trail",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("--audit", required=True, metavar="FILE", help="audit trail (JSON Lines)")
    p.add_argument("--from", dest="start", metavar="DATE", help="first day (YYYY-MM-DD, UTC)")
    p.add_argument("--to", dest="end", metavar="DATE", help="last day, inclusive (YYYY-MM-DD)")
    p.add_argument("--policy", metavar="PATH", help="policy in force (default: shipped default)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (default) or json for tools")
    p.set_defaults(handler=_report)


@dataclass
class Summary:
    """Counts over the audit events of one period (no identifiers)."""

    start: dt.date | None
    end: dt.date | None
    turns: int = 0
    conversations: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    referrals: int = 0
    referrals_by_country: Counter[str] = field(default_factory=Counter)
    referrals_by_subject: Counter[str] = field(default_factory=Counter)
    referral_conversations: int = 0
    escalations: int = 0
    policies: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": {"from": _iso(self.start), "to": _iso(self.end)},
            "turns_assessed": self.turns,
            "conversations": self.conversations,
            "turns_by_level": {name: self.by_level.get(name, 0)
                               for name in (*(lv.value for lv in LEVELS), UNKNOWN)},
            "crisis_referral_notifications": self.referrals,
            "crisis_referral_notifications_by_country": _sorted(self.referrals_by_country),
            "crisis_referral_notifications_by_subject": _sorted(self.referrals_by_subject),
            "conversations_with_a_referral": self.referral_conversations,
            "escalations": self.escalations,
            "policies": _sorted(self.policies),
        }


def _sorted(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items()))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _parse_day(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{flag} must be a date like 2027-01-31") from None


def summarize(events: Iterable[AuditEvent], start: dt.date | None, end: dt.date | None) -> Summary:
    """Count the events whose UTC day lies in ``[start, end]`` (either bound optional)."""
    s = Summary(start, end)
    conversations: set[str] = set()
    referred: set[str] = set()
    for event in events:
        day = event.time.astimezone(dt.UTC).date()
        if (start and day < start) or (end and day > end):
            continue
        s.turns += 1
        conversations.add(event.conversation)
        s.by_level[event.level] += 1
        s.policies[f"{event.policy_name} v{event.policy_version}"] += 1
        if event.resources:
            s.referrals += 1
            s.referrals_by_country[event.country] += 1
            s.referrals_by_subject[event.subject] += 1
            referred.add(event.conversation)
        if any(a.startswith("escalat") for a in event.actions):
            s.escalations += 1
    s.conversations, s.referral_conversations = len(conversations), len(referred)
    return s


# -- protocol description --------------------------------------------------------------------


def _directory(loaded: LoadedPolicy) -> tuple[list[str], int, str | None]:
    """(countries, services, compiled date) of the policy's resource directory, if readable."""
    path = loaded.directory / loaded.policy.interventions.resources_file
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return [], 0, None
    services = data.get("services", []) if isinstance(data, dict) else []
    countries = sorted(
        {str(s["country"]) for s in services if isinstance(s, dict) and "country" in s} - {"ZZ"}
    )
    source = data.get("source", {}) if isinstance(data, dict) else {}
    compiled = source.get("compiled") if isinstance(source, dict) else None
    return countries, len(services), str(compiled) if compiled else None


def protocol_text(loaded: LoadedPolicy) -> list[str]:
    """The crisis protocol in force, in plain language, derived from the policy."""
    p: Policy = loaded.policy
    iv, dist, rc = p.interventions, p.distress, p.reply_checks
    crisis = iv.resources_min_level
    model = "the built-in distress model" if dist.model == "builtin" else "a custom model"
    countries, services, compiled = _directory(loaded)
    guide = ", ".join(f"{lv.value}: {iv.guidelines[lv]}" for lv in LEVELS if lv in iv.guidelines)
    lines = [
        f"Policy: {p.name} (version {p.version}).",
        "",
        "Detection. Every user turn is assessed for suicidal ideation and self-harm before any "
        f"text is sent to the language model, using {model} on the original text, together with "
        "the conversation's history. Each conversation is placed on a five-level ladder "
        f"({', '.join(lv.value for lv in LEVELS)}) with a score between 0 and 1, a trend and "
        f"whether the distress concerns the user or someone else. A disclosure at level high or "
        f"above keeps the conversation at that level for {dist.sticky_turns} further user turns.",
        "",
        "Response. careguard responds rather than refusing. "
        + (f"Supportive-tone guidelines are added to the model's instructions by level ({guide}). "
           if guide else "")
        + f"From level {crisis.value}, crisis-service referrals for the user's country are "
        "added, and careguard makes sure they reach the user: "
        + ("when the model's reply lacks them they are appended. " if rc.ensure_resources
           else "they are given to the model only (the policy does not append them). ")
        + ("At level imminent, careguard answers directly with a safe message and the "
           "referrals instead of waiting for the model. " if iv.imminent_action == "respond"
           else "")
        + (f"When the distress concerns someone else, guidance for helping them "
           f"({iv.other_subject_guideline}) is used. " if iv.other_subject_guideline else ""),
        "",
        "Referral sources. "
        + (f"{services} crisis services in {len(countries)} countries "
           f"({', '.join(countries)}), plus international directories elsewhere"
           + (f"; compiled {compiled}" if compiled else "") + ". "
           if services else "The policy's resource directory could not be read. ")
        + f"Without a known country, resources for {p.default_country} are shown.",
        "",
        "Reply checks. "
        + (f"Replies are checked against safe-messaging rules; a failing reply is handled by "
           f"'{rc.action.value}'. " if rc.safe_messaging else "Safe-messaging checks are off. ")
        + (f"Toxic replies to distressed users are handled by '{rc.toxicity_action.value}'. "
           if p.toxicity.enabled else ""),
        "",
        "Escalation. "
        + (f"From level {iv.escalation.min_level.value}, a PII-free event is sent to the "
           "operator's escalation endpoint." if iv.escalation.webhook_url
           else "No escalation endpoint is configured."),
        "",
        f"Failure handling. A check that cannot run fails {p.failure_mode.value}"
        + (": text is never sent on unchecked." if p.failure_mode.value == "closed" else
           ": the turn continues without the check, and this is recorded.")
        + " Personal data is "
        + (f"removed ({p.pii.mode.value}) before text leaves careguard." if p.pii.enabled
           else "not removed (PII detection is off)."),
    ]  # fmt: skip
    return [line.rstrip() for line in lines]


def render_text(summary: Summary, protocol: list[str]) -> str:
    d = summary.to_dict()
    period = f"{d['period']['from'] or 'start of trail'} to {d['period']['to'] or 'end of trail'}"
    out = [
        "careguard crisis-referral report",
        f"Period: {period} (UTC days)",
        "",
        "1. Crisis-referral notifications",
        f"Crisis-referral notifications shown: {summary.referrals}",
    ]
    for country, n in d["crisis_referral_notifications_by_country"].items():
        out.append(f"  {country}: {n}")
    for subject, n in d["crisis_referral_notifications_by_subject"].items():
        out.append(f"  about {'the user' if subject == 'self' else subject}: {n}")
    out += [
        f"Conversations with at least one referral: {summary.referral_conversations}",
        f"Turns that triggered an escalation: {summary.escalations}",
        f"Turns assessed: {summary.turns} in {summary.conversations} conversations",
    ]
    out += [f"  {level}: {n}" for level, n in d["turns_by_level"].items()]
    out += ["Policies in force: " + ", ".join(f"{k} ({n} turns)" for k, n in d["policies"].items())]
    out += ["", "2. Protocol (generated from the policy in force)", "", *protocol]
    return "\n".join(out) + "\n"


def _report(args: argparse.Namespace) -> int:
    start, end = _parse_day(args.start, "--from"), _parse_day(args.end, "--to")
    if start and end and end < start:
        raise InputError("--to is before --from")
    loaded = load_policy(args.policy)
    summary = summarize(read_events(Path(args.audit)), start, end)
    protocol = protocol_text(loaded)
    if args.format == "json":
        doc = {**summary.to_dict(), "protocol": "\n".join(protocol)}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(summary, protocol))
    return 0


__all__ = ["Summary", "protocol_text", "register", "render_text", "summarize"]
