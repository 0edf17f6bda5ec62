"""The shipped compact model: assembled offline, loaded by detoxify, and its two uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from careguard.policy import LoadedPolicy, load_policy
from careguard.toxicity import (
    ToxicityScorer,
    build_toxicity,
    classify_user_turn,
    is_toxic_reply,
)
from careguard.toxicity.assemble import compact_data_dir, ensure_compact

pytestmark = pytest.mark.models


def _enabled(loaded: LoadedPolicy) -> LoadedPolicy:
    on = msgspec.structs.replace(loaded.policy.toxicity, enabled=True)
    return msgspec.structs.replace(
        loaded, policy=msgspec.structs.replace(loaded.policy, toxicity=on)
    )


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def scorer(models_dir: Path) -> ToxicityScorer:
    built = build_toxicity(_enabled(load_policy()), models_dir=models_dir)
    assert built is not None
    return built


def test_committed_head_is_small() -> None:
    """Only the trained layers are committed: a few MB, not the 90 MB base model."""
    size = (compact_data_dir() / "head.safetensors").stat().st_size
    assert 100_000 < size < 5_000_000


def test_compact_checkpoint_is_in_detoxify_format(models_dir: Path) -> None:
    """The assembled checkpoint has detoxify's config/state_dict layout and a local config dir."""
    import torch

    checkpoint, config_dir = ensure_compact(models_dir)
    loaded = torch.load(str(checkpoint), map_location="cpu", weights_only=False)
    args = loaded["config"]["arch"]["args"]
    assert (args["model_name"], args["model_type"]) == (
        "BertForSequenceClassification",
        str(config_dir),
    )
    assert loaded["config"]["dataset"]["args"]["classes"] == ["toxic", "identity_hate"]
    assert json.loads((config_dir / "config.json").read_text())["num_labels"] == 2


def test_compact_checkpoint_is_assembled_once(models_dir: Path) -> None:
    """A second call reuses the assembled checkpoint instead of writing it again."""
    checkpoint, _ = ensure_compact(models_dir)
    before = checkpoint.stat().st_mtime_ns
    assert ensure_compact(models_dir)[0] == checkpoint
    assert checkpoint.stat().st_mtime_ns == before


def test_loads_through_detoxify_with_hub_unreachable(models_dir: Path) -> None:
    """detoxify's own API loads the compact checkpoint with the model hub unreachable."""
    checkpoint, config_dir = ensure_compact(models_dir)
    code = (
        "from detoxify import Detoxify\n"
        f"m = Detoxify('original', checkpoint={str(checkpoint)!r}, "
        f"huggingface_config_path={str(config_dir)!r})\n"
        "print(sorted(m.predict('you are an idiot')))\n"
    )
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "['identity_attack', 'toxicity']"


@pytest.mark.parametrize(
    ("text", "toxic"),
    [
        ("Thank you so much, that was really kind of you.", False),
        ("Let's meet at the library tomorrow afternoon.", False),
        ("Shut up you stupid bitch, nobody wants you here.", True),
        ("You are a fucking idiot and a worthless piece of shit.", True),
    ],
)
def test_compact_scores_clear_cases(scorer: ToxicityScorer, text: str, toxic: bool) -> None:
    """Clearly kind text is below the threshold and clear abuse above it."""
    assert scorer.score([text])[0].toxic is toxic


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I hate myself.", "self_directed"),
        ("I'm a worthless piece of shit and I ruin everything.", "self_directed"),
        ("I feel like such a failure, what is wrong with me", "self_directed"),
        ("You are a fucking idiot and a worthless piece of shit.", "abuse"),
        ("Shut up you stupid bitch, nobody wants you here.", "abuse"),
        ("I hate myself, and you are a fucking stupid bitch.", "abuse"),
        ("Could you help me plan my week?", "none"),
    ],
)
def test_user_turn_kind(scorer: ToxicityScorer, text: str, kind: str) -> None:
    """Self-directed hostility is a distress signal; hostility at others is abuse."""
    assert classify_user_turn(scorer, text).kind == kind


def test_self_hostility_is_a_distress_signal_even_with_abuse(scorer: ToxicityScorer) -> None:
    """A turn that abuses others and hates oneself is abuse and still a distress signal."""
    result = classify_user_turn(scorer, "I hate myself, and you are a fucking stupid bitch.")
    assert (result.kind, result.distress_signal) == ("abuse", True)


@pytest.mark.parametrize(
    ("reply", "toxic"),
    [
        ("That sounds really hard. I'm here with you; what would help right now?", False),
        ("Honestly you're being pathetic, get over it.", True),
        ("Nobody cares, stop whining.", True),
        ("You are a fucking idiot.", True),
    ],
)
def test_is_toxic_reply(scorer: ToxicityScorer, reply: str, toxic: bool) -> None:
    """Toxic or demeaning replies are flagged; a supportive reply is not."""
    assert is_toxic_reply(scorer, reply) is toxic


def test_cli_scores_json_lines(tmp_path: Path, models_dir: Path) -> None:
    """`careguard toxicity -` writes id, per-label scores and toxic for every input line."""
    lines = [{"id": "a", "text": "Have a lovely day."}, {"id": 2, "text": "You stupid bitch."}]
    proc = subprocess.run(
        [sys.executable, "-m", "careguard.cli", "toxicity", "-"],
        input="".join(json.dumps(x) + "\n" for x in lines),
        capture_output=True,
        text=True,
        env={**os.environ, "CAREGUARD_MODELS_DIR": str(models_dir)},
        check=True,
    )
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["id"], sorted(o["scores"]), o["toxic"]) for o in out] == [
        ("a", ["identity_attack", "toxicity"], False),
        (2, ["identity_attack", "toxicity"], True),
    ]
