"""Policies: typed, frozen objects decoded from YAML.

A policy is data only. Unknown keys are rejected, every field has a type, and a bad policy
stops start-up with a :class:`~careguard.errors.PolicyError` that names the file and the
``$.path`` of the problem. ``policies/schema.json`` is generated from these types
(``careguard policy schema``) and every policy file is validated against it in the tests.
"""

from __future__ import annotations

import enum
import importlib.resources
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import yaml

from careguard.errors import PolicyError
from careguard.levels import Level

__all__ = [
    "DEFAULT_POLICY_NAME",
    "DistressPolicy",
    "EscalationPolicy",
    "FailureMode",
    "InterventionsPolicy",
    "LanguagesPolicy",
    "LimitsPolicy",
    "PiiMode",
    "PiiPolicy",
    "Policy",
    "ReplyAction",
    "ReplyChecksPolicy",
    "ToxicityPolicy",
    "default_policy_path",
    "load_policy",
    "policies_dir",
    "policy_schema",
]

DEFAULT_POLICY_NAME = "default.yaml"
SUPPORTED_VERSIONS = (1,)

Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0.0)]
CountryCode = Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")]
LanguageCode = Annotated[str, msgspec.Meta(pattern="^[a-z]{2,3}$")]


class FailureMode(enum.StrEnum):
    """What a stage that cannot run (error or deadline) does.

    ``closed``: never forward what the stage should have protected; the client gets a clear
    error (or, for a distressed turn, the safe message with resources). ``open``: continue
    without the stage, loudly (header, metric, audit event, log line) — never silently.
    """

    CLOSED = "closed"
    OPEN = "open"


class PiiMode(enum.StrEnum):
    REDACT = "redact"  # <EMAIL_ADDRESS>
    MASK = "mask"  # j***@*******.com style masking with mask_char
    PSEUDONYMIZE = "pseudonymize"  # <PERSON_1>, stable per conversation, restorable
    PASS = "pass"  # detect and count only; forward unchanged (an explicit operator choice)


class ReplyAction(enum.StrEnum):
    ANNOTATE = "annotate"  # keep the reply, add a note (and resources where due)
    REWRITE = "rewrite"  # replace only the offending sentence
    REPLACE = "replace"  # replace the whole reply with a safe one


class JudgeScope(enum.StrEnum):
    ALL = "all"  # every reply sentence of two words or more
    RISK_WORDS_WHEN_CALM = "risk-words-when-calm"  # at level none, only sentences with a risk word


