# ruff: noqa  (one-off measurement script of stop 22, kept as run; see bench/embedder_checks/README.md)
import sys, random, sqlite3, numpy as np, onnx
sys.path.insert(0, "/work/wt-docs")
from pathlib import Path
from onnxruntime.quantization import quantize_dynamic, QuantType
from engine.docs.embedder import resolve_location
from engine.docs.onnx_embedder import OnnxSentenceModel
loc = resolve_location("all-MiniLM-L6-v2")
src = "/tmp/docs-speed/unfused_fp32.onnx"
m = onnx.load(src)
mm = [n.name for n in m.graph.node if n.op_type == "MatMul"]
print(len(mm), mm[:8])
def excl(pred): return [n for n in mm if pred(n)]
V = {"no_attn_scores": excl(lambda n: n.endswith("self/MatMul") or n.endswith("self/MatMul_1")), "no_scores_ffn_down": excl(lambda n: n.endswith("self/MatMul") or n.endswith("self/MatMul_1") or ("/output/dense" in n and "attention" not in n))}
docs = [r[0] for r in sqlite3.connect("file:/tmp/docs-speed/home-pdf-q8_unfused_pc/data/index/manifest.sqlite3?mode=ro", uri=True).execute("select embed_text from chunks order by id")]
random.seed(3); texts = random.sample(docs, 96)
ref = OnnxSentenceModel(loc, "/tmp/docs-speed/export/all-MiniLM-L6-v2/model.onnx").encode(texts, normalize_embeddings=True)
for name, nodes in V.items():
    d = Path(f"/tmp/docs-speed/s_{name}/all-MiniLM-L6-v2"); d.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(src, str(d / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"], nodes_to_exclude=nodes)
    v = OnnxSentenceModel(loc, d / "model.onnx").encode(texts, normalize_embeddings=True)
    c = (v * ref).sum(1)
    print(f"{name:12s} excluded {len(nodes):2d} cos min {c.min():.4f} mean {c.mean():.4f} p10 {np.percentile(c,10):.4f}", flush=True)
