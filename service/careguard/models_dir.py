"""Where careguard keeps model files it builds or downloads (one directory for all)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MODELS_DIR_ENV", "default_models_dir"]

MODELS_DIR_ENV = "CAREGUARD_MODELS_DIR"


def default_models_dir() -> Path:
    """``$CAREGUARD_MODELS_DIR``, else ``$XDG_CACHE_HOME/careguard/models`` (``~/.cache``)."""
    explicit = os.environ.get(MODELS_DIR_ENV)
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "careguard" / "models"
