"""Privacy router benchmark on the labelled dev set (../shared/eval/privacy/dev.jsonl).

Routes every item with cloud escalation as ``auto`` and reports the README metrics overall and
per category: leak rate (0 on expect=local, <= 2 % on redact_or_local), served rate (>= 60 %),
public pass (>= 90 %) and verbatim (>= 80 %) rates, and routing latency (p95 <= 50 ms, NER
included). Latency is also given as a ratio against the raw spaCy pipeline on the same texts in
the same run, so machine load cancels out. Writes bench/out/privacy.json; the last stdout line is
one JSON object.

    python bench/privacy.py [--data PATH] [--out-decisions PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "privacy" / "dev.jsonl"
TARGETS = {"leak_rate_local": 0.0, "leak_rate_redact_or_local": 0.02, "served_rate": 0.60, "pass_rate": 0.90,
           "verbatim_rate": 0.80, "p95_ms": 50.0}


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main() -> int:
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out-decisions", type=Path, default=ROOT / "bench" / "out" / "privacy_decisions.jsonl")
    ap.add_argument("--no-learned", action="store_true", help="ablation: route without the learned layer")
    args = ap.parse_args()

    from engine.privacy import PrivacyRouter
    from engine.privacy.evaluate import evaluate, read_items
    from engine.privacy.ner import load_nlp

    from engine.config import PrivacySettings

    router = PrivacyRouter(PrivacySettings(learned=not args.no_learned))
    t = time.perf_counter()
    router.warm_up()
    warm_s = time.perf_counter() - t
    metrics = evaluate(args.data, args.out_decisions, router)

    # Raw library on the same texts, interleaved with the router item by item so machine load
    # hits both alike: spaCy NER alone (the router's heaviest layer) vs the whole router.
    from engine.privacy.evaluate import route_item

    nlp = load_nlp()
    raw, routed = [], []
    for item in read_items(args.data):
        t = time.perf_counter()
        nlp(item["text"])
        raw.append((time.perf_counter() - t) * 1e3)
        routed.append(route_item(router, item).elapsed_ms)
    metrics["paired_router_p95_ms"] = round(p95(routed), 2)
    metrics["raw_spacy_p95_ms"] = round(p95(raw), 2)
    metrics["raw_spacy_median_ms"] = round(statistics.median(raw), 2)
    metrics["p95_ratio_vs_raw_spacy"] = round(p95(routed) / max(1e-6, p95(raw)), 2)
    metrics["warm_up_s"] = round(warm_s, 2)
    metrics["targets"] = TARGETS
    metrics["met"] = {k: (metrics.get(k, 1.0) <= v if k.startswith(("leak", "p95")) else metrics.get(k, 0.0) >= v)
                      for k, v in TARGETS.items()}

    out = ROOT / "bench" / "out" / ("privacy_no_learned.json" if args.no_learned else "privacy.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    for cat, m in metrics["per_category"].items():
        print(f"{cat}: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    summary = {k: v for k, v in metrics.items() if k not in ("per_category", "targets")}
    print(json.dumps({"bench": "privacy", **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
