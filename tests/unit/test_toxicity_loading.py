"""Loading detoxify checkpoints offline: tiny random checkpoints pin the path per architecture."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from careguard.errors import StageError
from careguard.policy import LoadedPolicy, Policy, ToxicityPolicy
from careguard.toxicity import build_toxicity
from careguard.toxicity.scorer import OFFICIAL_MODELS, official_paths

# (config class, model class, tokenizer class) of every architecture detoxify's official
# checkpoints name: original (BERT), unbiased (RoBERTa), multilingual (XLM-R), *-small (ALBERT).
ARCHITECTURES = {
    "bert": ("BertConfig", "BertForSequenceClassification", "BertTokenizer"),
    "roberta": ("RobertaConfig", "RobertaForSequenceClassification", "RobertaTokenizer"),
    "xlm-roberta": (
        "XLMRobertaConfig",
        "XLMRobertaForSequenceClassification",
        "XLMRobertaTokenizer",
    ),
    "albert": ("AlbertConfig", "AlbertForSequenceClassification", "AlbertTokenizer"),
}
CLASSES = ["toxic", "severe_toxic", "identity_hate"]
_SENTENCES = ["hello world you are kind", "this is a small test of words"] * 50


def _sentencepiece(vocab: int, **extra: object) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_SENTENCES),
        model_writer=buf,
        vocab_size=vocab,
        model_type="unigram",
        minloglevel=2,
        **extra,
    )
    return buf.getvalue()


def _tokenizer_files(arch: str, out: Path) -> None:
    if arch == "bert":
        words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "you", "are"]
        (out / "vocab.txt").write_text("\n".join(words) + "\n")
    elif arch == "roberta":
        toks = ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "Ġ", *"abcdefghijklmnopqrstuvwxyz"]
        (out / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(toks)}))
        (out / "merges.txt").write_text("#version: 0.2\n")
    elif arch == "xlm-roberta":
        spm = _sentencepiece(24, pad_id=0, unk_id=1, bos_id=2, eos_id=3)
        (out / "sentencepiece.bpe.model").write_bytes(spm)
    else:
        spm = _sentencepiece(
            26,
            pad_id=0,
            unk_id=1,
            bos_id=-1,
            eos_id=-1,
            user_defined_symbols=["[CLS]", "[SEP]", "[MASK]"],
        )
        (out / "spiece.model").write_bytes(spm)


def build_tiny_checkpoint(arch: str, out: Path) -> tuple[Path, Path]:
    """A randomly initialised 1-layer model of ``arch`` in detoxify's checkpoint format."""
    import transformers

    from careguard.toxicity.assemble import write_checkpoint

    config_cls, model_cls, tokenizer_cls = ARCHITECTURES[arch]
    config_dir = out / "config"
    config_dir.mkdir(parents=True)
    _tokenizer_files(arch, config_dir)
    extra: dict[str, int] = {"embedding_size": 16} if arch == "albert" else {}
    if arch in ("roberta", "xlm-roberta"):
        extra["pad_token_id"] = 1
    config = getattr(transformers, config_cls)(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
        num_labels=len(CLASSES),
        **extra,
    )
    config.save_pretrained(config_dir)
    model = getattr(transformers, model_cls)(config)
    checkpoint = out / "tiny.ckpt"
    write_checkpoint(
        checkpoint,
        config_dir=config_dir,
        model_name=model_cls,
        tokenizer_name=tokenizer_cls,
        classes=CLASSES,
        state_dict=model.state_dict(),
    )
    return checkpoint, config_dir


def _loaded(tmp_path: Path, **toxicity: object) -> LoadedPolicy:
    tox = msgspec.convert({"enabled": True, **toxicity}, ToxicityPolicy)
    policy = Policy(version=1, name="t", toxicity=tox)
    return LoadedPolicy(policy, tmp_path / "policy.yaml")


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_tiny_checkpoint_loads_through_detoxify(arch: str, tmp_path: Path) -> None:
    """A tiny random checkpoint of each architecture loads offline and scores renamed labels."""
    build_tiny_checkpoint(arch, tmp_path / "m")
    loaded = _loaded(tmp_path, model="checkpoint", checkpoint="m/tiny.ckpt", config_dir="m/config")
    scorer = build_toxicity(loaded, models_dir=tmp_path / "models")
    assert scorer is not None
    (result,) = scorer.score(["hello world"])
    assert set(result.scores) == {"toxicity", "severe_toxicity", "identity_attack"}


