# ruff: noqa  (one-off measurement script of stop 22, kept as run; see bench/embedder_checks/README.md)
import sys, time, numpy as np, importlib.util
sys.path.insert(0, "/work/wt-docs")
spec = importlib.util.spec_from_file_location("pk", "/work/wt-docs/bench/package.py"); pk = importlib.util.module_from_spec(spec); spec.loader.exec_module(pk)
from engine.docs.embedder import resolve_location
from engine.docs.onnx_embedder import OnnxSentenceModel
loc = resolve_location("all-MiniLM-L6-v2")
texts = pk._passages(int(sys.argv[1]) if len(sys.argv) > 1 else 128)
V = {n: f"/tmp/docs-speed/{n}/all-MiniLM-L6-v2/model.onnx" for n in sys.argv[3].split(",")}
M = {n: OnnxSentenceModel(loc, p) for n, p in V.items()}
vec = {n: m.encode(texts, batch_size=64, normalize_embeddings=True) for n, m in M.items()}
T = {n: [] for n in M}
for r in range(int(sys.argv[2])):
    for n, m in M.items():
        t = time.perf_counter(); m.encode(texts, batch_size=64, normalize_embeddings=True); T[n].append(time.perf_counter() - t)
for n in M:
    cos = (vec[n] * vec["fused"]).sum(1)
    print(f"{n:15s} best {min(T[n]):.2f}s speed x{min(T['fused'])/min(T[n]):.2f} cos min {cos.min():.4f} mean {cos.mean():.4f}")
