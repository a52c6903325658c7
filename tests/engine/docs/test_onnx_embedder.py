"""The ONNX Runtime embedder against sentence-transformers on torch, on real text.

The graph is exported here, from the installed model, by the same script `make install` and
`make package` run (packaging/export_onnx.py), so the test checks the exporter too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.docs import onnx_embedder
from engine.docs.embedder import Embedder, resolve_location
from engine.errors import IndexError_
from engine.starter import STARTER_EMBEDDER_ID

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow

QUERIES = [
    "How do I load the model in Python?",
    "What data was the model trained on?",
    "Which pooling does the model use?",
    "How long can the input text be?",
    "What is the intended use of the embeddings?",
    "Who are the crazy ones?",
]


def _real_passages() -> list[str]:
    """Real English prose: the model card shipped with the model, and the fixture PDF's text."""
    card = (Path(resolve_location(STARTER_EMBEDDER_ID)) / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"```.*?```|<[^>]+>|[#|*`]", " ", card, flags=re.S))
    words = text.split()
    passages = [" ".join(words[i:i + 60]) for i in range(0, len(words), 45)]
    from pypdf import PdfReader

    pdf = " ".join(p.extract_text() for p in PdfReader(REPO / "tests/fixtures/docs/crazyones.pdf").pages)
    passages += [s.strip() for s in re.split(r"(?<=\.)\s+", pdf) if len(s.split()) > 3]
    passages.append("word " * 400)  # past the 256-token limit: truncated the same way by both
    return passages


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location("export_onnx", REPO / "packaging" / "export_onnx.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("onnx")
    module.export(out, STARTER_EMBEDDER_ID)
    return out


@pytest.fixture
def only_dir(monkeypatch: pytest.MonkeyPatch):
    """Make the embedder search only the given folder for exported graphs."""
    def use(path: Path) -> None:
        monkeypatch.setattr(onnx_embedder, "onnx_search_dirs", lambda: [path])
    return use


def _embedder() -> Embedder:
    return Embedder(STARTER_EMBEDDER_ID, resolve_location(STARTER_EMBEDDER_ID))


def test_onnx_vectors_and_rankings_match_torch(onnx_dir: Path, only_dir, monkeypatch) -> None:
    passages = _real_passages()
    assert len(passages) >= 25
    only_dir(onnx_dir)
    fast = _embedder()
    p_onnx = np.array(fast.embed(passages))
    q_onnx = np.array(fast.embed(QUERIES))
    assert fast.backend == "onnx"
    monkeypatch.setenv("HEARTH_EMBEDDER", "torch")
    ref = _embedder()
    p_torch = np.array(ref.embed(passages))
    q_torch = np.array(ref.embed(QUERIES))
    assert ref.backend == "torch"

    assert p_onnx.shape == p_torch.shape == (len(passages), fast.dim) and fast.dim == 384
    cosines = np.concatenate([(p_onnx * p_torch).sum(1), (q_onnx * q_torch).sum(1)])
    assert cosines.min() >= 0.999, cosines.min()
    assert np.allclose(np.linalg.norm(p_onnx, axis=1), 1.0, atol=1e-5)
    for q_o, q_t in zip(q_onnx, q_torch):
        assert list(np.argsort(-(p_onnx @ q_o))[:5]) == list(np.argsort(-(p_torch @ q_t))[:5])


def test_export_is_fused(onnx_dir: Path) -> None:
    """The shipped graph has ONNX Runtime's fused transformer operators (faster, same vectors:
    the test above), in float32: no quantised operator."""
    import onnx

    model = onnx.load(str(onnx_dir / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE))
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("Attention") == 6 and ops.count("EmbedLayerNormalization") == 1
    assert ops.count("SkipLayerNormalization") == 12 and ops.count("BiasGelu") == 6
    assert not any("Quant" in op or "Integer" in op for op in ops)
    assert "fusion" in (onnx_dir / STARTER_EMBEDDER_ID / "source.json").read_text(encoding="utf-8")


def test_onnx_path_imports_neither_torch_nor_transformers(onnx_dir: Path) -> None:
    """What the packaged app relies on: embedding with torch and transformers absent."""
    code = (
        "import sys\n"
        "for name in ('torch', 'transformers', 'sentence_transformers'):\n"
        "    sys.modules[name] = None  # any import of them now fails\n"
        "from engine.docs.embedder import get_embedder\n"
        "e = get_embedder('all-MiniLM-L6-v2')\n"
        "v = e.embed(['hello world', 'a second text'])\n"
        "print(e.backend, len(v), len(v[0]))\n")
    import subprocess

    env = {"PATH": "/usr/bin:/bin", "HEARTH_ONNX_DIR": str(onnx_dir), "PYTHONPATH": str(REPO),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["onnx", "2", "384"]


def test_export_is_reproducible_and_skips_when_up_to_date(onnx_dir: Path, capsys) -> None:
    target = onnx_dir / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE
    q_target = onnx_dir / (STARTER_EMBEDDER_ID + "-int8") / onnx_embedder.ONNX_FILE
    digest, q_digest = (hashlib.sha256(t.read_bytes()).hexdigest() for t in (target, q_target))
    spec = importlib.util.spec_from_file_location("export_onnx", REPO / "packaging" / "export_onnx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.export(onnx_dir, STARTER_EMBEDDER_ID)
    assert capsys.readouterr().out.count("up to date") == 2
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert hashlib.sha256(q_target.read_bytes()).hexdigest() == q_digest


def test_missing_onnx_file_uses_torch(tmp_path: Path, only_dir) -> None:
    only_dir(tmp_path)  # an empty folder: no export
    emb = _embedder()
    assert len(emb.embed_query("hello")) == 384
    assert emb.backend == "torch"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_onnx_file_falls_back_to_torch(onnx_dir: Path, tmp_path: Path, only_dir, damage: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    good = (onnx_dir / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE).read_bytes()
    bad = {"garbage": b"not an onnx graph" * 100, "truncated": good[: len(good) // 3], "empty": b""}[damage]
    (tmp_path / STARTER_EMBEDDER_ID).mkdir()
    (tmp_path / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE).write_bytes(bad)
    only_dir(tmp_path)
    emb = _embedder()
    with caplog.at_level(logging.WARNING, logger="engine.docs.embedder"):
        vec = emb.embed_query("hello")
    assert emb.backend == "torch" and len(vec) == 384
    assert "ONNX embedder unusable" in caplog.text


def test_corrupt_onnx_file_without_torch_is_a_clear_error(tmp_path: Path, only_dir,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / STARTER_EMBEDDER_ID).mkdir()
    (tmp_path / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE).write_bytes(b"\x00" * 1000)
    only_dir(tmp_path)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as in the packaged app
    with pytest.raises(IndexError_) as info:
        _embedder().embed_query("hello")
    text = info.value.user_text()
    assert "ONNX file is unusable" in text and "model.onnx" in text and "Reinstall Hearth" in text


def test_unsupported_pooling_is_refused(onnx_dir: Path, tmp_path: Path) -> None:
    """A model whose sentence-transformers pipeline the ONNX path cannot reproduce is not used."""
    import shutil

    model = tmp_path / "model"
    shutil.copytree(resolve_location(STARTER_EMBEDDER_ID), model,
                    ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    cfg = model / "1_Pooling" / "config.json"
    cfg.write_text(cfg.read_text().replace('"pooling_mode_cls_token": false', '"pooling_mode_cls_token": true'))
    with pytest.raises(onnx_embedder.OnnxModelError, match="mean pooling only"):
        onnx_embedder.OnnxSentenceModel(model, onnx_dir / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE)


def test_encode_keeps_order_and_handles_edge_cases(onnx_dir: Path) -> None:
    model = onnx_embedder.OnnxSentenceModel(resolve_location(STARTER_EMBEDDER_ID),
                                            onnx_dir / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE)
    texts = ["short", "a much longer text about boilers and red buttons " * 5, "", "médium ünïcode"]
    together = model.encode(texts, batch_size=2)
    one_by_one = np.array([model.encode(t) for t in texts])
    assert together.shape == (4, 384) and np.allclose(together, one_by_one, atol=1e-5)
    assert model.encode([]).shape == (0, 384)
    assert model.get_sentence_embedding_dimension() == model.get_embedding_dimension() == 384


def test_frozen_bundle_folder_is_searched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HEARTH_ONNX_DIR", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    target = tmp_path / "onnx" / STARTER_EMBEDDER_ID / onnx_embedder.ONNX_FILE
    target.parent.mkdir(parents=True)
    target.write_bytes(b"x")
    assert onnx_embedder.find_onnx_model(STARTER_EMBEDDER_ID, "/nonexistent") == target
    assert onnx_embedder.find_onnx_model("sentence-transformers/all-MiniLM-L6-v2", "/x") == target


INT8_ID = STARTER_EMBEDDER_ID + "-int8"


def test_int8_graph_is_quantised_per_channel_and_close_to_float32(onnx_dir: Path, only_dir) -> None:
    """The opt-in int8 graph: MatMul weights as int8 with one scale per output channel but the
    feed-forward output projections, vectors close to the float32 graph's (its retrieval figures
    are in docs/retrieval.md)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_dir / INT8_ID / onnx_embedder.ONNX_FILE)).graph
    quantised = [n.name for n in graph.node if n.op_type in ("DynamicQuantizeMatMul", "MatMulInteger")]
    assert len(quantised) == 30  # 6 layers x (Q, K, V, attention output, feed-forward input)
    kept = [n.name for n in graph.node if n.op_type == "MatMul" and "/output/dense/" in n.name]
    assert len(kept) == 6 and not any("/attention/" in k for k in kept)
    scales = [numpy_helper.to_array(i) for i in graph.initializer if i.name.endswith("_scale")]
    assert scales and max(s.size for s in scales) > 1  # per channel, not one scale per tensor
    only_dir(onnx_dir)
    passages = _real_passages()
    q8 = Embedder(INT8_ID, resolve_location(INT8_ID))
    fp = _embedder()
    p8, pf = np.array(q8.embed(passages)), np.array(fp.embed(passages))
    assert q8.backend == "onnx-int8" and fp.backend == "onnx"
    assert (p8 * pf).sum(1).min() >= 0.97
    q8q, pfq = np.array(q8.embed(QUERIES)), np.array(fp.embed(QUERIES))
    assert sum(np.argmax(p8 @ a) == np.argmax(pf @ b) for a, b in zip(q8q, pfq)) >= len(QUERIES) - 1


def test_int8_without_its_graph_is_a_clear_error(onnx_dir: Path, tmp_path: Path, only_dir) -> None:
    """No silent fallback to the float32 vectors under the int8 name (a collection records it)."""
    import shutil

    shutil.copytree(onnx_dir / STARTER_EMBEDDER_ID, tmp_path / STARTER_EMBEDDER_ID)  # float32 only
    only_dir(tmp_path)
    with pytest.raises(IndexError_) as info:
        Embedder(INT8_ID, resolve_location(INT8_ID)).embed_query("hello")
    text = info.value.user_text()
    assert "no int8 graph" in text and STARTER_EMBEDDER_ID in text and "make install" in text
    assert len(_embedder().embed_query("hello")) == 384  # the float32 model itself still runs
