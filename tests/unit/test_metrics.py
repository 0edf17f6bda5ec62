"""careguard.metrics: instruments on an injected registry, bounded labels, multiprocess sums."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from careguard.metrics import METRIC_NAMES, OTHER, Metrics


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(CollectorRegistry(), countries={"US", "GB"}, entity_types={"EMAIL_ADDRESS"})


def sample(m: Metrics, name: str, **labels: str) -> float | None:
    value = m.registry.get_sample_value(name, labels)
    return value


@pytest.mark.parametrize(
    ("record", "name", "labels"),
    [
        (lambda m: m.request("/v1/chat/completions", "ok"), "careguard_requests_total",
         {"route": "/v1/chat/completions", "outcome": "ok"}),
        (lambda m: m.assessment("high", "self"), "careguard_assessments_total",
         {"level": "high", "subject": "self"}),
        (lambda m: m.referral("US", ["phone"]), "careguard_crisis_referrals_total",
         {"country": "US"}),
        (lambda m: m.referral("GB", ["sms"]), "careguard_crisis_resources_shown_total",
         {"country": "GB", "channel": "sms"}),
        (lambda m: m.escalation("sent"), "careguard_escalations_total", {"outcome": "sent"}),
        (lambda m: m.pii(["EMAIL_ADDRESS"]), "careguard_pii_entities_total",
         {"entity_type": "EMAIL_ADDRESS"}),
        (lambda m: m.reply_action("safe_messaging", "rewrite"),
         "careguard_reply_check_actions_total", {"check": "safe_messaging", "action": "rewrite"}),
        (lambda m: m.reply_finding("concealment"), "careguard_reply_findings_total",
         {"finding": "concealment"}),
        (lambda m: m.upstream_error("timeout"), "careguard_upstream_errors_total",
         {"kind": "timeout"}),
        (lambda m: m.failsafe_activation("pii", "closed"),
         "careguard_failsafe_activations_total", {"stage": "pii", "mode": "closed"}),
        (lambda m: m.stage("distress", 0.02), "careguard_stage_duration_seconds_count",
         {"stage": "distress"}),
        (lambda m: m.language("de", supported=False), "careguard_assessed_languages_total",
         {"language": "de"}),
        (lambda m: m.language("de", supported=False),
         "careguard_unsupported_language_turns_total", {"language": "de"}),
    ],
)  # fmt: skip
def test_recording_counts_one(metrics: Metrics, record: object, name: str,
                              labels: dict[str, str]) -> None:  # fmt: skip
    """Each recording method adds exactly one to its series."""
    record(metrics)  # type: ignore[operator]
    assert sample(metrics, name, **labels) == 1.0


@pytest.mark.parametrize(
    ("record", "name", "labels"),
    [
        (lambda m: m.request("/v1/users/jane@example.com", "ok"), "careguard_requests_total",
         {"route": OTHER, "outcome": "ok"}),
        (lambda m: m.request("/v1/assess", "weird"), "careguard_requests_total",
         {"route": "/v1/assess", "outcome": OTHER}),
        (lambda m: m.assessment("catastrophic", "self"), "careguard_assessments_total",
         {"level": OTHER, "subject": "self"}),
        (lambda m: m.referral("FR", []), "careguard_crisis_referrals_total", {"country": OTHER}),
        (lambda m: m.referral("US", ["carrier pigeon"]),
         "careguard_crisis_resources_shown_total", {"country": "US", "channel": OTHER}),
        (lambda m: m.pii(["PERSON"]), "careguard_pii_entities_total", {"entity_type": OTHER}),
        (lambda m: m.upstream_error("555-0100"), "careguard_upstream_errors_total",
         {"kind": OTHER}),
        (lambda m: m.reply_finding("a sentence of the reply"), "careguard_reply_findings_total",
         {"finding": OTHER}),
        (lambda m: m.stage("my stage", 1.0), "careguard_stage_duration_seconds_count",
         {"stage": OTHER}),
        (lambda m: m.language("ceb", supported=False), "careguard_assessed_languages_total",
         {"language": OTHER}),
        (lambda m: m.language("Deutsch", supported=False),
         "careguard_unsupported_language_turns_total", {"language": OTHER}),
    ],
)  # fmt: skip
def test_unknown_label_values_become_other(metrics: Metrics, record: object, name: str,
                                           labels: dict[str, str]) -> None:  # fmt: skip
    """A label value outside its closed set is recorded as ``other``."""
    record(metrics)  # type: ignore[operator]
    assert sample(metrics, name, **labels) == 1.0


def test_a_supported_language_is_not_counted_as_unread(metrics: Metrics) -> None:
    """An English turn counts by language and adds nothing to the unsupported counter."""
    metrics.language("en", supported=True)
    assert sample(metrics, "careguard_assessed_languages_total", language="en") == 1.0
    assert sample(metrics, "careguard_unsupported_language_turns_total", language="en") is None


def test_country_codes_are_case_insensitive(metrics: Metrics) -> None:
    """A lower-case country code from a header maps to the directory's code."""
    assert metrics.country("gb") == "GB"


