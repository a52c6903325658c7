# ruff: noqa  (one-off measurement script of stop 22, kept as run; see bench/embedder_checks/README.md)
import sys, time, random, sqlite3, numpy as np
sys.path.insert(0, "/work/wt-docs")
from engine.docs.embedder import resolve_location
from engine.docs.onnx_embedder import OnnxSentenceModel
loc = resolve_location("all-MiniLM-L6-v2")
docs = [r[0] for r in sqlite3.connect("file:/tmp/docs-speed/home-pdf-fused/data/index/manifest.sqlite3?mode=ro", uri=True).execute("select embed_text from chunks order by id")]
random.seed(2); texts = random.sample(docs, int(sys.argv[1]))
graphs = {"fp32": "/tmp/docs-speed/export/all-MiniLM-L6-v2/model.onnx", "int8": "/tmp/docs-speed/export/all-MiniLM-L6-v2-int8/model.onnx"}
M = {k: OnnxSentenceModel(loc, v) for k, v in graphs.items()}
for m in M.values(): m.encode(texts[:32])
sizes = [int(x) for x in sys.argv[3].split(",")]
T = {(g, b): [] for g in M for b in sizes}
for r in range(int(sys.argv[2])):
    for g, m in M.items():
        for b in sizes:
            t = time.perf_counter(); m.encode(texts, batch_size=b); T[(g, b)].append(time.perf_counter() - t)
base = min(T[("fp32", 64)])
for (g, b), v in T.items():
    print(f"{g} batch {b:4d}: best {min(v):.2f}s  speed vs fp32@64 x{base/min(v):.2f}")
