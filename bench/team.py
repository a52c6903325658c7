"""Shared collections on a Chroma server (issue 14): query latency against the server vs Hearth's
local store on the same data, then N clients querying the server at once.

    .venv/bin/python bench/team.py [--chunks 100000] [--clients 8] [--rounds 3]

1. Starts ``chroma run --path TMP --host 127.0.0.1 --port FREE`` (stopped at the end) and a
   temporary HEARTH_HOME. The bench joins a shared collection on the server the way a user does
   (``DocumentService.add(NAME, [], server=URL)``) and makes a local collection.
2. Writes the same synthetic chunks to both, as bench/indexing.py's scale part does: texts
   sampled from the python docs corpus's word distribution, random unit vectors (384-d),
   500 chunks per file, through Hearth's store classes (``VectorStore.upsert`` /
   ``ServerVectorStore.upsert`` — the latter with the chunk text and place the indexer sends to a
   server) and the manifest. ``write_local_s`` / ``write_server_s`` time the vector writes.
3. Query latency of ``DocumentService.search`` — the path a user hits — for each dev question
   (``--rounds`` times), local and server interleaved, query embedding excluded (computed once
   before timing, as in bench/indexing.py). ``vector`` mode (the HNSW query plus chunk fetch: on
   the server both are HTTP requests) gives the headline ``server_query_p95_ms`` /
   ``local_query_p95_ms``; ``hybrid`` (BM25 + vector + fusion) is reported too. A shared
   collection's BM25 index is built on the client from the server's chunks (paged ``get``) and
   rebuilt when the count changes or the minute turns (engine/docs/service.py); the first query
   builds it (``*_bm25_build_s``) and rebuilds inside the timed loop are counted
   (``server_hybrid_keyword_rebuilds``), since a user pays them too.
4. ``--clients`` separate processes, each with its own HEARTH_HOME and chromadb client, join the
   shared collection, warm up with one query, then all start together and run the same vector
   queries against the server: pooled p50/p95 and total queries per second.

Ratios are server / local (and concurrent / single client); ``top1_agree`` is the fraction of
vector searches whose first hit is the same chunk in both stores, ``*_recall_at_1`` the fraction
of questions whose exact (brute-force) nearest chunk is the store's first vector hit: both stores
are approximate HNSW, and random vectors are a hard case for it. Clients, server and bench share
the machine's cores, so the concurrent figures include CPU contention, not only server queueing.
Every failed query, query with no hits, or client that did not finish counts in ``errors``.
Writes bench/out/team.json and prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.support.chroma_server import chroma_server  # noqa: E402
SHARED = REPO.parent / "shared"
LOCAL, TEAM = "team-bench-local", "team-bench-shared"
PER_FILE, DIM = 500, 384


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def corpus_vocab(corpus: Path) -> list[str]:
    """Words of the corpus with their frequencies (tags stripped), to sample chunk texts from."""
    words: list[str] = []
    for f in sorted(corpus.rglob("*.html")):
        text = re.sub(r"<[^>]+>", " ", f.read_text(errors="replace"))
        words += [w for w in text.split() if w.isalpha()]
    return words


def write_synthetic(service: Any, n_chunks: int, vocab: list[str]) -> tuple[dict[str, float], Any]:
    """The same chunks into the local and the shared collection (see the module docstring).
    Returns the vector write times and every vector (row f * PER_FILE + i is chunk ``f-i``)."""
    import numpy as np

    from engine.docs.manifest import ChunkRow, FileRecord

    m = service.manifest
    local = m.ensure_collection(LOCAL)
    m.set_collection_config(local.id, service.embedder.model_id, service._chunk_config())
    team = m.collection(TEAM)
    stores = {"local": (local, service._store(local)), "server": (team, service._store(team))}
    rng, nprng = random.Random(n_chunks), np.random.default_rng(n_chunks)
    took = {"local": 0.0, "server": 0.0}
    kept = []
    for f in range(max(1, n_chunks // PER_FILE)):
        texts = [" ".join(rng.choices(vocab, k=60)) for _ in range(PER_FILE)]
        vecs = nprng.standard_normal((PER_FILE, DIM)).astype("float32")
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        vec_list = vecs.tolist()
        kept.append(vecs)
        for kind, (coll, store) in stores.items():
            root = f"/synthetic/{kind}"
            path, rel = f"{root}/file{f}.txt", f"file{f}.txt"
            rows = [ChunkRow(f"{kind[0]}-{f}-{i}", path, i, t, t, None, "", 0, len(t)) for i, t in enumerate(texts)]
            ids = [r.id for r in rows]
            t0 = time.perf_counter()
            if store.remote:  # what the indexer sends a server: text and place travel with the vector
                metas = [{"path": rel, "ord": r.ord, "heading": "", "start": 0, "end": len(r.text),
                          "embed": r.text} for r in rows]
                store.upsert(coll.id, ids, vec_list, metas, texts)
            else:
                store.upsert(coll.id, ids, vec_list, [{"path": path, "ord": r.ord} for r in rows])
            took[kind] += time.perf_counter() - t0
            m.commit_file(coll.id, FileRecord(path, root, 0, 0, "x", "indexed", "", PER_FILE), rows)
        if f % 20 == 19:
            print(f"  wrote {(f + 1) * PER_FILE} chunks: local {took['local']:.0f}s, server {took['server']:.0f}s",
                  file=sys.stderr)
    return took, np.concatenate(kept)


def exact_recall(service: Any, qvecs: list[list[float]], vectors: Any) -> dict[str, float]:
    """Fraction of queries whose exact nearest chunk (brute force) is each store's first vector hit:
    both stores are approximate HNSW, and random vectors are a hard case for it."""
    import numpy as np

    best = np.argmax(vectors @ np.asarray(qvecs, dtype=np.float32).T, axis=0)
    truth = [f"{b // PER_FILE}-{b % PER_FILE}" for b in best]
    out = {}
    for name, key in ((LOCAL, "local"), (TEAM, "server")):
        coll = service.manifest.collection(name)
        store = service._store(coll)
        tops = [store.query(coll.id, v, 1)[0][0].split("-", 1)[1] for v in qvecs]
        out[f"{key}_recall_at_1"] = round(sum(t == g for t, g in zip(tops, truth)) / len(truth), 3)
    return out


def timed_search(service: Any, name: str, q: str, v: list[float], mode: str) -> tuple[float, str | None]:
    """(ms, first hit's chunk id without its store prefix); None = an error or no hits."""
    t = time.perf_counter()
    try:
        hits = service.search(name, q, top_k=5, mode=mode, query_embedding=v)
    except Exception as exc:  # counted, not fatal: the bench reports errors
        print(f"  {name} {mode}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return (time.perf_counter() - t) * 1000, None
    ms = (time.perf_counter() - t) * 1000
    return ms, (hits[0].chunk_id.split("-", 1)[1] if hits else None)


def compare(service: Any, questions: list[str], qvecs: list[list[float]], mode: str, rounds: int) -> dict[str, Any]:
    """Local and server latency of one search mode, interleaved query by query."""
    team_id = service.manifest.collection(TEAM).id
    out: dict[str, Any] = {"mode": mode, "errors": 0}
    for name, key in ((LOCAL, "local"), (TEAM, "server")):  # first query: opens stores, builds BM25
        t = time.perf_counter()
        _ms, first = timed_search(service, name, questions[0], qvecs[0], mode)
        out[f"{key}_first_query_s"] = round(time.perf_counter() - t, 2)
        out["errors"] += first is None
    lat: dict[str, list[float]] = {"local": [], "server": []}
    agree = rebuilds = 0
    for _ in range(rounds):
        for q, v in zip(questions, qvecs):
            ms_l, top_l = timed_search(service, LOCAL, q, v, mode)
            gen = service._keywords._cache.get(team_id, (None,))[0]
            ms_s, top_s = timed_search(service, TEAM, q, v, mode)
            rebuilds += mode != "vector" and service._keywords._cache.get(team_id, (None,))[0] != gen
            lat["local"].append(ms_l)
            lat["server"].append(ms_s)
            out["errors"] += (top_l is None) + (top_s is None)
            agree += top_l is not None and top_l == top_s
    for key, vals in lat.items():
        out[f"{key}_p50_ms"], out[f"{key}_p95_ms"] = round(pct(vals, 0.5), 2), round(pct(vals, 0.95), 2)
        out[f"{key}_max_ms"] = round(max(vals), 2)
    out["queries"] = len(lat["local"])
    out["top1_agree"] = round(agree / max(1, len(lat["local"])), 3)
    if mode != "vector":
        out["server_keyword_rebuilds"] = int(rebuilds)
    return out


def worker(spec_path: str) -> int:
    """One client process: join the shared collection, warm up, wait for "go", run the queries."""
    spec = json.loads(Path(spec_path).read_text())
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    from engine.docs.service import DocumentService

    service = DocumentService()
    service.add(TEAM, [], server=spec["url"])
    errors = 0
    _ms, first = timed_search(service, TEAM, spec["questions"][0], spec["qvecs"][0], spec["mode"])
    errors += first is None
    print("ready", flush=True)
    sys.stdin.readline()
    lat = []
    for _ in range(spec["rounds"]):
        for q, v in zip(spec["questions"], spec["qvecs"]):
            ms, top = timed_search(service, TEAM, q, v, spec["mode"])
            lat.append(ms)
            errors += top is None
    service.close()
    print(json.dumps({"lat": lat, "errors": errors}), flush=True)
    return 0


def concurrent(url: str, home: Path, n: int, questions: list[str], qvecs: list[list[float]], rounds: int,
               mode: str) -> dict[str, Any]:
    """``n`` client processes querying the server at once (started together after warm-up)."""
    spec = home / "worker-spec.json"
    spec.write_text(json.dumps({"url": url, "questions": questions, "qvecs": qvecs, "rounds": rounds,
                                "mode": mode}))
    procs = []
    for i in range(n):
        env = {**os.environ, "HEARTH_HOME": str(home / f"client{i}"), "PYTHONPATH": str(REPO)}
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker", str(spec)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, env=env, cwd=REPO))
    ready = sum(1 for p in procs if p.stdout and p.stdout.readline().strip() == "ready")
    t0 = time.perf_counter()
    for p in procs:
        if p.poll() is None and p.stdin:
            p.stdin.write("go\n")
            p.stdin.flush()
    lat: list[float] = []
    errors = 0
    for p in procs:
        out, _ = p.communicate(timeout=1800)
        try:
            got = json.loads(out.strip().splitlines()[-1])
            lat += got["lat"]
            errors += got["errors"]
        except (ValueError, IndexError):
            errors += rounds * len(questions)  # a client that died: all its queries failed
    wall = time.perf_counter() - t0
    return {"clients": n, "ready": ready, "mode": mode, "queries": len(lat), "errors": errors,
            "p50_ms": round(pct(lat, 0.5), 2), "p95_ms": round(pct(lat, 0.95), 2),
            "max_ms": round(max(lat), 2) if lat else None, "wall_s": round(wall, 2),
            "qps": round(len(lat) / wall, 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3, help="passes over the dev questions per measurement")
    ap.add_argument("--concurrent-mode", default="vector", choices=["vector", "hybrid"])
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "python-docs-3.11"))
    ap.add_argument("--dev", default=str(SHARED / "eval" / "retrieval" / "dev.jsonl"))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # no token: loopback server
    if args.worker:
        return worker(args.worker)

    home = Path(tempfile.mkdtemp(prefix="hearth-bench-team-"))
    os.environ["HEARTH_HOME"] = str(home / "main")
    stack = ExitStack()
    try:
        url = stack.enter_context(chroma_server(home / "chroma"))
        from engine.net import enforce_offline_defaults

        enforce_offline_defaults()
        from engine.docs.service import DocumentService

        service = DocumentService()
        service.add(TEAM, [], server=url)  # joins (creates) the shared collection, as `docs add --server` does
        emb = service.embedder
        questions = [json.loads(line)["question"] for line in Path(args.dev).read_text().splitlines() if line.strip()]
        qvecs = [emb.embed_query(q) for q in questions]

        t0 = time.perf_counter()
        took, vectors = write_synthetic(service, args.chunks, corpus_vocab(Path(args.corpus)))
        chunks = max(1, args.chunks // PER_FILE) * PER_FILE
        print(f"wrote {chunks} chunks in {time.perf_counter() - t0:.0f}s (vector writes: local {took['local']:.1f}s, "
              f"server {took['server']:.1f}s)", file=sys.stderr)
        recall = exact_recall(service, qvecs, vectors)
        del vectors
        print(f"exact nearest chunk found first: {recall}", file=sys.stderr)
        vector = compare(service, questions, qvecs, "vector", args.rounds)
        print(f"vector: {vector}", file=sys.stderr)
        hybrid = compare(service, questions, qvecs, "hybrid", args.rounds)
        print(f"hybrid: {hybrid}", file=sys.stderr)
        service.close()
        conc = concurrent(url, home, args.clients, questions, qvecs, args.rounds, args.concurrent_mode)
        print(f"concurrent: {conc}", file=sys.stderr)
    finally:
        stack.close()  # stops the server
        shutil.rmtree(home, ignore_errors=True)

    single = vector if args.concurrent_mode == "vector" else hybrid
    out = {
        "name": "team", "chunks": chunks, "questions": len(questions), "rounds": args.rounds,
        "write_local_s": round(took["local"], 1), "write_server_s": round(took["server"], 1),
        "server_query_p50_ms": vector["server_p50_ms"], "server_query_p95_ms": vector["server_p95_ms"],
        "local_query_p50_ms": vector["local_p50_ms"], "local_query_p95_ms": vector["local_p95_ms"],
        "server_vs_local_p95": round(vector["server_p95_ms"] / vector["local_p95_ms"], 2),
        "server_hybrid_p50_ms": hybrid["server_p50_ms"], "server_hybrid_p95_ms": hybrid["server_p95_ms"],
        "local_hybrid_p50_ms": hybrid["local_p50_ms"], "local_hybrid_p95_ms": hybrid["local_p95_ms"],
        "server_vs_local_hybrid_p95": round(hybrid["server_p95_ms"] / hybrid["local_p95_ms"], 2),
        "server_bm25_build_s": hybrid["server_first_query_s"], "local_bm25_build_s": hybrid["local_first_query_s"],
        "server_hybrid_keyword_rebuilds": hybrid["server_keyword_rebuilds"],
        "top1_agree": vector["top1_agree"], **recall,
        "concurrent_clients": conc["clients"], "concurrent_mode": conc["mode"],
        "concurrent_p50_ms": conc["p50_ms"], "concurrent_p95_ms": conc["p95_ms"], "concurrent_qps": conc["qps"],
        "concurrent_vs_single_p95": round(conc["p95_ms"] / single["server_p95_ms"], 2),
        "errors": vector["errors"] + hybrid["errors"] + conc["errors"] + (conc["clients"] - conc["ready"]),
        "vector": vector, "hybrid": hybrid, "concurrent": conc,
    }
    (REPO / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (REPO / "bench" / "out" / "team.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