def test_turn_timings_derive_overhead(metrics: Metrics) -> None:
    """``overhead`` is total minus upstream when a turn's timings are recorded."""
    metrics.turn_timings({"total": 1.5, "upstream": 1.2, "pii": 0.1})
    overhead = sample(metrics, "careguard_stage_duration_seconds_sum", stage="overhead")
    assert overhead == pytest.approx(0.3)


def test_registries_are_independent() -> None:
    """Two Metrics on two fresh registries do not share values."""
    a, b = Metrics(CollectorRegistry()), Metrics(CollectorRegistry())
    a.request("/healthz", "ok")
    labels = {"route": "/healthz", "outcome": "ok"}
    assert b.registry.get_sample_value("careguard_requests_total", labels) is None


def test_exposition_has_every_metric_family(metrics: Metrics) -> None:
    """After one of everything, the scrape text holds every name in METRIC_NAMES."""
    metrics.request("/v1/assess", "ok")
    metrics.in_flight.inc()
    metrics.turn_timings({"total": 0.1})
    metrics.assessment("none", "self")
    metrics.assess_api_call("none")
    metrics.language("de", supported=False)
    metrics.referral("US", ["phone"])
    metrics.escalation("sent")
    metrics.pii(["EMAIL_ADDRESS"])
    metrics.reply_action("resources", "append_resources")
    metrics.reply_finding("method-details")
    metrics.upstream_error("unavailable")
    metrics.failsafe_activation("distress", "open")
    metrics.set_info(policy_name="default", policy_version=1, models={"distress": "builtin"})
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    names = set()
    for family in text_string_to_metric_families(body.decode()):
        names.add(family.name)
        names.update(s.name for s in family.samples)
    assert names >= METRIC_NAMES


_WORKER = textwrap.dedent(
    """
    import sys
    from prometheus_client import CollectorRegistry
    from careguard.metrics import Metrics
    m = Metrics(CollectorRegistry())
    for _ in range(int(sys.argv[1])):
        m.request("/v1/chat/completions", "ok")
    """
)

_SCRAPE = textwrap.dedent(
    """
    from prometheus_client import CollectorRegistry
    from careguard.metrics import Metrics
    print(Metrics(CollectorRegistry()).exposition()[0].decode())
    """
)


def test_multiprocess_exposition_sums_processes(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, a scrape sums the counters of every process."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", _WORKER, str(n)], env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-c", _SCRAPE], env=env, check=True, capture_output=True, text=True
    ).stdout
    values = [
        s.value
        for f in text_string_to_metric_families(out)
        for s in f.samples
        if s.name == "careguard_requests_total"
    ]
    assert values == [7.0]
