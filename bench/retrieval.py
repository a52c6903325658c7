"""Retrieval quality on a development set, per search mode.

    .venv/bin/python bench/retrieval.py [--set html|pdf] [--home DIR] [--dev FILE] [--corpus DIR]

``--set pdf`` uses bench/data/pdf_dev.jsonl over the four Debian manuals fetched by
bench/data/pdf_fetch.py (a result matches when its file name is the question's ``doc`` and its
page is one of ``relevant_pages``: physical pages). The default ``--set html`` is described below.

Indexes ``../shared/corpus/python-docs-3.11`` through the real pipeline (DocumentService:
sandboxed parsing, chunking, sentence-transformers, chromadb, BM25) into a bench HEARTH_HOME
(reused across runs: an unchanged corpus re-indexes in about a second), then asks every
question of ``../shared/eval/retrieval/dev.jsonl`` in each mode and reports, per mode and per
question style: Recall@1/3/5/10 and MRR at page level (rank of the first chunk whose path
matches a relevant page) and answer-in-top-5 (share of questions where one of the top-5 chunks
contains an ``answer_contains`` string, case-insensitive). Writes bench/out/retrieval.json and
prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"


def _norm(text: str) -> str:
    # NFKC: a ligature glyph ("ﬁ") or a non-breaking space in extracted text is the same letters.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def html_match(q: dict, hit) -> bool:  # type: ignore[no-untyped-def]
    return any(hit.rel_path.endswith(r) for r in q["relevant"])


def pdf_match(q: dict, hit) -> bool:  # type: ignore[no-untyped-def]
    return Path(hit.path).name == q["doc"] and hit.page in q["relevant_pages"]


def count_tokens(text: str) -> int:
    from engine.docs.textproc import count_tokens as count

    return count(text)


def evaluate(service, collection: str, questions: list[dict], mode: str, match=html_match) -> dict:  # type: ignore[no-untyped-def]
    ks = (1, 3, 5, 10)
    hits_at = {k: 0 for k in ks}
    rr = 0.0
    answer5 = 0
    per_style: dict[str, dict[str, float]] = {}
    latencies = []
    misses = []
    top5_tokens = []
    for q in questions:
        t0 = time.perf_counter()
        results = service.search(collection, q["question"], top_k=10, mode=mode)
        latencies.append(time.perf_counter() - t0)
        first = next((i + 1 for i, h in enumerate(results) if match(q, h)), None)
        for k in ks:
            hits_at[k] += int(first is not None and first <= k)
        rr += 1.0 / first if first else 0.0
        found = any(_norm(a) in _norm(h.text) for h in results[:5] for a in q["answer_contains"])
        top5_tokens.append(sum(count_tokens(h.text) for h in results[:5]))
        answer5 += int(found)
        if not found or not first or first > 5:
            misses.append({"id": q["id"], "first_page_rank": first, "answer_in_top5": found,
                           "top3": [f"{Path(h.path).name}:{h.page}" if h.page else h.rel_path for h in results[:3]]})
        st = per_style.setdefault(q.get("style", "?"), {"n": 0, "recall_at_5": 0, "answer_in_top5": 0})
        st["n"] += 1
        st["recall_at_5"] += int(first is not None and first <= 5)
        st["answer_in_top5"] += int(found)
    n = len(questions)
    for st in per_style.values():
        st["recall_at_5"] = round(st["recall_at_5"] / st["n"], 4)
        st["answer_in_top5"] = round(st["answer_in_top5"] / st["n"], 4)
    latencies.sort()
    return {
        "recall_at_1": round(hits_at[1] / n, 4), "recall_at_3": round(hits_at[3] / n, 4),
        "recall_at_5": round(hits_at[5] / n, 4), "recall_at_10": round(hits_at[10] / n, 4),
        "mrr": round(rr / n, 4), "answer_in_top5": round(answer5 / n, 4),
        "query_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "mean_top5_tokens": round(sum(top5_tokens) / n),
        "per_style": per_style, "misses": misses,
    }


SETS = {
    "html": {"collection": "python-docs", "dev": SHARED / "eval" / "retrieval" / "dev.jsonl",
             "corpus": SHARED / "corpus" / "python-docs-3.11", "match": html_match},
    "pdf": {"collection": "pdf-manuals", "dev": REPO / "bench" / "data" / "pdf_dev.jsonl",
            "corpus": REPO / "bench" / "data" / "pdf_corpus", "match": pdf_match},
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=sorted(SETS), default="html")
    ap.add_argument("--home", default=None, help="bench HEARTH_HOME (default bench/out/home-retrieval[-pdf])")
    ap.add_argument("--dev", default=None)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--chunk-tokens", type=int, default=None)
    ap.add_argument("--overlap", type=int, default=None)
    ap.add_argument("--modes", default="bm25,vector,hybrid,rerank")
    ap.add_argument("--passage-chunks", type=int, default=None, help="override MAX_PASSAGE_CHUNKS")
    ap.add_argument("--heading-weight", type=int, default=None, help="override HEADING_WEIGHT (BM25 heading field)")
    ap.add_argument("--fusion", default=None, help="override FUSION_WEIGHTS as VECTOR,KEYWORD")
    ap.add_argument("--same-page", type=int, choices=(0, 1), default=None, help="override SAME_PAGE")
    ap.add_argument("--prf", default=None, help="override VECTOR_PRF as K,BETA (vector pseudo-relevance feedback)")
    ap.add_argument("--window", type=int, default=None, help="override WINDOW_CHUNKS (small-to-big neighbours)")
    ap.add_argument("--context", choices=("title+heading", "heading-or-title+page"), default=None,
                    help="what precedes each chunk's text for the embedder and BM25 (engine.docs.chunking.CONTEXT)")
    ap.add_argument("--parse-timeout", type=float, default=None, help="documents.parse_timeout_s for this run")
    ap.add_argument("--pdf-extractor", choices=("pdfium", "pypdf"), default="pdfium")
    ap.add_argument("--out", default=None, help="JSON file (default bench/out/retrieval[-pdf].json)")
    ap.add_argument("--embedding-model", default=None,
                    help="documents.embedding_model for this run (e.g. multilingual-e5-small); use its own --home")
    args = ap.parse_args()
    chosen = SETS[args.set]
    suffix = "" if args.set == "html" else "-" + args.set
    home = args.home or str(REPO / "bench" / "out" / f"home-retrieval{suffix}")
    dev = Path(args.dev or chosen["dev"])
    corpus = Path(args.corpus or chosen["corpus"])
    collection = chosen["collection"]
    if not corpus.exists():
        hint = " (run: python3 bench/data/pdf_fetch.py)" if args.set == "pdf" else ""
        print(f"corpus not found: {corpus}{hint}", file=sys.stderr)
        return 2

    os.environ["HEARTH_HOME"] = home
    if args.pdf_extractor == "pypdf":
        os.environ["HEARTH_PDF_EXTRACTOR"] = "pypdf"  # read by the parse worker
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    from engine.config import load_config
    from engine.docs.service import DocumentService

    import engine.docs.passages as passages_module
    import engine.docs.service as service_module

    if args.passage_chunks:
        passages_module.MAX_PASSAGE_CHUNKS = args.passage_chunks
    if args.prf:
        k, beta = args.prf.split(",")
        service_module.VECTOR_PRF = (int(k), float(beta))
    if args.window is not None:
        service_module.WINDOW_CHUNKS = args.window
    if args.same_page is not None:
        passages_module.SAME_PAGE = bool(args.same_page)
    if args.heading_weight:
        service_module.HEADING_WEIGHT = args.heading_weight
    if args.fusion:
        service_module.FUSION_WEIGHTS = tuple(float(x) for x in args.fusion.split(","))
    if args.context:
        import engine.docs.chunking as chunking

        chunking.CONTEXT = args.context
    settings = load_config().config.documents
    if args.chunk_tokens:
        settings.chunk_tokens = args.chunk_tokens
    if args.overlap is not None:
        settings.chunk_overlap = args.overlap
    if args.parse_timeout:
        settings.parse_timeout_s = args.parse_timeout
    if args.embedding_model:
        settings.embedding_model = args.embedding_model
    questions = [json.loads(line) for line in dev.read_text().splitlines() if line.strip()]
    service = DocumentService(settings=settings)
    t0 = time.perf_counter()
    report = service.add(collection, [str(corpus)])
    index_s = time.perf_counter() - t0
    print(f"indexed: {report.indexed} files ({report.unchanged} unchanged), {report.chunks_added} new chunks, "
          f"{index_s:.1f} s", file=sys.stderr)
    status = service.status(collection)
    if status.embed_model != service.embedder.model_id:  # a collection keeps the embedder it was built with
        print(f"note: the collection in {home} was built with {status.embed_model}, which its searches use; "
              f"for {service.embedder.model_id} use another --home", file=sys.stderr)
    out: dict = {"name": "retrieval", "set": args.set, "questions": len(questions), "chunks": status.chunks,
                 "chunk_tokens": settings.chunk_tokens, "chunk_overlap": settings.chunk_overlap,
                 "embedding_model": status.embed_model, "modes": {}}
    service.search(collection, "warm up", mode="hybrid")  # load the embedder and BM25 once
    for mode in args.modes.split(","):
        if mode == "rerank" and not service.rerank_available():
            out["modes"]["rerank"] = {"available": False,
                                      "reason": "no cross-encoder model on this machine (documents.reranker_model)",
                                      "recall_at_5": None, "answer_in_top5": None}
            continue
        res = evaluate(service, collection, questions, mode, chosen["match"])
        out["modes"][mode] = res
        styles = " ".join(f"{k}: R@5 {v['recall_at_5']:.3f} ans@5 {v['answer_in_top5']:.3f}"
                          for k, v in sorted(res["per_style"].items()))
        print(f"{mode:7s} R@1 {res['recall_at_1']:.3f} R@5 {res['recall_at_5']:.3f} R@10 {res['recall_at_10']:.3f} "
              f"MRR {res['mrr']:.3f} answer@5 {res['answer_in_top5']:.3f} top5 tokens {res['mean_top5_tokens']}"
              f"  [{styles}]", file=sys.stderr)
    summary = {"name": "retrieval", "set": args.set, "chunks": out["chunks"]}
    for mode, res in out["modes"].items():
        summary[mode] = {k: res.get(k) for k in ("recall_at_1", "recall_at_5", "recall_at_10", "mrr", "answer_in_top5",
                                                 "mean_top5_tokens")}
        if res.get("per_style"):
            summary[mode]["per_style"] = {k: {"recall_at_5": v["recall_at_5"], "answer_in_top5": v["answer_in_top5"]}
                                          for k, v in res["per_style"].items()}
    summary["passage_chunks"] = passages_module.MAX_PASSAGE_CHUNKS
    summary["window_chunks"] = service_module.WINDOW_CHUNKS
    summary["heading_weight"] = service_module.HEADING_WEIGHT
    summary["same_page"] = passages_module.SAME_PAGE
    summary["fusion_weights"] = list(service_module.FUSION_WEIGHTS)
    out["summary"] = summary
    (REPO / "bench" / "out").mkdir(parents=True, exist_ok=True)
    target = Path(args.out) if args.out else REPO / "bench" / "out" / f"retrieval{suffix}.json"
    target.write_text(json.dumps(out, indent=2))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
