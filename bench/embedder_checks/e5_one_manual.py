# ruff: noqa  (one-off measurement script, kept as run)
# One-off check, see bench/embedder_checks/README.md
"""Vector-only page retrieval inside one manual (auto-multiple-choice.en.pdf): MiniLM's stored chunk
vectors (baseline index) vs e5's stored chunk vectors (the interrupted e5 index, which completed this
file), same chunk ids and texts, same questions (the set's 29 about this manual)."""
import json, sqlite3, numpy as np, chromadb
DOC = "auto-multiple-choice.en.pdf"
def vecs(home, ids=None):
    c = chromadb.PersistentClient(path=f"{home}/data/index/chroma")
    col = c.get_collection(c.list_collections()[0].name)
    got = col.get(include=["embeddings", "metadatas"])
    return {i: (np.array(e), m["page"]) for i, e, m in zip(got["ids"], got["embeddings"], got["metadatas"]) if m["path"].endswith(DOC)}
e5v = vecs("/tmp/emb/home-pdf-e5"); mlv = vecs("/tmp/emb/home-pdf-minilm")
ids = sorted(set(e5v) & set(mlv)); print("chunks", len(ids), "of", len(e5v), len(mlv))
qs = [json.loads(l) for l in open("/work/wt-docs/bench/data/pdf_dev.jsonl")]
qs = [q for q in qs if q["doc"] == DOC]
from engine.docs.embedder import get_embedder
def evaluate(name, store, emb):
    M = np.stack([store[i][0] for i in ids]); pages = [store[i][1] for i in ids]
    r1 = r5 = rr = 0; st = {}
    for q in qs:
        s = M @ np.array(emb.embed_query(q["question"]))
        order = np.argsort(-s)
        first = next((k + 1 for k, j in enumerate(order[:50]) if pages[j] in q["relevant_pages"]), None)
        r1 += first == 1; r5 += bool(first and first <= 5); rr += 1 / first if first else 0
        d = st.setdefault(q["style"], [0, 0]); d[0] += 1; d[1] += bool(first and first <= 5)
    n = len(qs)
    print(f"{name:8s} questions {n}: R@1 {r1/n:.3f} R@5 {r5/n:.3f} MRR {rr/n:.3f} " +
          " ".join(f"{k} R@5 {v[1]}/{v[0]} = {v[1]/v[0]:.3f}" for k, v in sorted(st.items())))
evaluate("MiniLM", mlv, get_embedder("all-MiniLM-L6-v2"))
evaluate("e5", e5v, get_embedder("multilingual-e5-small"))
