"""Indexing throughput, re-index of an unchanged corpus, and query latency at 10k/100k chunks.

    .venv/bin/python bench/indexing.py [--corpus DIR] [--sizes 10000,100000] [--embedding-model ID]

``--embedding-model all-MiniLM-L6-v2-int8`` runs the pipeline on the int8 graph (the fresh torch
reference is the same float32 model either way). ``load_avg`` records the 1-minute load average
before and after each timed part: the machine is shared, so read the ratios with it.

1. ``index_ratio``: the whole pipeline (scan, sandboxed parse, chunk, embed, chromadb write,
   manifest commit per file) on ../shared/corpus/python-docs-3.11, against the raw
   ``SentenceTransformer.encode`` of exactly the same chunk texts with the same model instance
   and batch size, in the same run: ratio = raw seconds / pipeline seconds (1.0 = no overhead).
   The model is loaded before either is timed.
2. ``reindex_unchanged_s``: ``reindex`` of the same, unchanged corpus.
3. Query latency (p50/p95 over the dev questions, repeated) of hybrid search — BM25 + chromadb
   HNSW + fusion + chunk fetch — at 10k and 100k chunks, *excluding* the query embedding, which
   is measured separately (``query_embed_ms_p50``). Scale chunks are synthetic: texts sampled
   from the real corpus's word distribution, random unit vectors (a harder case for HNSW than
   real embeddings), written through the same manifest and vector store code.

4. ``raw_fresh_chunks_per_s``: a plain ``SentenceTransformer.encode`` (torch, batch 64,
   normalised) of exactly the same chunk texts in a fresh process (model loaded and warmed up
   before the clock starts), and ``index_ratio_fresh`` = that time / pipeline time. Unlike
   ``index_ratio`` it does not share a warmed-up model and allocator with the pipeline, so it is
   the honest "what would the raw library do on this machine right now" figure; above 1.0 means
   the pipeline (whichever embedder backend is configured) beats plain torch.

Writes bench/out/indexing.json and prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


RAW_FRESH = r"""
import json, sys, time
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[2]))
t0 = time.perf_counter()
model = SentenceTransformer(sys.argv[1], device="cpu", local_files_only=True)
model.encode(["warm up"] * 8, batch_size=64)
load_s = time.perf_counter() - t0
t1 = time.perf_counter()
model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
print(json.dumps({"encode_s": time.perf_counter() - t1, "load_s": load_s}))
"""


def raw_fresh(texts: list[str]) -> dict:
    """Plain torch encode of ``texts`` in a fresh interpreter (offline, the bundled model)."""
    import subprocess

    from engine.docs.embedder import resolve_location
    from engine.config import load_config

    location = resolve_location(load_config().config.documents.embedding_model)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(texts, fh)
    try:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        done = subprocess.run([sys.executable, "-c", RAW_FRESH, location, fh.name], capture_output=True, text=True,
                              env=env, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        os.unlink(fh.name)


def scale_latency(service, n_chunks: int, vocab: list[str], questions: list[str], qvecs: list[list[float]]) -> dict:  # type: ignore[no-untyped-def]
    import numpy as np

    from engine.docs.manifest import ChunkRow, FileRecord

    name = f"synthetic-{n_chunks}"
    coll = service.manifest.ensure_collection(name)
    service.manifest.set_collection_config(coll.id, service.embedder.model_id, service._chunk_config())
    rng = random.Random(n_chunks)
    nprng = np.random.default_rng(n_chunks)
    per_file = 500
    t0 = time.perf_counter()
    for f in range(n_chunks // per_file):
        path = f"/synthetic/{name}/file{f}.txt"
        rows = []
        for i in range(per_file):
            text = " ".join(rng.choices(vocab, k=60))
            rows.append(ChunkRow(f"s{coll.id}-{f}-{i}", path, i, text, text, None, "", 0, len(text)))
        vecs = nprng.standard_normal((per_file, 384)).astype("float32")
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        service.vectors.upsert(coll.id, [r.id for r in rows], vecs.tolist(), [{"path": path, "ord": r.ord} for r in rows])
        service.manifest.commit_file(coll.id, FileRecord(path, "/synthetic", 0, 0, "x", "indexed", "", per_file), rows)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    service.search(name, questions[0], top_k=5, mode="hybrid", query_embedding=qvecs[0])  # builds BM25 once
    bm25_build_s = time.perf_counter() - t1
    lat = []
    for _round in range(3):
        for q, v in zip(questions, qvecs):
            t = time.perf_counter()
            service.search(name, q, top_k=5, mode="hybrid", query_embedding=v)
            lat.append((time.perf_counter() - t) * 1000)
    return {"chunks": n_chunks, "write_s": round(build_s, 1), "bm25_build_s": round(bm25_build_s, 2),
            "p50_ms": round(pct(lat, 0.5), 2), "p95_ms": round(pct(lat, 0.95), 2), "queries": len(lat)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "python-docs-3.11"))
    ap.add_argument("--dev", default=str(SHARED / "eval" / "retrieval" / "dev.jsonl"))
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--embedding-model", default=None, help="documents.embedding_model for the pipeline")
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="hearth-bench-indexing-"))
    os.environ["HEARTH_HOME"] = str(home)
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    from engine.config import load_config
    from engine.docs.service import DocumentService

    settings = load_config().config.documents
    if args.embedding_model:
        settings.embedding_model = args.embedding_model
    service = DocumentService(settings=settings)
    emb = service.embedder
    model = emb.model  # load before timing anything
    model.encode(["warm up"], batch_size=emb.batch_size)

    load = {"pipeline_start": os.getloadavg()[0]}
    t0 = time.perf_counter()
    report = service.add("python-docs", [args.corpus])
    pipeline_s = time.perf_counter() - t0
    load["pipeline_end"] = os.getloadavg()[0]
    coll = service.manifest.collection("python-docs")
    texts = [c.embed_text for c in service.manifest.iter_chunks(coll.id)]
    t1 = time.perf_counter()
    model.encode(texts, batch_size=emb.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                 show_progress_bar=False)
    raw_s = time.perf_counter() - t1
    load["fresh_start"] = os.getloadavg()[0]
    fresh = raw_fresh(texts)
    load["fresh_end"] = os.getloadavg()[0]
    print(f"pipeline {pipeline_s:.1f}s for {len(texts)} chunks ({report.indexed} files); raw encode {raw_s:.1f}s; "
          f"raw encode in a fresh process {fresh['encode_s']:.1f}s", file=sys.stderr)

    t2 = time.perf_counter()
    again = service.reindex("python-docs")
    reindex_s = time.perf_counter() - t2
    assert again.indexed == 0, "unchanged corpus was re-indexed"

    questions = [json.loads(line)["question"] for line in Path(args.dev).read_text().splitlines() if line.strip()]
    embed_ms = []
    qvecs = []
    for q in questions:
        t = time.perf_counter()
        qvecs.append(emb.embed_query(q))
        embed_ms.append((time.perf_counter() - t) * 1000)
    real_lat = []
    service.search("python-docs", questions[0], top_k=5, query_embedding=qvecs[0])
    for q, v in zip(questions, qvecs):
        t = time.perf_counter()
        service.search("python-docs", q, top_k=5, mode="hybrid", query_embedding=v)
        real_lat.append((time.perf_counter() - t) * 1000)

    vocab = [w for t in texts for w in t.split() if w.isalpha()]
    scale = {}
    for size in [int(s) for s in args.sizes.split(",") if s]:
        scale[str(size)] = scale_latency(service, size, vocab, questions, qvecs)
        print(f"{size} chunks: {scale[str(size)]}", file=sys.stderr)

    out = {
        "name": "indexing", "embedding_model": emb.model_id, "backend": emb.backend,
        "load_avg": {k: round(v, 2) for k, v in load.items()},
        "corpus_files": report.files_total, "corpus_chunks": len(texts),
        "pipeline_s": round(pipeline_s, 2), "raw_encode_s": round(raw_s, 2),
        "index_ratio": round(raw_s / pipeline_s, 3),
        "chunks_per_s": round(len(texts) / pipeline_s, 1),
        "raw_fresh_encode_s": round(fresh["encode_s"], 2),
        "raw_fresh_chunks_per_s": round(len(texts) / fresh["encode_s"], 1),
        "index_ratio_fresh": round(fresh["encode_s"] / pipeline_s, 3),
        "reindex_unchanged_s": round(reindex_s, 3),
        "query_embed_ms_p50": round(pct(embed_ms, 0.5), 1), "query_embed_ms_p95": round(pct(embed_ms, 0.95), 1),
        "query_p50_ms_corpus": round(pct(real_lat, 0.5), 2), "query_p95_ms_corpus": round(pct(real_lat, 0.95), 2),
        "scale": scale,
    }
    if "10000" in scale:
        out["query_p50_ms_10k"], out["query_p95_ms_10k"] = scale["10000"]["p50_ms"], scale["10000"]["p95_ms"]
    if "100000" in scale:
        out["query_p50_ms_100k"], out["query_p95_ms_100k"] = scale["100000"]["p50_ms"], scale["100000"]["p95_ms"]
    (REPO / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (REPO / "bench" / "out" / "indexing.json").write_text(json.dumps(out, indent=2))
    service.close()
    import shutil

    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
