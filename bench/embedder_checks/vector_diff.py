# ruff: noqa  (one-off measurement script, kept as run)
# One-off check, see bench/embedder_checks/README.md
"""Max abs cosine diff between the chunk vectors of two bench indexes (same chunk ids), and
query-side diffs; reads the chroma stores read-only."""
import sys, numpy as np, chromadb
def load(home):
    c = chromadb.PersistentClient(path=f"{home}/data/index/chroma")
    col = [x for x in c.list_collections()][0]
    col = c.get_collection(col.name if hasattr(col, "name") else col)
    got = col.get(include=["embeddings", "documents"])
    return dict(zip(got["ids"], got["embeddings"])), dict(zip(got["ids"], got["documents"]))
a, docs = load(sys.argv[1]); b, _ = load(sys.argv[2])
ids = sorted(set(a) & set(b))
A = np.array([a[i] for i in ids]); B = np.array([b[i] for i in ids])
cos = (A * B).sum(1)
print(f"chunks compared {len(ids)} (of {len(a)} / {len(b)}); min cosine {cos.min():.7f}; max |1-cos| {np.abs(1-cos).max():.2e}")
import json
from engine.docs.embedder import resolve_location
from engine.docs.onnx_embedder import OnnxSentenceModel
loc = resolve_location("all-MiniLM-L6-v2")
qs = [json.loads(l)["question"] for l in open(sys.argv[3])]
qa = OnnxSentenceModel(loc, "/work/main/.venv/share/hearth/onnx/all-MiniLM-L6-v2/model.onnx").encode(qs, normalize_embeddings=True)
qb = OnnxSentenceModel(loc, "/tmp/emb/onnx-fused/all-MiniLM-L6-v2/model.onnx").encode(qs, normalize_embeddings=True)
sa, sb = qa @ A.T, qb @ B.T
ta, tb = np.argsort(-sa, 1)[:, :5], np.argsort(-sb, 1)[:, :5]
print(f"questions {len(qs)}: max |query-chunk cosine diff| {np.abs(sa - sb).max():.2e}; "
      f"same top-5 set {np.mean([set(x) == set(y) for x, y in zip(ta, tb)]):.3f}; "
      f"same top-5 order {np.mean([list(x) == list(y) for x, y in zip(ta, tb)]):.3f}")