class _Strict(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base for policy sections: frozen, keyword-only, unknown keys rejected."""


class StageSettings(_Strict, frozen=True):
    timeout_ms: PositiveInt = 2000
    """Deadline for the stage on one turn; a timeout resolves through ``on_failure``."""
    on_failure: FailureMode | None = None
    """Overrides the policy's ``failure_mode`` for this stage."""


class PiiPolicy(_Strict, frozen=True):
    enabled: bool = True
    """Run PII detection at all. Off means text is forwarded as is (reported in /readyz)."""
    mode: PiiMode = PiiMode.PSEUDONYMIZE
    """How found values are replaced before text leaves the process."""
    restore: bool = True
    """In ``pseudonymize`` mode, put the user's own values back into the reply."""
    language: str = "en"
    """Language passed to presidio."""
    entities: dict[str, Probability] = msgspec.field(default_factory=dict)
    """Entity types to detect, each with its minimum score."""
    allow_list: tuple[str, ...] = ()
    """Extra literal strings never redacted (crisis-line numbers are always allowed)."""
    mask_char: Annotated[str, msgspec.Meta(min_length=1, max_length=1)] = "*"
    """Character used in ``mask`` mode."""
    passthrough: Literal["redact", "forward", "refuse"] = "redact"
    """Other ``/v1/*`` routes (embeddings, files, ...): ``redact`` every string in a JSON
    body and refuse bodies careguard cannot read; ``forward`` unchanged (an explicit
    operator choice); ``refuse`` them all."""
    stage: StageSettings = msgspec.field(default_factory=StageSettings)


class DistressPolicy(_Strict, frozen=True):
    enabled: bool = True
    model: str = "builtin"
    """``builtin`` (the shipped model) or a path to a model directory."""
    sticky_turns: Annotated[int, msgspec.Meta(ge=0)] = 4
    """User turns for which a disclosed ``high``/``imminent`` keeps the conversation level."""
    recency_decay: Annotated[float, msgspec.Meta(gt=0.0, le=1.0)] = 0.7
    """Weight kept per older user turn when combining turn levels (rounded): at 0.7 a
    ``moderate`` three user turns back still holds the conversation at ``low``, so a user who
    was low earlier and now says "thanks" keeps the supportive tone (the reference
    conversation); crisis levels are held by ``sticky_turns`` instead."""
    cache_size: Annotated[int, msgspec.Meta(ge=0)] = 10000
    """Per-message results cached by content (history is not re-analysed)."""
    stage: StageSettings = msgspec.field(default_factory=StageSettings)


class ToxicityPolicy(_Strict, frozen=True):
    enabled: bool = False
    """Off by default keeps torch out of the process."""
    model: str = "compact"
    """``compact`` (ours, offline), ``original``, ``unbiased``, ``multilingual``,
    ``original-small``, ``unbiased-small``, or ``checkpoint`` with the two paths below."""
    checkpoint: str | None = None
    config_dir: str | None = None
    threshold: Probability = 0.5
    """Probability of ``toxicity`` at or above which text counts as toxic."""
    check_user: bool = True
    """Score user turns too (abuse recorded; self-directed hostility is a distress signal)."""
    stage: StageSettings = msgspec.field(default_factory=StageSettings)


class EscalationPolicy(_Strict, frozen=True):
    webhook_url: str | None = None
    """POSTed a PII-free JSON event; never blocks the reply. None disables escalation."""
    min_level: Level = Level.IMMINENT
    timeout_ms: PositiveInt = 2000
    retries: Annotated[int, msgspec.Meta(ge=0, le=10)] = 3


class InterventionsPolicy(_Strict, frozen=True):
    guidelines: dict[Level, str] = msgspec.field(default_factory=dict)
    """Level -> guideline id (a file under ``policies/guidelines/``) for the system prompt."""
    resources_min_level: Level = Level.HIGH
    """From this level the crisis protocol applies: resources injected and guaranteed."""
    max_resources: Annotated[int, msgspec.Meta(ge=1, le=5)] = 2
    """Most crisis lines shown at once (best first; a directory link is added when none of
    them is a verified 24/7 line)."""
    other_subject_guideline: str | None = "helping-someone"
    """Guideline used when the distress is about someone else."""
    imminent_action: Literal["augment", "respond"] = "augment"
    """``respond`` answers an imminent turn directly with a safe message plus resources."""
    resources_file: str = "resources.yaml"
    """Crisis-resource directory, relative to the policy file."""
    escalation: EscalationPolicy = msgspec.field(default_factory=EscalationPolicy)


class LanguagesPolicy(_Strict, frozen=True):
    supported: tuple[LanguageCode, ...] | None = None
    """Languages careguard assesses (ISO 639-1 codes). ``null``: every language the distress
    model declares it reads (the shipped model: ``en``), so a multilingual model extends the
    set by itself; a list narrows that set and may not name a language the model does not
    read. A conversation whose language is not in the set is assessed anyway, flagged
    (``language:unsupported``, ``language_supported: false``) and never reported with more
    than 0.5 confidence; what else happens is ``unsupported_action``."""
    unsupported_action: Literal["support", "report"] = "support"
    """``support``: careguard cannot rule distress out, so every unsupported turn gets the
    guidelines of at least ``moderate`` and the user's local crisis lines in the system prompt
    (as an offer, not the crisis protocol: the level stays what the English model says, and the
    crisis protocol still starts at ``interventions.resources_min_level``). ``report``: the
    interventions follow the level alone; the language is only reported (header, audit,
    metrics, ``/v1/assess``)."""


class ReplyChecksPolicy(_Strict, frozen=True):
    safe_messaging: bool = True
    """Check replies against the safe-messaging rules."""
    safety_model: bool = True
    """Besides the named rules, judge every reply sentence with the learned reply-safety
    classifier (method, lethality, encouragement, concealment); needs ``safe_messaging``."""
    safety_model_scope: JudgeScope = JudgeScope.ALL
    """``all``: the model judges every sentence (about 3 ms each on one core).
    ``risk-words-when-calm``: on turns at level ``none`` it judges only sentences holding a
    death, means, place or concealment word, sparing ordinary replies (code, recipes) its
    cost; measured on the held-out sentences, 23 of 191 unsafe ones hold no such word."""
    action: ReplyAction = ReplyAction.REWRITE
    """What a failed safe-messaging check does."""
    toxicity_action: ReplyAction = ReplyAction.REPLACE
    """What a toxic reply to a distressed user does (needs ``toxicity.enabled``)."""
    ensure_resources: bool = True
    """At the crisis level, append resources when the reply lacks them."""
    max_holdback_chars: PositiveInt = 400
    """Streaming: the most text held back for sentence checks before it is released."""


class LimitsPolicy(_Strict, frozen=True):
    max_body_bytes: PositiveInt = 1_000_000
    max_messages: PositiveInt = 1000
    max_message_chars: PositiveInt = 32_000
    """One text over this many characters gets 413. Redaction must read all of it within the
    PII stage's deadline (measured: ~0.7 s for 32,000 characters, ~2.3 s for 99,000 on an
    idle 2-core machine), so raise both together."""
    upstream_connect_s: PositiveFloat = 5.0
    upstream_read_s: PositiveFloat = 60.0
    upstream_total_s: PositiveFloat = 120.0
    request_read_s: PositiveFloat = 30.0
    """Time a client has to send its whole request body; a slower one gets 408."""
    max_reply_bytes: PositiveInt = 10_000_000
    """Largest upstream reply read whole, and largest single streamed event; more is a 502."""
    max_concurrency: PositiveInt = 64
    """Concurrent requests per worker before new ones get 503."""


class Policy(_Strict, frozen=True):
    version: Literal[1]
    """Policy format version."""
    name: str
    description: str = ""
    failure_mode: FailureMode = FailureMode.CLOSED
    default_country: CountryCode = "US"
    """Used when a request has no valid ``x-careguard-country``."""
    pii: PiiPolicy = msgspec.field(default_factory=PiiPolicy)
    distress: DistressPolicy = msgspec.field(default_factory=DistressPolicy)
    toxicity: ToxicityPolicy = msgspec.field(default_factory=ToxicityPolicy)
    interventions: InterventionsPolicy = msgspec.field(default_factory=InterventionsPolicy)
    languages: LanguagesPolicy = msgspec.field(default_factory=LanguagesPolicy)
    reply_checks: ReplyChecksPolicy = msgspec.field(default_factory=ReplyChecksPolicy)
    limits: LimitsPolicy = msgspec.field(default_factory=LimitsPolicy)

    def failure_mode_for(self, stage: StageSettings) -> FailureMode:
        return stage.on_failure or self.failure_mode


class LoadedPolicy(msgspec.Struct, frozen=True):
    """A policy together with where it came from (to resolve relative data files)."""

    policy: Policy
    source: Path

    @property
    def directory(self) -> Path:
        return self.source.parent


def policies_dir() -> Path:
    """The ``policies/`` directory shipped inside the package."""
    return Path(str(importlib.resources.files("careguard") / "policies"))


def default_policy_path() -> Path:
    return policies_dir() / DEFAULT_POLICY_NAME


_AT_PATH = re.compile(r"^(?P<msg>.*?)(?: - at (?:`key` in )?`(?P<path>\$[^`]*)`)?$", re.S)


def decode_policy(data: Any, source: str) -> Policy:
    """Decode already-parsed YAML/JSON into a :class:`Policy` or raise :class:`PolicyError`."""
    if not isinstance(data, dict):
        raise PolicyError(source, "a policy must be a mapping at the top level")
    try:
        return msgspec.convert(data, Policy, str_keys=True)
    except msgspec.ValidationError as exc:
        m = _AT_PATH.match(str(exc))
        assert m is not None  # the pattern matches any string
        raise PolicyError(source, m.group("msg"), m.group("path") or "$") from None


def load_policy(path: str | Path | None = None) -> LoadedPolicy:
    """Load and validate a policy file (the shipped default when ``path`` is None)."""
    p = Path(path) if path is not None else default_policy_path()
    source = str(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PolicyError(
            source, f"cannot read file ({exc.strerror or exc.__class__.__name__})"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(source, f"not UTF-8 (byte {exc.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise PolicyError(source, f"{problem}{where}") from None
    return LoadedPolicy(decode_policy(data, source), p.resolve())


def policy_schema() -> dict[str, Any]:
    """The JSON Schema of a policy file, generated from the types above."""
    schema: dict[str, Any] = msgspec.json.schema(Policy)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "careguard policy"
    return schema


def policy_schema_json() -> str:
    return json.dumps(policy_schema(), indent=2, sort_keys=True) + "\n"
