"""``careguard models fetch``: official detoxify weights into a models directory.

For each model: the checkpoint from detoxify's own release URL (``detoxify.detoxify.MODEL_URLS``),
then the Hugging Face config and tokenizer files of the architecture the checkpoint names, into
``<dir>/<name>/config/`` with ``num_labels`` set to the checkpoint's classes. The checkpoint is
saved again with ``model_type`` pointing at that directory, so that loading is fully offline
afterwards (:func:`careguard.toxicity.scorer.resolve_model`). Network failures end in a
one-line :class:`~careguard.errors.StageError`; every socket operation has a timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from careguard.errors import StageError
from careguard.toxicity.assemble import write_checkpoint
from careguard.toxicity.scorer import OFFICIAL_MODELS, official_paths

__all__ = ["fetch_models"]

_HF_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
)
_CHUNK = 1 << 20


def _download(url: str, dest: Path, timeout: float) -> None:
    host = urllib.parse.urlsplit(url).hostname or "?"
    tmp = dest.with_suffix(dest.suffix + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, tmp.open("wb") as out:
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
    except (urllib.error.URLError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise StageError("toxicity", f"cannot download from {host}: {reason}") from None
    tmp.replace(dest)


def _fetch_hf_config(repo: str, dest: Path, timeout: float) -> None:
    """Config and tokenizer files of ``repo`` from the Hugging Face hub (absent files skipped)."""
    base = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    got = 0
    for name in _HF_FILES:
        try:
            _download(f"{base}/{repo}/resolve/main/{name}", dest / name, timeout)
            got += 1
        except StageError:
            if name == "config.json":
                raise
    if not got:
        raise StageError("toxicity", f"no config files for {repo}")


def fetch_models(
    names: Sequence[str],
    models_dir: Path,
    *,
    timeout: float = 30.0,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Download official detoxify models into ``models_dir``; return their checkpoint paths."""
    unknown = [n for n in names if n not in OFFICIAL_MODELS]
    if unknown:
        raise StageError(
            "toxicity", f"unknown model {unknown[0]!r}; one of {', '.join(OFFICIAL_MODELS)}"
        )
    try:
        import torch
        from detoxify.detoxify import MODEL_URLS
    except ImportError as exc:
        raise StageError(
            "toxicity", f"{exc.name} is not installed; install careguard[toxicity]"
        ) from None
    done: list[Path] = []
    for name in names:
        checkpoint, config_dir = official_paths(name, models_dir)
        if checkpoint.is_file() and (config_dir / "config.json").is_file():
            log(f"{name}: already in {checkpoint.parent}")
            done.append(checkpoint)
            continue
        models_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=models_dir))
        try:
            log(f"{name}: downloading {MODEL_URLS[name]}")
            raw = work / "download.ckpt"
            _download(MODEL_URLS[name], raw, timeout)
            loaded = torch.load(str(raw), map_location="cpu", weights_only=False)
            args = loaded["config"]["arch"]["args"]
            classes = list(loaded["config"]["dataset"]["args"]["classes"])
            (work / "config").mkdir()
            _fetch_hf_config(str(args["model_type"]), work / "config", timeout)
            cfg_path = work / "config" / "config.json"
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
            cfg["num_labels"] = len(classes)
            cfg_path.write_text(json.dumps(cfg, indent=2), encoding="utf-8")
            write_checkpoint(
                work / "checkpoint.ckpt",
                config_dir=config_dir.resolve(),
                model_name=str(args["model_name"]),
                tokenizer_name=str(args["tokenizer_name"]),
                classes=classes,
                state_dict=loaded["state_dict"],
            )
            raw.unlink()
            shutil.rmtree(checkpoint.parent, ignore_errors=True)
            work.rename(checkpoint.parent)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        log(f"{name}: ready in {checkpoint.parent}")
        done.append(checkpoint)
    return done
