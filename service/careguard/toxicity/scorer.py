"""The detoxify-backed scorer and ``build_toxicity`` (torch is imported only when building).

Models by ``policy.toxicity.model``:

- ``compact``: ours (:mod:`careguard.toxicity.assemble`), works offline;
- ``original``, ``unbiased``, ``multilingual``, ``original-small``, ``unbiased-small``: the
  official detoxify weights, read from the models directory that ``careguard models fetch``
  fills (``<models dir>/<name>/checkpoint.ckpt`` and ``.../config/``);
- ``checkpoint``: ``policy.toxicity.checkpoint`` + ``config_dir`` (relative to the policy file).

Every load goes through
``detoxify.Detoxify(model_type, checkpoint=..., huggingface_config_path=...)`` with the
Hugging Face libraries in offline mode. A model that cannot be loaded raises
:class:`~careguard.errors.StageError` (reported by /readyz; the failure mode applies).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from careguard.errors import StageError
from careguard.policy import LoadedPolicy
from careguard.toxicity.assemble import default_models_dir, ensure_compact
from careguard.toxicity.types import TOXICITY_LABEL, ToxicityResult

__all__ = ["OFFICIAL_MODELS", "ToxicityScorer", "build_toxicity", "load_detoxify", "resolve_model"]

OFFICIAL_MODELS = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")
_OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_BATCH = 32


def official_paths(name: str, models_dir: Path) -> tuple[Path, Path]:
    """Where ``careguard models fetch`` puts an official model: (checkpoint, config dir)."""
    return models_dir / name / "checkpoint.ckpt", models_dir / name / "config"


def resolve_model(loaded: LoadedPolicy, models_dir: Path | None = None) -> tuple[str, Path, Path]:
    """(detoxify model_type, checkpoint, config dir) for the policy, assembling ``compact``."""
    tox = loaded.policy.toxicity
    models = models_dir or default_models_dir()
    if tox.model == "compact":
        checkpoint, config_dir = ensure_compact(models)
        return "original", checkpoint, config_dir
    if tox.model == "checkpoint":
        if not tox.checkpoint or not tox.config_dir:
            raise StageError("toxicity", "model 'checkpoint' needs both checkpoint and config_dir")
        checkpoint = loaded.directory / Path(tox.checkpoint).expanduser()
        config_dir = loaded.directory / Path(tox.config_dir).expanduser()
        for what, p in (("checkpoint", checkpoint), ("config_dir", config_dir / "config.json")):
            if not p.exists():
                raise StageError("toxicity", f"{what} not found: {p}")
        return "original", checkpoint, config_dir
    if tox.model in OFFICIAL_MODELS:
        checkpoint, config_dir = official_paths(tox.model, models)
        if not checkpoint.is_file() or not (config_dir / "config.json").is_file():
            raise StageError(
                "toxicity",
                f"official detoxify weights for {tox.model!r} are not in {models / tox.model}; "
                "they cannot be downloaded at run time: run `careguard models fetch --model "
                f"{tox.model}` where the network allows it, or use model 'compact'",
            )
        return tox.model, checkpoint, config_dir
    raise StageError(
        "toxicity",
        f"unknown model {tox.model!r}; expected compact, checkpoint or one of "
        + ", ".join(OFFICIAL_MODELS),
    )


_env_lock = threading.Lock()


@contextmanager
def _offline() -> Iterator[None]:
    """Hugging Face libraries in offline mode for the duration of a load."""
    with _env_lock:
        saved = {k: os.environ.get(k) for k in _OFFLINE_ENV}
        os.environ.update(dict.fromkeys(_OFFLINE_ENV, "1"))
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def load_detoxify(model_type: str, checkpoint: Path, config_dir: Path) -> Any:
    """``Detoxify(...)`` from local files only; failures become :class:`StageError`."""
    try:
        with _offline():
            from detoxify import Detoxify

            return Detoxify(
                model_type, checkpoint=str(checkpoint), huggingface_config_path=str(config_dir)
            )
    except ImportError as exc:
        raise StageError(
            "toxicity", f"detoxify is not installed ({exc.name}); install careguard[toxicity]"
        ) from None
    except Exception as exc:  # any failure to load (bad pickle, shapes, files) is a stage error
        raise StageError(
            "toxicity", f"cannot load checkpoint {checkpoint} ({exc.__class__.__name__})"
        ) from None


class ToxicityScorer:
    """Scores texts with a loaded detoxify model; ``toxic`` when ``toxicity >= threshold``."""

    def __init__(self, detoxify: Any, threshold: float) -> None:
        self._detoxify = detoxify
        self.threshold = threshold
        self.labels: tuple[str, ...] = tuple(detoxify.class_names)
        if TOXICITY_LABEL not in self.labels:
            raise StageError("toxicity", f"the model has no {TOXICITY_LABEL!r} label")

    def score(self, texts: Sequence[str]) -> list[ToxicityResult]:
        results: list[ToxicityResult] = []
        for start in range(0, len(texts), _BATCH):
            chunk = list(texts[start : start + _BATCH])
            raw = self._detoxify.predict(chunk)
            for i in range(len(chunk)):
                scores = {
                    label: float(v[i] if isinstance(v, list) else v) for label, v in raw.items()
                }
                results.append(ToxicityResult(scores, scores[TOXICITY_LABEL] >= self.threshold))
        return results


def build_toxicity(
    loaded: LoadedPolicy, *, models_dir: Path | None = None
) -> ToxicityScorer | None:
    """The policy's toxicity scorer, or None when ``toxicity.enabled`` is false (no torch)."""
    tox = loaded.policy.toxicity
    if not tox.enabled:
        return None
    model_type, checkpoint, config_dir = resolve_model(loaded, models_dir)
    return ToxicityScorer(load_detoxify(model_type, checkpoint, config_dir), tox.threshold)
