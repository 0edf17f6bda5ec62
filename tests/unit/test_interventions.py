"""Interventions: plans from the policy, the system block, the resource note, direct replies."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from careguard.assessment import Assessment
from careguard.errors import PolicyError
from careguard.interventions import (
    BLOCK_END,
    BLOCK_START,
    Guidelines,
    Interventions,
    Plan,
    direct_response,
    plan_for,
    reply_has_resources,
    resource_note,
    strip_system_block,
    system_block,
)
from careguard.levels import LEVELS, Level, Subject
from careguard.output_checks import ReplyChecker
from careguard.policy import LoadedPolicy, Policy, load_policy
from careguard.resources import ResourceDirectory
from tests.unit.test_resources import OUTDATED_DIGITS, digits_in

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def loaded() -> LoadedPolicy:
    return load_policy(REPO / "policies" / "default.yaml")


@pytest.fixture(scope="module")
def directory(loaded: LoadedPolicy) -> ResourceDirectory:
    return ResourceDirectory.for_policy(loaded)


def _a(level: str, subject: Subject = "self") -> Assessment:
    return Assessment(level=Level(level), score=0.5, trend="stable", subject=subject)


def _with(policy: Policy, **interventions: object) -> Policy:
    ints = msgspec.structs.replace(policy.interventions, **interventions)
    return msgspec.structs.replace(policy, interventions=ints)


def _plan(loaded: LoadedPolicy, directory: ResourceDirectory, level: str,
          country: str | None = "GB", subject: Subject = "self") -> Plan:
    return plan_for(_a(level, subject), loaded.policy, directory, country)


@pytest.mark.parametrize(
    ("level", "guideline"),
    [("low", "supportive"), ("moderate", "supportive-strong"), ("high", "crisis"),
     ("imminent", "crisis-imminent")],
)
def test_level_selects_policy_guideline(
    loaded: LoadedPolicy, directory: ResourceDirectory, level: str, guideline: str
) -> None:
    """Each level gets the guideline the policy maps it to."""
    assert _plan(loaded, directory, level).guideline_ids == (guideline,)


def test_guideline_choice_comes_from_the_policy(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """Changing the policy's mapping changes the guideline (nothing fixed in code)."""
    policy = _with(loaded.policy, guidelines={Level.LOW: "supportive-strong"})
    plan = plan_for(_a("low"), policy, directory, "GB")
    assert plan.guideline_ids == ("supportive-strong",)


def test_level_none_adds_nothing(loaded: LoadedPolicy, directory: ResourceDirectory) -> None:
    """No distress: no guidelines, no system block."""
    assert system_block(_plan(loaded, directory, "none")) is None


@pytest.mark.parametrize("level", ["low", "moderate"])
def test_ordinary_sadness_gets_guidelines_without_hotline(
    loaded: LoadedPolicy, directory: ResourceDirectory, level: str
) -> None:
    """The reference conversation's levels get tone guidelines and no crisis number."""
    plan = _plan(loaded, directory, level)
    block = system_block(plan) or ""
    numbers = [r.phones[0].dial for r in plan.resources if r.phones] + ["999"]
    assert plan.guidelines in block and not plan.ensure_resources
    assert not [n for n in numbers if digits_in(block, n)]


@pytest.mark.parametrize("level", ["high", "imminent"])
def test_crisis_level_injects_and_guarantees_resources(
    loaded: LoadedPolicy, directory: ResourceDirectory, level: str
) -> None:
    """From resources_min_level the block lists the local lines and they are guaranteed."""
    plan = _plan(loaded, directory, level)
    assert "Samaritans: call 116 123" in (system_block(plan) or "") and plan.ensure_resources


