"""A sentence-transformers model run through ONNX Runtime: no torch, no transformers.

The transformer is an ONNX graph exported from the same weights (``packaging/export_onnx.py``,
run by ``make install`` and ``make package``); tokenising is the model's own ``tokenizer.json``
through the ``tokenizers`` library; pooling and normalisation follow the model's
sentence-transformers configuration (mean over real tokens, then L2), so vectors match
``SentenceTransformer.encode`` to float precision and an index built by either can be searched
by the other.

``OnnxSentenceModel.encode`` takes the keyword arguments of ``SentenceTransformer.encode`` that
Hearth uses, so ``Embedder.model`` keeps one interface whichever backend is loaded.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable

import numpy as np

ONNX_FILE = "model.onnx"
# Where `make install` puts the exported graph of a source install (inside the venv).
SHARE_DIR = Path("share") / "hearth" / "onnx"


class OnnxModelError(RuntimeError):
    """The ONNX graph or the model's configuration cannot be used (missing, corrupt, unsupported)."""


def model_key(model_id: str) -> str:
    """A file-system safe name for an exported model (the starter id stays readable)."""
    name = model_id.rsplit("/", 1)[-1]
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def onnx_search_dirs() -> list[Path]:
    """Folders holding exported graphs (<dir>/<model>/model.onnx), first match wins:
    ``HEARTH_ONNX_DIR`` if set, the frozen bundle's ``_internal/onnx``, then the venv's."""
    dirs: list[Path] = []
    override = os.environ.get("HEARTH_ONNX_DIR")
    if override:
        dirs.append(Path(override))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.append(Path(bundle) / "onnx")
    dirs.append(Path(sys.prefix) / SHARE_DIR)
    return dirs


def find_onnx_model(model_id: str, location: str, own: bool = True) -> Path | None:
    """The exported graph for this model, or None (then the torch path is used).

    With ``own``, a model folder that carries its own ``onnx/model.onnx`` (many hub repos do) is
    used too.
    """
    key = model_key(model_id)
    for base in onnx_search_dirs():
        path = base / key / ONNX_FILE
        if path.is_file():
            return path
    folder_graph = Path(location) / "onnx" / ONNX_FILE
    return folder_graph if own and folder_graph.is_file() else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxModelError(f"cannot read {path.name}: {exc}") from exc


def _pipeline(model_dir: Path) -> tuple[int, bool]:
    """(max tokens, normalise?) from the sentence-transformers files; mean pooling is required."""
    modules = _read_json(model_dir / "modules.json") if (model_dir / "modules.json").is_file() else []
    types = [m.get("type", "") for m in modules]
    pooling_dir = next((model_dir / m["path"] for m in modules if m.get("type", "").endswith(".Pooling")), None)
    if pooling_dir is not None:
        pooling = _read_json(pooling_dir / "config.json")
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
        if modes != ["pooling_mode_mean_tokens"]:
            raise OnnxModelError(f"pooling {modes} is not supported by the ONNX path (mean pooling only)")
    max_len = 512
    st_config = model_dir / "sentence_bert_config.json"
    if st_config.is_file():
        max_len = int(_read_json(st_config).get("max_seq_length") or max_len)
    normalise = any(t.endswith(".Normalize") for t in types)
    return max_len, normalise


class OnnxSentenceModel:
    """Mean-pooled sentence embeddings from an ONNX transformer graph."""

    def __init__(self, model_dir: str | Path, onnx_path: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.onnx_path = Path(onnx_path)
        self.max_seq_length, self._normalise = _pipeline(self.model_dir)
        try:
            tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        except Exception as exc:
            raise OnnxModelError(f"cannot load tokenizer.json: {exc}") from exc
        # tokenizer.json carries its own fixed padding/truncation; use the model's limit and
        # pad each batch to its longest text, as sentence-transformers does.
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_seq_length)
        pad_id = tok.token_to_id("[PAD]")
        tok.enable_padding(pad_id=pad_id if pad_id is not None else 0,
                           pad_token="[PAD]" if pad_id is not None else "<pad>")
        self.tokenizer = tok
        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # errors only: warnings go to stderr of the CLI otherwise
        if threads:
            opts.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(self.onnx_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise OnnxModelError(f"cannot load {self.onnx_path}: {exc}") from exc
        self._inputs = [i.name for i in self.session.get_inputs()]
        if "input_ids" not in self._inputs or "attention_mask" not in self._inputs:
            raise OnnxModelError(f"{self.onnx_path.name} has inputs {self._inputs}, not a BERT-style encoder")
        shape = self.session.get_outputs()[0].shape
        self._dim = shape[-1] if isinstance(shape[-1], int) else None

    def get_sentence_embedding_dimension(self) -> int:
        if self._dim is None:
            self._dim = int(self.encode(["dimension"]).shape[1])
        return self._dim

    get_embedding_dimension = get_sentence_embedding_dimension

    def _run(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
        tokens = self.session.run(None, feed)[0]  # (batch, seq, dim)
        weights = mask[:, :, None].astype(np.float32)
        summed = (tokens * weights).sum(axis=1)
        return summed / np.clip(weights.sum(axis=1), 1e-9, None)

    def encode(self, sentences: str | Iterable[str], batch_size: int = 32, normalize_embeddings: bool = False,
               convert_to_numpy: bool = True, show_progress_bar: bool = False, **_: Any) -> np.ndarray:
        """Embeddings in input order, shape (n, dim) (or (dim,) for one string), float32."""
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        # Longest first, as sentence-transformers does: batches of similar length pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out: np.ndarray | None = None
        for start in range(0, len(order), max(1, batch_size)):
            idx = order[start:start + batch_size]
            vecs = self._run([texts[i] for i in idx])
            if out is None:
                out = np.empty((len(texts), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
        assert out is not None
        if self._normalise or normalize_embeddings:
            out /= np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)
        return out[0] if single else out
