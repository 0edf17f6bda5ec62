"""Prometheus instruments, bound to an injected registry, with bounded labels only.

Every label value goes through a closed set (``ROUTES`` plus the paths of an ASGI
middleware's configured routes, ``OUTCOMES``, ``STAGES``, ...); a value outside its set is
recorded as ``other``. Countries are bounded by the crisis-resource
directory's known set and entity types by the policy's entity list, both passed in. No label
ever carries a path, an id or conversation text.

Several workers: when ``PROMETHEUS_MULTIPROC_DIR`` is set (``careguard serve --workers N`` sets
it), prometheus-client writes every value to per-process files in that directory and
:meth:`Metrics.exposition` collects them all with ``MultiProcessCollector``, so one scrape of any
worker returns the sums over all workers. :func:`prepare_multiprocess_dir` empties the directory
before workers start; :func:`mark_worker_dead` drops a finished worker's live gauges.

The metric names are a contract with ``deploy/`` (alert rules, Grafana dashboard); a test checks
that every name used there is defined here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from careguard.levels import LEVELS, UNKNOWN

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "CHECKS",
    "ESCALATION_OUTCOMES",
    "FAILURE_MODES",
    "LANGUAGES",
    "METRIC_NAMES",
    "MULTIPROC_ENV",
    "OTHER",
    "OUTCOMES",
    "ROUTES",
    "STAGES",
    "SUBJECTS",
    "UPSTREAM_ERROR_KINDS",
    "Metrics",
    "mark_worker_dead",
    "multiprocess_dir",
    "prepare_multiprocess_dir",
]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
OTHER = "other"

ROUTES = frozenset(
    {
        "/v1/chat/completions",
        "/v1/messages",
        "/v1/assess",
        "/metrics",
        "/healthz",
        "/readyz",
    }
)
OUTCOMES = frozenset(
    {
        "ok",  # answered normally (with or without interventions)
        "responded",  # careguard answered itself (imminent ``respond``, fail-safe message)
        "client_error",  # bad JSON, wrong shape, over a limit
        "upstream_error",  # the configured LLM failed
        "fail_safe",  # a stage could not run and the policy failed closed
        "overloaded",  # over max_concurrency (503)
        "client_gone",  # the client hung up mid-stream
        "error",  # anything else (a bug)
    }
)
STAGES = frozenset(
    {"pii", "distress", "toxicity", "upstream", "reply_check", "escalation", "total", "overhead"}
)
SUBJECTS = frozenset({"self", "other", "unclear"})
CHANNELS = frozenset({"phone", "sms", "chat", "whatsapp", "web"})
CHECKS = frozenset({"safe_messaging", "toxicity", "resources", "user_toxicity"})
ACTIONS = frozenset(
    {"annotate", "rewrite", "replace", "append_resources", "record_abuse", "distress_signal"}
)
REPLY_FINDINGS = frozenset(
    {"method-details", "lethality", "encouragement", "concealment", "committed-suicide",
     "abandonment", "outdated-number"}
)
"""The safe-messaging finding ids (:mod:`careguard.output_checks`)."""
ESCALATION_OUTCOMES = frozenset({"sent", "failed", "dropped"})
UPSTREAM_ERROR_KINDS = frozenset(
    {"unavailable", "timeout", "bad_response", "upstream_status", "error"}
)
FAILURE_MODES = frozenset({"closed", "open"})
LANGUAGES = frozenset(
    {"en", "es", "de", "fr", "pt", "it", "nl", "pl", "ru", "uk", "tr", "ar", "fa", "hi", "bn",
     "ur", "zh", "ja", "ko", "vi", "id", "tl", "sv", "und"}
)
"""Language codes that get their own label value (the world's most-used languages and those a
multilingual model is planned for); any other code is counted as ``other``."""
_LEVELS = frozenset(level.value for level in LEVELS) | {UNKNOWN}

# Seconds. Stage latencies are milliseconds to a few seconds; upstream and total reach minutes.
_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75,
    1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
)  # fmt: skip

METRIC_NAMES = frozenset(
    {
        "careguard_requests_total",
        "careguard_requests_in_flight",
        "careguard_stage_duration_seconds",
        "careguard_assessments_total",
        "careguard_assess_api_total",
        "careguard_assessed_languages_total",
        "careguard_unsupported_language_turns_total",
        "careguard_crisis_referrals_total",
        "careguard_crisis_resources_shown_total",
        "careguard_escalations_total",
        "careguard_pii_entities_total",
        "careguard_reply_check_actions_total",
        "careguard_reply_findings_total",
        "careguard_upstream_errors_total",
        "careguard_failsafe_activations_total",
        "careguard_policy_info",
        "careguard_model_info",
    }
)
"""Every metric family defined here (counters without the ``_total`` suffix in
prometheus-client's own naming; the exposed sample names are these)."""


def _bounded(value: object, allowed: frozenset[str]) -> str:
    text = str(getattr(value, "value", value))
    return text if text in allowed else OTHER


class Metrics:
    """careguard's instruments, all registered on ``registry`` (tests pass a fresh one each).

    ``countries`` is the resource directory's set of ISO codes and ``entity_types`` the
    policy's PII entity types: label values outside them become ``other``.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        countries: Iterable[str] = (),
        entity_types: Iterable[str] = (),
    ) -> None:
        self.registry = registry
        self.routes = ROUTES
        self.countries = frozenset(c.upper() for c in countries)
        self.entity_types = frozenset(entity_types)
        r = registry
        self.requests = Counter(
            "careguard_requests", "Requests handled, by route and outcome.",
            ["route", "outcome"], registry=r,
        )  # fmt: skip
        self.in_flight = Gauge(
            "careguard_requests_in_flight", "Requests being handled now.",
            registry=r, multiprocess_mode="livesum",
        )  # fmt: skip
        self.stage_seconds = Histogram(
            "careguard_stage_duration_seconds",
            "Time per stage for one turn; stage=total is the whole request, stage=overhead is "
            "total minus the upstream LLM (what careguard itself adds).",
            ["stage"], buckets=_BUCKETS, registry=r,
        )  # fmt: skip
        self.assessments = Counter(
            "careguard_assessments",
            "Chat-turn assessments, by level ('unknown': distress could not be assessed) and"
            " subject (POST /v1/assess is counted in careguard_assess_api_total).",
            ["level", "subject"], registry=r,
        )  # fmt: skip
        self.assess_api = Counter(
            "careguard_assess_api",
            "Assessments requested through POST /v1/assess (no user was answered), by level;"
            " kept out of careguard_assessments_total, which counts chat turns only.",
            ["level"], registry=r,
        )  # fmt: skip
        self.languages = Counter(
            "careguard_assessed_languages",
            "Assessed turns by the conversation's language (ISO 639-1; und: too short or unclear"
            " to tell; other: a language outside the fixed label set).",
            ["language"], registry=r,
        )  # fmt: skip
        self.unsupported_languages = Counter(
            "careguard_unsupported_language_turns",
            "Assessed turns in a language careguard does not read (flagged language:unsupported),"
            " by language.",
            ["language"], registry=r,
        )  # fmt: skip
        self.referrals = Counter(
            "careguard_crisis_referrals",
            "Crisis-referral notifications shown to users (turns where crisis resources reached "
            "the user), by country: the count operators report under California SB 243 §22603.",
            ["country"], registry=r,
        )  # fmt: skip
        self.resources_shown = Counter(
            "careguard_crisis_resources_shown",
            "Crisis resources shown, one per resource and contact channel, by country and channel.",
            ["country", "channel"], registry=r,
        )  # fmt: skip
        self.escalations = Counter(
            "careguard_escalations", "Escalation webhook events, by outcome.",
            ["outcome"], registry=r,
        )  # fmt: skip
        self.pii_entities = Counter(
            "careguard_pii_entities",
            "Personal-data entities found in newly analysed text, by entity type (history"
            " re-sent in later turns is not counted again).",
            ["entity_type"], registry=r,
        )  # fmt: skip
        self.reply_actions = Counter(
            "careguard_reply_check_actions", "Actions taken on replies, by check and action.",
            ["check", "action"], registry=r,
        )  # fmt: skip
        self.reply_findings = Counter(
            "careguard_reply_findings",
            "Reply sentences that broke a safe-messaging check, by finding (method-details,"
            " lethality, encouragement, concealment, committed-suicide, abandonment,"
            " outdated-number).",
            ["finding"], registry=r,
        )  # fmt: skip
        self.upstream_errors = Counter(
            "careguard_upstream_errors", "Upstream LLM failures, by kind.",
            ["kind"], registry=r,
        )  # fmt: skip
        self.failsafe = Counter(
            "careguard_failsafe_activations",
            "Stages that could not run and were resolved by the failure mode, by stage and mode.",
            ["stage", "mode"], registry=r,
        )  # fmt: skip
        self.policy_info = Gauge(
            "careguard_policy_info", "The policy in force (value 1).",
            ["name", "version"], registry=r, multiprocess_mode="livemax",
        )  # fmt: skip
        self.model_info = Gauge(
            "careguard_model_info", "The model each stage runs (value 1).",
            ["stage", "model"], registry=r, multiprocess_mode="livemax",
        )  # fmt: skip

    # -- recording -----------------------------------------------------------------------

    def allow_routes(self, paths: Iterable[str]) -> None:
        """Also label requests by these paths (the routes an ASGI middleware was configured
        with at start-up; never paths taken from requests)."""
        self.routes = self.routes | frozenset(paths)

    def request(self, route: str, outcome: str) -> None:
        """Count one finished request."""
        self.requests.labels(_bounded(route, self.routes), _bounded(outcome, OUTCOMES)).inc()

    def stage(self, stage: str, seconds: float) -> None:
        """Observe one stage's duration in seconds."""
        self.stage_seconds.labels(_bounded(stage, STAGES)).observe(max(0.0, seconds))

    def turn_timings(self, seconds: Mapping[str, float]) -> None:
        """Observe every stage of a turn; adds ``overhead`` (total minus upstream) when
        ``total`` is given and ``overhead`` is not."""
        for name, value in seconds.items():
            self.stage(name, value)
        if "total" in seconds and "overhead" not in seconds:
            self.stage("overhead", seconds["total"] - seconds.get("upstream", 0.0))

    def assessment(self, level: str, subject: str) -> None:
        self.assessments.labels(_bounded(level, _LEVELS), _bounded(subject, SUBJECTS)).inc()

    def assess_api_call(self, level: str) -> None:
        """Count one ``POST /v1/assess`` assessment (not a chat turn)."""
        self.assess_api.labels(_bounded(level, _LEVELS)).inc()
    def language(self, code: str, *, supported: bool) -> None:
        """Count one assessed turn in language ``code`` (and, when careguard cannot read it,
        one unsupported turn)."""
        label = _bounded(code, LANGUAGES)
        self.languages.labels(label).inc()
        if not supported:
            self.unsupported_languages.labels(label).inc()

    def country(self, code: str | None) -> str:
        """The bounded country label for ``code``."""
        cc = (code or "").upper()
        return cc if cc in self.countries else OTHER

    def referral(self, country: str | None, channels: Iterable[str] = ()) -> None:
        """Count one crisis-referral notification shown in ``country``; ``channels`` lists the
        contact channel of each resource shown (one entry per resource and channel)."""
        cc = self.country(country)
        self.referrals.labels(cc).inc()
        for channel in channels:
            self.resources_shown.labels(cc, _bounded(channel, CHANNELS)).inc()

    def escalation(self, outcome: str) -> None:
        self.escalations.labels(_bounded(outcome, ESCALATION_OUTCOMES)).inc()

    def pii(self, entity_types: Iterable[str]) -> None:
        """Count found entities, one call per turn with each finding's entity type."""
        for entity in entity_types:
            self.pii_entities.labels(entity if entity in self.entity_types else OTHER).inc()

    def reply_action(self, check: str, action: str) -> None:
        self.reply_actions.labels(_bounded(check, CHECKS), _bounded(action, ACTIONS)).inc()

    def reply_finding(self, finding: str) -> None:
        self.reply_findings.labels(_bounded(finding, REPLY_FINDINGS)).inc()

    def upstream_error(self, kind: str) -> None:
        self.upstream_errors.labels(_bounded(kind, UPSTREAM_ERROR_KINDS)).inc()

    def failsafe_activation(self, stage: str, mode: str) -> None:
        self.failsafe.labels(_bounded(stage, STAGES), _bounded(mode, FAILURE_MODES)).inc()

    def set_info(self, *, policy_name: str, policy_version: int | str,
                 models: Mapping[str, str] = {}) -> None:  # fmt: skip
        """Record the policy and models in force (operator-chosen, one value per process)."""
        self.policy_info.labels(policy_name, str(policy_version)).set(1)
        for stage, model in models.items():
            self.model_info.labels(_bounded(stage, STAGES), model).set(1)

    # -- exposition ----------------------------------------------------------------------

    def exposition(self) -> tuple[bytes, str]:
        """The ``/metrics`` body and its content type.

        In multiprocess mode this collects every worker's files (so any worker answers with
        the sums); otherwise it renders the injected registry.
        """
        if multiprocess_dir() is not None:
            merged = CollectorRegistry(auto_describe=False)
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]  # unannotated upstream
            return generate_latest(merged), CONTENT_TYPE_PLAIN_0_0_4
        return generate_latest(self.registry), CONTENT_TYPE_PLAIN_0_0_4


def multiprocess_dir() -> Path | None:
    """The multiprocess directory when ``PROMETHEUS_MULTIPROC_DIR`` is set."""
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def prepare_multiprocess_dir(path: str | Path) -> Path:
    """Create ``path`` (or remove the metric files in it) and export it as
    ``PROMETHEUS_MULTIPROC_DIR``.

    Call once in the parent before workers start: stale files from an earlier run would
    otherwise be summed into the new one. Only prometheus-client's ``*.db`` files are removed.
    """
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    for stale in p.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(p)
    return p


def mark_worker_dead(pid: int | None = None) -> None:
    """Drop a finished worker's live gauges (no-op outside multiprocess mode)."""
    directory = multiprocess_dir()
    if directory is not None:
        pid = pid if pid is not None else os.getpid()
        mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]  # unannotated upstream