def test_crisis_threshold_comes_from_the_policy(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """resources_min_level: moderate moves the crisis protocol down to moderate."""
    policy = _with(loaded.policy, resources_min_level=Level.MODERATE)
    assert plan_for(_a("moderate"), policy, directory, "GB").ensure_resources


@pytest.mark.parametrize(
    ("country", "expected"),
    [("GB", "116 123"), ("US", "988"), ("gb", "116 123"), (None, "988"), ("nonsense", "988"),
     ("PL", "findahelpline.com"), ("FR", "3114")],
)
def test_plan_resources_for_country(
    loaded: LoadedPolicy, directory: ResourceDirectory, country: str | None, expected: str
) -> None:
    """The request's country picks the lines; invalid or missing uses the policy default (US)."""
    assert expected in (system_block(_plan(loaded, directory, "high", country)) or "")


@pytest.mark.parametrize(
    ("country", "expected"),
    [("GB", "GB"), ("UK", "GB"), ("United Kingdom", "GB"), ("USA", "US"), ("XX", "US"),
     (None, "US"), ("PL", "ZZ"), ("DK", "ZZ")],
)
def test_plan_names_the_country_whose_resources_it_shows(
    loaded: LoadedPolicy, directory: ResourceDirectory, country: str | None, expected: str
) -> None:
    """resources_country is the directory's country of the lines shown (ZZ: international)."""
    assert _plan(loaded, directory, "high", country).resources_country == expected


def test_plan_shows_at_most_max_resources_lines(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """interventions.max_resources caps the lines for a country with 24/7 lines."""
    policy = _with(loaded.policy, max_resources=1)
    assert [r.id for r in plan_for(_a("high"), policy, directory, "FR").resources] == ["fr-3114"]


def test_country_without_verified_24_7_line_adds_directory(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """Italy (no verified 24/7 line) also gets findahelpline.com."""
    assert "findahelpline.com" in resource_note(_plan(loaded, directory, "high", "IT"))


@pytest.mark.parametrize(("country", "number"), [("GB", "999"), ("US", "911"), ("NO", "113")])
def test_note_gives_local_emergency_number(
    loaded: LoadedPolicy, directory: ResourceDirectory, country: str, number: str
) -> None:
    """The resource note names the country's emergency number."""
    assert f"call {number} " in resource_note(_plan(loaded, directory, "high", country))


def test_unknown_country_note_says_local_emergency_number(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """Without a known country the note says "your local emergency number"."""
    assert "your local emergency number" in resource_note(_plan(loaded, directory, "high", "PL"))


def test_subject_other_gets_helper_guideline_and_note(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """Distress about someone else gets the helping-someone guideline and helper wording."""
    plan = _plan(loaded, directory, "high", "US", subject="other")
    assert plan.guideline_ids == ("helping-someone",)
    assert "worried about someone" in resource_note(plan)


def test_subject_other_puts_helper_lines_first(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """Lines that serve people worried about someone come first for subject other."""
    plan = _plan(loaded, directory, "high", "NZ", subject="other")
    assert plan.resources[0].id == "nz-suicide-crisis-helpline"


@pytest.mark.parametrize(
    ("action", "level", "expected"),
    [("respond", "imminent", True), ("respond", "high", False), ("augment", "imminent", False)],
)
def test_respond_directly_follows_policy(
    loaded: LoadedPolicy, directory: ResourceDirectory, action: str, level: str, expected: bool
) -> None:
    """Only imminent turns under imminent_action: respond are answered directly."""
    policy = _with(loaded.policy, imminent_action=action)
    assert plan_for(_a(level), policy, directory, "GB").respond_directly is expected


@pytest.mark.parametrize(
    ("url", "level", "expected"),
    [(None, "imminent", False), ("http://127.0.0.1:9/hook", "imminent", True),
     ("http://127.0.0.1:9/hook", "high", False)],
)
def test_escalate_follows_policy(
    loaded: LoadedPolicy, directory: ResourceDirectory, url: str | None, level: str,
    expected: bool,
) -> None:
    """Escalation needs a configured webhook and a level at or above its min_level."""
    esc = msgspec.structs.replace(loaded.policy.interventions.escalation, webhook_url=url)
    policy = _with(loaded.policy, escalation=esc)
    assert plan_for(_a(level), policy, directory, "GB").escalate is expected


def test_system_block_is_delimited_and_strippable(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """The block is recognisable and strip_system_block removes it whole."""
    block = system_block(_plan(loaded, directory, "high")) or ""
    assert block.startswith(BLOCK_START) and block.endswith(BLOCK_END)
    assert strip_system_block(f"You are kind.\n{block}\nBe brief.") == "You are kind.\nBe brief."


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("You can call Samaritans on 116 123.", True),
        ("Call 116123 any time.", True),
        ("Ring 116-123 now.", True),
        ("Text SHOUT to 85 258.", True),
        ("Call 116 1234.", False),
        ("Please talk to someone you trust.", False),
    ],
)
def test_reply_has_resources_tolerates_formatting(
    loaded: LoadedPolicy, directory: ResourceDirectory, reply: str, expected: bool
) -> None:
    """A resource counts whatever its spacing; other numbers do not."""
    assert reply_has_resources(reply, _plan(loaded, directory, "high")) is expected


def test_reply_has_resources_accepts_directory_link(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """For the international fallback, the directory's address counts."""
    plan = _plan(loaded, directory, "high", "PL")
    assert reply_has_resources("See https://FindAHelpline.com for lines near you.", plan)


@pytest.mark.parametrize("render", [resource_note, direct_response], ids=lambda f: f.__name__)
@pytest.mark.parametrize("subject", ["self", "other"])
def test_rendered_texts_contain_their_resources(
    loaded: LoadedPolicy, directory: ResourceDirectory, render: object, subject: Subject
) -> None:
    """The note and the direct response always satisfy reply_has_resources."""
    assert callable(render)
    plan = _plan(loaded, directory, "imminent", "GB", subject)
    assert reply_has_resources(render(plan), plan)


def test_direct_response_is_warm_and_safe(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """The direct response invites the user to keep talking and is honest about being an AI."""
    text = direct_response(_plan(loaded, directory, "imminent"))
    assert "AI" in text and "keep talking" in text and "goodbye" not in text.lower()


def _all_outputs(loaded: LoadedPolicy, directory: ResourceDirectory) -> list[str]:
    out: list[str] = []
    for cc in [*sorted(directory.countries), "ZZ", "PL", None]:
        for level in LEVELS:
            for subject in ("self", "other", "unclear"):
                plan = plan_for(_a(level.value, subject), loaded.policy, directory, cc)
                out += [system_block(plan) or "", resource_note(plan), direct_response(plan),
                        repr(plan.resources)]
    return out


@pytest.fixture(scope="module")
def every_output(loaded: LoadedPolicy, directory: ResourceDirectory) -> str:
    return "\n=====\n".join(sorted(set(_all_outputs(loaded, directory))))


@pytest.mark.parametrize("digits", OUTDATED_DIGITS)
def test_outdated_number_never_shown(every_output: str, digits: str) -> None:
    """No outdated number appears in any plan's resources, block, note or direct response
    (``Plan.corrections`` holds them on purpose, to correct replies; it is never shown)."""
    assert not digits_in(every_output, digits)


def test_disputed_entries_never_shown(directory: ResourceDirectory, every_output: str) -> None:
    """No disputed entry's name or number appears in any output."""
    bad = [w.service for w in directory.withheld if w.service]
    bad_digits = [re.sub(r"\D", "", v) for v in directory.never_shown()]
    assert not [s for s in bad if s in every_output]
    assert not [d for d in bad_digits if len(d) >= 3 and digits_in(every_output, d)]


def test_every_output_has_been_generated(every_output: str) -> None:
    """The never-shown checks above ran over real text (Samaritans and 988 both appear)."""
    assert "116 123" in every_output and "call or text 988" in every_output


def test_unknown_guideline_id_is_a_policy_error(loaded: LoadedPolicy, tmp_path: Path) -> None:
    """A policy naming a guideline that has no file stops start-up with its $.path."""
    policy = _with(loaded.policy, guidelines={Level.HIGH: "no-such-guideline"})
    with pytest.raises(PolicyError) as err:
        Guidelines.for_policy(LoadedPolicy(policy, tmp_path / "policy.yaml"))
    assert err.value.path == "$.interventions.guidelines.high"


def test_policy_elsewhere_uses_shipped_data(loaded: LoadedPolicy, tmp_path: Path) -> None:
    """A policy file in a directory without guidelines or resources uses the shipped ones."""
    ints = Interventions.from_policy(LoadedPolicy(loaded.policy, tmp_path / "policy.yaml"))
    plan = ints.plan_for(_a("high"), loaded.policy, None, "GB")
    assert plan.resources[0].id == "gb-samaritans" and plan.guideline_ids == ("crisis",)


def test_guideline_next_to_policy_overrides_shipped(loaded: LoadedPolicy, tmp_path: Path) -> None:
    """A guidelines/<id>.md next to the policy file replaces the shipped text."""
    (tmp_path / "guidelines").mkdir()
    (tmp_path / "guidelines" / "supportive.md").write_text("Be kind and brief.\n")
    g = Guidelines.for_policy(LoadedPolicy(loaded.policy, tmp_path / "policy.yaml"))
    assert (g["supportive"], g["crisis"] != "") == ("Be kind and brief.", True)


def test_interventions_from_policy_plans_with_its_guidelines(loaded: LoadedPolicy) -> None:
    """Interventions.from_policy loads the policy's guidelines and directory once."""
    ints = Interventions.from_policy(loaded)
    plan = ints.plan_for(_a("moderate"), loaded.policy, None, "GB")
    assert plan.guidelines == ints.guidelines["supportive-strong"]


def test_our_own_texts_pass_the_reply_checks(
    directory: ResourceDirectory, every_output: str
) -> None:
    """Blocks, notes and direct responses are never flagged (e.g. when echoed back)."""
    checker = ReplyChecker(corrections=directory.corrections())
    assert checker.check(every_output).findings == ()


def _unread(level: str, policy: Policy, directory: ResourceDirectory) -> Plan:
    a = Assessment(level=Level(level), score=0.5, trend="stable", subject="self",
                   language="de", language_supported=False)  # fmt: skip
    return plan_for(a, policy, directory, "DE")


def _languages(policy: Policy, **fields: object) -> Policy:
    langs = msgspec.structs.replace(policy.languages, **fields)
    return msgspec.structs.replace(policy, languages=langs)


@pytest.mark.parametrize("level", ["none", "low", "moderate"])
def test_an_unread_language_gets_moderate_guidelines_and_local_lines(
    loaded: LoadedPolicy, directory: ResourceDirectory, level: str
) -> None:
    """``support``: below the crisis level, the moderate guideline and the local crisis lines
    go into the system prompt, as an offer (not guaranteed, not the crisis protocol)."""
    plan = _unread(level, loaded.policy, directory)
    assert plan.guideline_ids == (loaded.policy.interventions.guidelines[Level.MODERATE],)
    assert plan.inject_resources and plan.language_fallback
    assert not plan.ensure_resources and not plan.crisis
    block = system_block(plan) or ""
    assert "TelefonSeelsorge" in block and "cannot read the user's language" in block


def test_an_unread_language_at_the_crisis_level_is_the_crisis_protocol(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """At ``high`` the English model's crisis call stands: resources guaranteed, crisis text."""
    plan = _unread("high", loaded.policy, directory)
    assert plan.crisis and plan.ensure_resources and not plan.language_fallback
    assert "Include at least one of them" in (system_block(plan) or "")


def test_report_only_plans_by_the_level_alone(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """``report``: an unread turn at ``none`` gets nothing added."""
    plan = _unread("none", _languages(loaded.policy, unsupported_action="report"), directory)
    assert plan.guideline_ids == () and not plan.inject_resources
    assert system_block(plan) is None


def test_a_supported_language_is_planned_as_before(
    loaded: LoadedPolicy, directory: ResourceDirectory
) -> None:
    """An English ``none`` turn gets no guideline and no resources."""
    plan = _plan(loaded, directory, "none")
    assert plan.guideline_ids == () and not plan.inject_resources and not plan.language_fallback
