"""Interventions: what careguard adds to a turn at each distress level, all set by the policy.

``plan_for`` turns an assessment into a :class:`Plan` (which guideline texts, which crisis
resources, whether they must reach the user, whether to answer directly, whether to escalate);
the functions below render a plan:

- :func:`system_block`: text for the LLM's system prompt, between :data:`BLOCK_START` and
  :data:`BLOCK_END` (so it can be recognised, and stripped with :func:`strip_system_block`);
- :func:`resource_note`: a short, warm note with the user's local resources, appended to a
  reply that lacks them (:func:`reply_has_resources`);
- :func:`direct_response`: a warm, safe message with resources, used without the LLM
  (``imminent_action: respond``, or when the upstream fails on a crisis turn; for a turn whose
  distress could not be assessed, :func:`plan_unassessed` picks the ``unassessed`` template).

Guideline texts and the note/response templates are files under ``policies/guidelines/``
(``<id>.md``; templates ``note``, ``note-other``, ``respond``, ``respond-other``,
``unassessed`` with ``$resources`` and ``$emergency_number``). Nothing here is chosen per
level in code: levels map to guidelines, and the crisis threshold is
``interventions.resources_min_level``.

A conversation in a language careguard cannot read (``assessment.language_supported`` false)
under ``languages.unsupported_action: support`` is planned as if it were at least
``moderate``, with the local crisis lines added to the system prompt as an offer
(:attr:`Plan.language_fallback`); the crisis protocol (resources guaranteed, direct answers,
escalation) still follows the level alone.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from careguard.assessment import Assessment
from careguard.errors import PolicyError
from careguard.levels import Level, Subject
from careguard.policy import LoadedPolicy, Policy, policies_dir
from careguard.resources import INTERNATIONAL, Resource, ResourceDirectory

__all__ = [
    "BLOCK_END",
    "BLOCK_START",
    "TEMPLATES",
    "Guidelines",
    "Interventions",
    "Plan",
    "describe_resource",
    "direct_response",
    "plan_for",
    "plan_unassessed",
    "reply_has_resources",
    "resource_note",
    "strip_system_block",
    "system_block",
]

BLOCK_START = "[careguard guidance: begin]"
BLOCK_END = "[careguard guidance: end]"
_BLOCK_RE = re.compile(re.escape(BLOCK_START) + r".*?" + re.escape(BLOCK_END) + r"\n?", re.S)
TEMPLATES = ("note", "note-other", "respond", "respond-other", "unassessed")
_LOCAL_EMERGENCY = "your local emergency number"
_UNREAD_OFFER = (
    "This service's safety checks cannot read the user's language, so they cannot rule out "
    "distress: reply in the user's language, and if the user may be struggling, offer one of "
    "them"
)


class Guidelines:
    """Guideline texts and templates by id (``policies/guidelines/<id>.md``)."""

    def __init__(self, texts: Mapping[str, str], source: str = "<memory>") -> None:
        self.texts = dict(texts)
        self.source = source

    @classmethod
    def load(cls, directory: str | Path) -> Guidelines:
        d = Path(directory)
        try:
            texts = {p.stem: p.read_text(encoding="utf-8").strip() for p in d.glob("*.md")}
        except (OSError, UnicodeDecodeError):
            raise PolicyError(str(d), "cannot read the guideline files") from None
        return cls(texts, str(d))

    @classmethod
    def for_policy(cls, loaded: LoadedPolicy) -> Guidelines:
        """The shipped guidelines, overridden by any ``guidelines/*.md`` next to the policy
        file, checked against what the policy names (a missing id stops start-up)."""
        shipped = policies_dir() / "guidelines"
        texts = dict(_shipped().texts)
        local = loaded.directory / "guidelines"
        if local.is_dir() and local.resolve() != shipped.resolve():
            texts.update(cls.load(local).texts)
        g = cls(texts, str(local if local.is_dir() else shipped))
        g.check(loaded.policy, str(loaded.source))
        return g

    def check(self, policy: Policy, source: str) -> None:
        """Raise :class:`PolicyError` for a guideline id or template with no file."""
        ints = policy.interventions
        wanted = [(f"$.interventions.guidelines.{lv.value}", gid)
                  for lv, gid in ints.guidelines.items()]
        if ints.other_subject_guideline:
            wanted.append(("$.interventions.other_subject_guideline", ints.other_subject_guideline))
        wanted += [("$.interventions", t) for t in TEMPLATES]
        for path, gid in wanted:
            if gid not in self.texts:
                raise PolicyError(source, f"no guideline file {gid!r}.md in {self.source}", path)

    def __getitem__(self, gid: str) -> str:
        return self.texts[gid]


@functools.cache
def _shipped() -> Guidelines:
    return Guidelines.load(policies_dir() / "guidelines")


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do for one turn. Carries no conversation text."""

    level: Level
    subject: Subject
    country: str
    """The user's country as resolved (ISO 3166-1 alpha-2; ``ZZ`` when unknown). Resources
    fall back to the international directories when the directory does not cover it."""
    guideline_ids: tuple[str, ...]
    guidelines: str
    """The guideline text for the system prompt ("" when none)."""
    resources: tuple[Resource, ...]
    """Best first. Always filled (also for a direct response below the crisis level)."""
    emergency_number: str | None
    inject_resources: bool
    """Crisis protocol: resources go into the system prompt."""
    ensure_resources: bool
    """... and must reach the user (append :func:`resource_note` when the reply lacks them)."""
    respond_directly: bool
    """Answer with :func:`direct_response` without waiting for the LLM."""
    escalate: bool
    note_template: str
    respond_template: str
    corrections: tuple[tuple[str, str], ...] = ()
    """Outdated numbers (digits) and their current replacements, for the reply checks."""
    resources_country: str = INTERNATIONAL
    """The directory country of ``resources``: ``country`` when the directory has lines of
    its own for it, else ``ZZ`` (the international lines). What the audit, the referral
    metrics and ``x-careguard-resources-country`` report."""
    language_fallback: bool = False
    """Guidelines and resources are there only because careguard cannot read the user's
    language (``languages.unsupported_action: support``): an offer, not the crisis protocol."""

    @property
    def crisis(self) -> bool:
        return self.inject_resources and not self.language_fallback


def plan_for(assessment: Assessment, policy: Policy | LoadedPolicy,
             directory: ResourceDirectory, country: str | None,
             *, guidelines: Guidelines | None = None) -> Plan:
    """The interventions the policy sets for ``assessment``; ``country`` is the request's
    (validated here; the policy default when missing or not an ISO code)."""
    pol = policy.policy if isinstance(policy, LoadedPolicy) else policy
    ints = pol.interventions
    g = guidelines or _shipped()
    level, subject = assessment.level, assessment.subject
    other = subject == "other"
    crisis = level > Level.NONE and level >= ints.resources_min_level
    # a language careguard cannot read: distress cannot be ruled out, so the turn gets what
    # ``moderate`` gets, and the local crisis lines as an offer (below the crisis level)
    unread = (not assessment.language_supported
              and pol.languages.unsupported_action == "support")  # fmt: skip
    guide_level = max(level, Level.MODERATE) if unread else level
    gids: tuple[str, ...] = ()
    if guide_level > Level.NONE:
        gid = ints.other_subject_guideline if other else None
        gid = gid or ints.guidelines.get(guide_level)
        gids = (gid,) if gid else ()
    cc = directory.resolve_country(country, pol.default_country)
    lines = list(directory.for_country(cc, "other" if other else "self")[: ints.max_resources])
    if not any(r.is_24_7 and r.verified == "two-sources" for r in lines):
        lines += [r for r in directory.international()[:1] if r not in lines]
    emergency = directory.emergency_for(cc)
    esc = ints.escalation
    return Plan(
        level=level,
        subject=subject,
        country=cc,
        guideline_ids=gids,
        guidelines="\n\n".join(g[i] for i in gids),
        resources=tuple(lines),
        emergency_number=emergency.primary if emergency else None,
        inject_resources=crisis or unread,
        ensure_resources=crisis and pol.reply_checks.ensure_resources,
        respond_directly=level is Level.IMMINENT and ints.imminent_action == "respond",
        escalate=esc.webhook_url is not None and level > Level.NONE and level >= esc.min_level,
        note_template=g["note-other" if other else "note"],
        respond_template=g["respond-other" if other else "respond"],
        corrections=directory.corrections(),
        resources_country=cc if cc in directory.countries else INTERNATIONAL,
        language_fallback=unread and not crisis,
    )


def plan_unassessed(policy: Policy | LoadedPolicy, directory: ResourceDirectory,
                    country: str | None, *, guidelines: Guidelines | None = None) -> Plan:
    """The plan for a turn whose distress could not be assessed: a direct answer (the
    ``unassessed`` template) with the country's crisis resources; no level is guessed."""
    g = guidelines or _shipped()
    unknown = Assessment(level=Level.NONE, score=0.0, trend="stable", subject="unclear")
    plan = plan_for(unknown, policy, directory, country, guidelines=g)
    return dataclasses.replace(plan, respond_directly=True, escalate=False,
                               respond_template=g["unassessed"])


def describe_resource(r: Resource) -> str:
    """One line for users, e.g. ``Samaritans: call 116 123 (free, 24/7)``."""
    how: list[str] = []
    phone = r.phones[0] if r.phones else None
    text = r.texts[0] if r.texts else None
    if phone and text and phone.dial == text.to and not text.keyword:
        how.append(f"call or text {phone.display}")
    else:
        if phone:
            how.append(f"call {phone.display}")
        if text:
            how.append(f"text {text.keyword} to {text.to}" if text.keyword else f"text {text.to}")
    if not how:
        return f"{r.service}: {r.link}" if r.link else r.service
    tags = [t for t, on in (("free", (r.cost or "").startswith("free")),
                            ("24/7", r.is_24_7 is True),
                            ("limited hours", r.is_24_7 is False)) if on]
    line = f"{r.service}: {' or '.join(how)}"
    line += f" ({', '.join(tags)})" if tags else ""
    return line + (f", {r.link}" if r.link and not phone else "")


def _fill(template: str, plan: Plan) -> str:
    items = "\n".join(f"- {describe_resource(r)}" for r in plan.resources)
    return string.Template(template).safe_substitute(
        resources=items, emergency_number=plan.emergency_number or _LOCAL_EMERGENCY
    )


def system_block(plan: Plan) -> str | None:
    """The delimited text to add to the system prompt, or None when nothing applies."""
    if not plan.guidelines and not plan.inject_resources:
        return None
    parts = [BLOCK_START,
             "Guidance from this service's safety policy for your next reply. Follow it; "
             "do not quote it."]
    if plan.guidelines:
        parts.append(plan.guidelines)
    if plan.inject_resources:
        local = any(r.country != INTERNATIONAL for r in plan.resources)
        where = plan.country if local else "the user's country"
        ask = (_UNREAD_OFFER if plan.language_fallback
               else "Include at least one of them in your reply")  # fmt: skip
        parts.append(
            f"Crisis resources for {where}. {ask}, with "
            "its number or address written exactly as here:\n"
            + "\n".join(f"- {describe_resource(r)}" for r in plan.resources)
            + f"\nEmergency number: {plan.emergency_number or _LOCAL_EMERGENCY}."
        )
    parts.append(BLOCK_END)
    return "\n".join(parts)


def strip_system_block(text: str) -> str:
    """``text`` without any careguard guidance block (e.g. echoed back in history)."""
    return _BLOCK_RE.sub("", text)


def resource_note(plan: Plan) -> str:
    """A short, warm note with the user's local resources (for a reply that lacks them)."""
    return _fill(plan.note_template, plan)


def direct_response(plan: Plan) -> str:
    """A warm, safe message with resources, given without waiting for the LLM."""
    return _fill(plan.respond_template, plan)


_SEP = r"[\s\-.()\u00a0\u2010-\u2015/]*"


@functools.lru_cache(maxsize=1024)
def _contact_re(contact: str) -> re.Pattern[str]:
    if contact.isdigit():
        return re.compile(r"(?<!\d)" + _SEP.join(contact) + r"(?!\d)")
    return re.compile(re.escape(contact), re.I)


def reply_has_resources(text: str, plan: Plan) -> bool:
    """Whether ``text`` already names one of the plan's resources ("116 123" = "116123")."""
    return any(
        _contact_re(c).search(text) for r in plan.resources for c in r.key_contacts()
    )


class Interventions:
    """The interventions stage for one policy: guidelines and directory loaded once."""

    def __init__(self, guidelines: Guidelines, directory: ResourceDirectory) -> None:
        self.guidelines = guidelines
        self.directory = directory

    @classmethod
    def from_policy(cls, loaded: LoadedPolicy) -> Interventions:
        return cls(Guidelines.for_policy(loaded), ResourceDirectory.for_policy(loaded))

    def plan_for(self, assessment: Assessment, policy: Policy | LoadedPolicy,
                 directory: ResourceDirectory | None, country: str | None) -> Plan:
        return plan_for(assessment, policy, directory or self.directory, country,
                        guidelines=self.guidelines)

    def plan_unassessed(self, policy: Policy | LoadedPolicy,
                        directory: ResourceDirectory | None, country: str | None) -> Plan:
        return plan_unassessed(policy, directory or self.directory, country,
                               guidelines=self.guidelines)

    system_block = staticmethod(system_block)
    resource_note = staticmethod(resource_note)
    direct_response = staticmethod(direct_response)
    reply_has_resources = staticmethod(reply_has_resources)
