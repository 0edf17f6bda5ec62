"""The assessor and languages: every conversation gets its language; one careguard cannot read
is flagged and never reported as a confident ``none``; the level is never lowered; English
short messages stay supported; the supported set is the model's, narrowed by the policy."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import msgspec
import pytest

from careguard.conversation import Message
from careguard.distress import build_assessor
from careguard.distress.assessor import UNSUPPORTED_MAX_SCORE, UNSUPPORTED_SIGNAL, Assessor
from careguard.errors import PolicyError
from careguard.levels import Level
from careguard.policy import LanguagesPolicy, LoadedPolicy, load_policy

pytestmark = pytest.mark.models

FOREIGN = [
    "Ich weiß nicht mehr weiter, alles ist so sinnlos geworden",
    "Kannst du mir ein Rezept für Apfelkuchen geben?",
    "me quiero morir, en serio, ya no aguanto más",
    "je voudrais réserver une table pour deux personnes ce soir",
    "não aguento mais, estou cansada de tudo isso",
    "ang bigat ng pakiramdam ko lagi",
]


@pytest.fixture(scope="module")
def assessor() -> Iterator[Assessor]:
    yield build_assessor(load_policy())


def _policy(**fields: object) -> LoadedPolicy:
    base = load_policy()
    languages = msgspec.structs.replace(base.policy.languages, **fields)
    return LoadedPolicy(msgspec.structs.replace(base.policy, languages=languages), base.source)


def _user(*texts: str) -> list[Message]:
    out: list[Message] = []
    for t in texts:
        out += [Message("user", t), Message("assistant", "I'm listening.")]
    return out[:-1]


@pytest.mark.parametrize("text", FOREIGN)
def test_an_unsupported_language_is_flagged(assessor: Assessor, text: str) -> None:
    """A turn in German, Spanish, French, Portuguese or Tagalog is not supported, and says so."""
    a = assessor.assess(_user(text))
    assert not a.language_supported
    assert UNSUPPORTED_SIGNAL in {s.name for s in a.signals}


@pytest.mark.parametrize("text", FOREIGN)
def test_an_unsupported_language_is_never_a_confident_none(assessor: Assessor, text: str) -> None:
    """Whatever the English model says, the assessment claims at most 0.5 confidence."""
    a = assessor.assess(_user(text))
    assert a.score <= UNSUPPORTED_MAX_SCORE
    assert all(t.score <= UNSUPPORTED_MAX_SCORE for t in a.turns)


@pytest.mark.parametrize("text", FOREIGN)
def test_an_unsupported_language_keeps_the_english_models_level(
    assessor: Assessor, text: str
) -> None:
    """The level is at least what the English model says: flagging never lowers it."""
    blind = Assessor(assessor.model, assessor.embedder)  # no language identification
    assert assessor.assess(_user(text)).level >= blind.assess(_user(text)).level


@pytest.mark.parametrize("text", ["ok", "hi", "lol", "thanks", "😭", "42", "im scared",
                                  "im gonna kms", "hiya", "meh"])  # fmt: skip
def test_short_english_messages_stay_supported(assessor: Assessor, text: str) -> None:
    """A short English message alone is ``und`` or ``en``, supported, not flagged."""
    a = assessor.assess(_user(text))
    assert a.language in {"und", "en"} and a.language_supported
    assert UNSUPPORTED_SIGNAL not in {s.name for s in a.signals}


def test_a_short_turn_keeps_an_english_conversation_english(assessor: Assessor) -> None:
    """"im scared" after English turns leaves the conversation English, supported."""
    a = assessor.assess(_user("my boyfriend left me last night and I can't stop crying",
                              "im scared"))  # fmt: skip
    assert (a.language, a.language_supported) == ("en", True)


def test_a_short_turn_keeps_a_german_conversation_unsupported(assessor: Assessor) -> None:
    """"ok" after a German turn does not make the conversation readable."""
    a = assessor.assess(_user(FOREIGN[0], "ok"))
    assert (a.language, a.language_supported) == ("de", False)
    assert a.score <= UNSUPPORTED_MAX_SCORE


def test_each_turn_reports_its_own_language(assessor: Assessor) -> None:
    """Per-turn results carry the turn's own code (``und`` for "ok")."""
    a = assessor.assess(_user(FOREIGN[0], "ok"))
    assert [t.language for t in a.turns] == ["de", "und"]


def test_english_crisis_is_unchanged(assessor: Assessor) -> None:
    """An English crisis message is assessed as before: supported, no flag, full score."""
    a = assessor.assess(_user("I want to kill myself tonight, I have the pills ready"))
    assert a.language_supported and a.level is Level.IMMINENT
    assert UNSUPPORTED_SIGNAL not in {s.name for s in a.signals}


def test_the_language_is_cached_with_the_message(assessor: Assessor) -> None:
    """Re-assessing the history analyses nothing new and gives the same language."""
    first = assessor.assess(_user(FOREIGN[2]))
    before = assessor.misses
    again = assessor.assess(_user(FOREIGN[2]))
    assert assessor.misses == before and again.language == first.language == "es"


def test_the_model_declares_english_by_default(assessor: Assessor) -> None:
    """The shipped model records no languages: it reads English, and that is the default set."""
    assert assessor.model.languages == ("en",)
    assert assessor.languages == frozenset({"en"})


def test_a_model_that_declares_more_languages_extends_the_set(assessor: Assessor) -> None:
    """A model whose metadata lists German makes German supported with no policy change."""
    multilingual = dataclasses.replace(assessor.model, meta={"languages": ["en", "de"]})
    a = Assessor(multilingual, assessor.embedder, identifier=assessor.identifier)
    assert a.assess(_user(FOREIGN[0])).language_supported


def test_the_policy_can_narrow_nothing_it_cannot_read() -> None:
    """A policy naming a language the model does not read stops start-up at its $.path."""
    with pytest.raises(PolicyError) as err:
        build_assessor(_policy(supported=("en", "de")))
    assert "$.languages.supported" in str(err.value)


def test_languages_policy_rejects_a_bad_code() -> None:
    """``supported`` holds ISO 639-1 codes: "English" is refused."""
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"supported": ["English"]}, LanguagesPolicy)
