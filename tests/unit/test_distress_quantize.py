"""The int8 embedding model is built once, deterministically, close to the float model;
caches and weights from another embedding are not mixed with it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from careguard.distress.embed_cache import EmbeddingCache
from careguard.distress.embedder import Embedder
from careguard.distress.model import DistressModel, weights_path
from careguard.distress.quantize import RECIPE, ensure_quantized, source_model_path
from careguard.errors import PolicyError

SENTENCES = [
    "Work has been really stressful lately and I can't sleep.",
    "I want to die",
    "What a lovely sunny day at the beach with my kids.",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_quantized(tmp_path_factory.mktemp("models"))


@pytest.mark.models
def test_second_call_reuses_the_built_file(built: Path) -> None:
    """A built model is found again, not rebuilt."""
    before = built.stat().st_mtime_ns
    assert ensure_quantized(built.parent) == built
    assert built.stat().st_mtime_ns == before


@pytest.mark.models
def test_build_is_deterministic(built: Path, tmp_path: Path) -> None:
    """Two builds from the same source write the same bytes."""
    again = ensure_quantized(tmp_path)
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (again, built)}
    assert len(digests) == 1


@pytest.mark.models
def test_int8_embeddings_stay_close_to_the_float_model(built: Path) -> None:
    """Cosine similarity to the package's float computation stays above 0.98."""
    q8 = Embedder(model_path=built).embed(SENTENCES)
    f32 = Embedder(model_path=source_model_path()).embed(SENTENCES)
    assert float(np.min(np.sum(q8 * f32, axis=1))) > 0.98


@pytest.mark.models
def test_unwritable_models_dir_builds_in_a_temporary_dir(tmp_path: Path) -> None:
    """A models directory that cannot be made still gives a model, with a warning naming the
    variable that fixes it, and the temporary copy is gone when the process exits."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; import logging; logging.basicConfig();"
        "from careguard.distress.quantize import ensure_quantized;"
        "p = ensure_quantized(Path(sys.argv[1]) / 'models'); print(p, p.is_file())"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(blocker)], capture_output=True, text=True, check=True
    )
    path, existed = run.stdout.split()
    assert existed == "True" and tmp_path not in Path(path).parents
    assert "CAREGUARD_MODELS_DIR" in run.stderr
    assert not Path(path).exists()


class _Fake:
    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 384), np.float32)


def test_cache_from_another_embedding_is_set_aside(tmp_path: Path) -> None:
    """Vectors cached for one embedding are not served for another."""
    path = tmp_path / "emb.npz"
    EmbeddingCache(path, "old").embed(_Fake("old"), ["hello"])
    cache = EmbeddingCache(path, "new")
    calls: list[list[str]] = []
    fake = _Fake("new")
    fake.embed = lambda texts: (calls.append(texts), np.ones((len(texts), 384), np.float32))[1]  # type: ignore[method-assign]
    cache.embed(fake, ["hello"])
    assert calls == [["hello"]]


def test_cache_refuses_an_embedder_of_another_embedding(tmp_path: Path) -> None:
    """Asking a cache for vectors with a different embedder is an error, not a mix."""
    with pytest.raises(ValueError, match="old"):
        EmbeddingCache(tmp_path / "emb.npz", "old").embed(_Fake("new"), ["hello"])


def test_shipped_weights_name_the_embedding_they_were_trained_on() -> None:
    """model.npz records the quantization recipe the assessor computes."""
    assert DistressModel.load(weights_path()).meta["embedding_id"] == RECIPE


@pytest.mark.models
def test_weights_from_another_embedding_are_refused(tmp_path: Path) -> None:
    """A policy's model directory with weights for another embedding is a policy error."""
    from careguard.distress import build_assessor
    from careguard.policy import load_policy

    model = DistressModel.load(weights_path())
    model.meta = dict(model.meta, embedding_id="float-minilm")
    (tmp_path / "m").mkdir()
    model.save(tmp_path / "m" / "model.npz")
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nname: t\ndistress:\n  model: m\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="train-distress"):
        build_assessor(load_policy(policy))


@pytest.mark.models
def test_a_text_embeds_the_same_alone_and_among_others(built: Path) -> None:
    """A text's vector does not depend on the other texts embedded with it (the int8
    model's activation scale is per run, so windows must not share a run)."""
    e = Embedder(model_path=built)
    alone = e.embed([SENTENCES[0]])[0]
    among = e.embed([SENTENCES[1], SENTENCES[0], "x " * 300])[1]
    assert np.array_equal(alone, among)