def test_scores_one_result_per_text_in_order(tmp_path: Path) -> None:
    """score() returns one result per input text, also across internal batches."""
    build_tiny_checkpoint("bert", tmp_path / "m")
    loaded = _loaded(tmp_path, model="checkpoint", checkpoint="m/tiny.ckpt", config_dir="m/config")
    scorer = build_toxicity(loaded, models_dir=tmp_path / "models")
    assert scorer is not None
    texts = [f"hello {'world ' * (i % 5)}" for i in range(70)]
    one_by_one = [scorer.score([t])[0].toxicity for t in texts[:3]]
    batched = [r.toxicity for r in scorer.score(texts)]
    assert len(batched) == 70 and batched[:3] == pytest.approx(one_by_one, abs=1e-5)


def test_threshold_decides_toxic(tmp_path: Path) -> None:
    """``toxic`` follows the policy threshold on the toxicity probability."""
    build_tiny_checkpoint("bert", tmp_path / "m")
    paths = {"model": "checkpoint", "checkpoint": "m/tiny.ckpt", "config_dir": "m/config"}
    low = build_toxicity(_loaded(tmp_path, threshold=0.0, **paths))
    high = build_toxicity(_loaded(tmp_path, threshold=1.0, **paths))
    assert low is not None and high is not None
    assert [low.score(["hello"])[0].toxic, high.score(["hello"])[0].toxic] == [True, False]


def test_disabled_returns_none_and_never_imports_torch() -> None:
    """With toxicity off, build_toxicity returns None and torch stays out of the process."""
    code = (
        "import sys\n"
        "from careguard.policy import load_policy\n"
        "from careguard.toxicity import build_toxicity\n"
        "assert load_policy().policy.toxicity.enabled is False\n"
        "print(build_toxicity(load_policy()), 'torch' in sys.modules, 'detoxify' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["None", "False", "False"]


@pytest.mark.parametrize("name", OFFICIAL_MODELS)
def test_missing_official_weights_raise_a_clear_stage_error(name: str, tmp_path: Path) -> None:
    """An official model that was never fetched is a StageError saying it cannot be downloaded."""
    with pytest.raises(StageError, match="cannot be downloaded at run time") as info:
        build_toxicity(_loaded(tmp_path, model=name), models_dir=tmp_path / "models")
    assert info.value.stage == "toxicity"


def test_fetched_layout_is_what_the_loader_reads(tmp_path: Path) -> None:
    """A model in the layout `models fetch` writes loads under its official name."""
    checkpoint, config_dir = official_paths("unbiased", tmp_path / "models")
    built, built_config = build_tiny_checkpoint("roberta", checkpoint.parent)
    built.rename(checkpoint)
    assert built_config == config_dir
    scorer = build_toxicity(_loaded(tmp_path, model="unbiased"), models_dir=tmp_path / "models")
    assert scorer is not None and "toxicity" in scorer.labels


@pytest.mark.parametrize(
    ("toxicity", "message"),
    [
        ({"model": "no-such-model"}, "unknown model"),
        ({"model": "checkpoint"}, "needs both checkpoint and config_dir"),
        ({"model": "checkpoint", "checkpoint": "x.ckpt", "config_dir": "cfg"}, "not found"),
    ],
)
def test_bad_model_settings_raise_stage_error(
    toxicity: dict[str, str], message: str, tmp_path: Path
) -> None:
    """Unknown names and missing checkpoint paths are StageErrors naming the problem."""
    with pytest.raises(StageError, match=message):
        build_toxicity(_loaded(tmp_path, **toxicity), models_dir=tmp_path / "models")


def test_corrupt_checkpoint_is_a_stage_error(tmp_path: Path) -> None:
    """A checkpoint file that is not a checkpoint gives a StageError, not a raw exception."""
    _, config_dir = build_tiny_checkpoint("bert", tmp_path / "m")
    (tmp_path / "m" / "tiny.ckpt").write_bytes(b"not a checkpoint")
    loaded = _loaded(tmp_path, model="checkpoint", checkpoint="m/tiny.ckpt", config_dir="m/config")
    with pytest.raises(StageError, match="cannot load checkpoint"):
        build_toxicity(loaded)
    assert config_dir.is_dir()
