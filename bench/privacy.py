"""Privacy router benchmark on the labelled dev set (../shared/eval/privacy/dev.jsonl).

Routes every item with cloud escalation as ``auto`` and reports the README metrics overall and
per category: leak rate (0 on expect=local, <= 2 % on redact_or_local), served rate (>= 60 %),
public pass (>= 90 %) and verbatim (>= 80 %) rates, and routing latency (p95 <= 50 ms, NER
included).

Latency is *cold*: each message routed once, with the learned layer's window-vector cache
emptied before it (nothing profits from an earlier pass or item); a second "repeat" pass routes
the same texts with the cache warm. Both are broken down by message length and by phase
(RouteDecision.phases), and given as a ratio against the raw spaCy pipeline run on the same text
just before each message, so machine load (the bench machine is shared) hits both alike. Writes
bench/out/privacy.json; the last stdout line is one JSON object.

A "drafted" pass (skip it with ``--no-drafted``) hands each message to ``PrivacyRouter.prepare``
first, as the desktop composer does after a pause in typing, waits until that is done (the
embedding on the scoring worker; the parse ran in ``prepare`` itself), then routes it: the latency
of a send after the draft was prepared. Its p95 is reported as a ratio to raw spaCy's p95 in the
same pass (``drafted_p95_ratio_vs_raw_spacy`` in the JSON), beside the cold figure, and every
decision is compared with the cold pass's (``drafted_decisions_differ`` must be 0: preparing may
only make routing sooner, never different).

    python bench/privacy.py [--data PATH] [--out-decisions PATH] [--no-learned] [--no-repeat] [--no-drafted]
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
    return pct(xs, 0.95)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else 0.0


# Message length buckets (characters) for the latency breakdown.
LENGTHS = ((0, 120, "<120"), (120, 400, "120-399"), (400, 1000, "400-999"), (1000, 10**9, ">=1000"))
# Phases in the order the router runs them (RouteDecision.phases); the learned ones ran on the
# scoring worker beside the others: "learned_wait" is what the message waited for them.
PHASES = ("normalise", "language", "patterns", "context", "ner", "names", "lexicon", "learned_wait", "policy",
          "learned_queue", "learned_embed")


class Timed:
    """Wraps the router for :func:`evaluate`: before each message, the raw spaCy pipeline on the
    same text (paired, so that machine load hits both alike) and — for a *cold* measurement —
    the learned layer's window-vector cache emptied, so no message profits from an earlier pass
    or an earlier item. History turns are still routed first (not timed), as in the app."""

    def __init__(self, router, nlp, cold: bool, drafted: bool = False) -> None:
        self.router, self.nlp, self.cold, self.drafted = router, nlp, cold, drafted
        self.rows: list[dict] = []

    def warm_up(self) -> None:
        self.router.warm_up()

    def route(self, text: str, **kw):
        from engine.privacy.analysis import forget_prepared

        layer = self.router._learned_layer()
        if self.cold:
            forget_prepared()
            if layer is not None:
                with layer._recent_lock:
                    layer._recent.clear()
        if self.drafted:  # the composer handed the draft over while it was typed (PrivacyRouter.prepare)
            from engine.privacy import router as router_mod

            self.router.prepare(text)  # parses here; the embedding runs on the scoring worker
            job = router_mod._draft_job
            if job is not None:
                job.unit_scores()  # the typing took at least as long as the embedding
        t = time.perf_counter()
        self.nlp(text)
        raw = (time.perf_counter() - t) * 1e3
        d = self.router.route(text, **kw)
        self.rows.append({"chars": len(text), "ms": d.elapsed_ms, "raw_spacy_ms": raw, "phases": dict(d.phases),
                          "route": d.route, "decision": signature(d)})
        return d


def signature(d) -> list:
    """Everything a decision says (to compare two passes over the same items)."""
    return [d.route, d.outbound, d.rules, d.reasons, d.frame, d.redactions, d.outbound_history]


def latency_report(rows: list[dict]) -> dict:
    ms = [r["ms"] for r in rows]
    raw = [r["raw_spacy_ms"] for r in rows]
    out: dict = {"n": len(rows), "median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95(ms), 2),
                 "raw_spacy_median_ms": round(statistics.median(raw), 2), "raw_spacy_p95_ms": round(p95(raw), 2),
                 "p95_ratio_vs_raw_spacy": round(p95(ms) / max(1e-6, p95(raw)), 2)}
    out["by_length"] = {}
    for lo, hi, name in LENGTHS:
        sel = [r for r in rows if lo <= r["chars"] < hi]
        if sel:
            out["by_length"][name] = {"n": len(sel), "median_ms": round(statistics.median(r["ms"] for r in sel), 1),
                                      "p95_ms": round(p95([r["ms"] for r in sel]), 1),
                                      "raw_spacy_p95_ms": round(p95([r["raw_spacy_ms"] for r in sel]), 1)}
    # Where the time goes: per phase, its median and p95 over the messages that reached it, and
    # its mean over the slowest tenth of messages (what the p95 is made of).
    slow_cut = pct(ms, 0.9)
    slow = [r for r in rows if r["ms"] >= slow_cut]
    out["phases"] = {}
    for ph in PHASES:
        xs = [r["phases"][ph] for r in rows if ph in r["phases"]]
        if xs:
            out["phases"][ph] = {"reached": len(xs), "median_ms": round(statistics.median(xs), 2),
                                 "p95_ms": round(p95(xs), 2),
                                 "slowest_10pct_mean_ms": round(sum(r["phases"].get(ph, 0.0) for r in slow)
                                                                / max(1, len(slow)), 1)}
    out["slowest_10pct"] = {"n": len(slow), "mean_ms": round(statistics.fmean(r["ms"] for r in slow), 1),
                            "mean_chars": round(statistics.fmean(r["chars"] for r in slow))}
    return out


def print_latency(name: str, rep: dict) -> None:
    print(f"latency [{name}]: n={rep['n']} median={rep['median_ms']} ms p95={rep['p95_ms']} ms; raw spaCy "
          f"median={rep['raw_spacy_median_ms']} p95={rep['raw_spacy_p95_ms']} ms; ratio p95={rep['p95_ratio_vs_raw_spacy']}")
    for k, v in rep["by_length"].items():
        print(f"  chars {k:>8}: n={v['n']:3d} median={v['median_ms']:7.1f} p95={v['p95_ms']:7.1f} "
              f"(raw spaCy p95 {v['raw_spacy_p95_ms']:.1f})")
    for k, v in rep["phases"].items():
        print(f"  phase {k:>13}: reached={v['reached']:3d} median={v['median_ms']:7.2f} p95={v['p95_ms']:7.2f} "
              f"slowest-10% mean={v['slowest_10pct_mean_ms']:7.1f}")


def main() -> int:
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out-decisions", type=Path, default=ROOT / "bench" / "out" / "privacy_decisions.jsonl")
    ap.add_argument("--no-learned", action="store_true", help="ablation: route without the learned layer")
    ap.add_argument("--no-repeat", action="store_true", help="skip the second (repeat) pass")
    ap.add_argument("--no-drafted", action="store_true",
                    help="skip the pass with each draft prepared while typed (PrivacyRouter.prepare)")
    args = ap.parse_args()

    from engine.privacy import PrivacyRouter
    from engine.privacy.evaluate import evaluate
    from engine.privacy.ner import load_nlp

    from engine.config import PrivacySettings

    router = PrivacyRouter(PrivacySettings(learned=not args.no_learned))
    t = time.perf_counter()
    router.warm_up()
    warm_s = time.perf_counter() - t
    nlp = load_nlp()

    # Cold: every message routed once, with nothing cached from an earlier message. This is the
    # figure the p95 target is about.
    cold = Timed(router, nlp, cold=True)
    metrics = evaluate(args.data, args.out_decisions, cold)
    metrics["latency_cold"] = latency_report(cold.rows)
    metrics["p95_ms"] = metrics["latency_cold"]["p95_ms"]
    metrics["median_ms"] = metrics["latency_cold"]["median_ms"]
    metrics["raw_spacy_p95_ms"] = metrics["latency_cold"]["raw_spacy_p95_ms"]
    metrics["raw_spacy_median_ms"] = metrics["latency_cold"]["raw_spacy_median_ms"]
    metrics["p95_ratio_vs_raw_spacy"] = metrics["latency_cold"]["p95_ratio_vs_raw_spacy"]
    if not args.no_repeat:
        # Repeat: the same texts again, window vectors cached (a message previewed, then sent).
        # Not the target figure; it shows what is left once the embedding is paid.
        from engine.privacy.evaluate import read_items, route_item

        again = Timed(router, nlp, cold=False)
        for item in read_items(args.data):
            route_item(again, item)
        metrics["latency_repeat"] = latency_report(again.rows)
    if not args.no_drafted:
        # Drafted: each message prepared while it was typed (PrivacyRouter.prepare: its embedding
        # and parse), caches otherwise cold — what the desktop app's send waits for.
        from engine.privacy.evaluate import read_items, route_item

        drafted = Timed(router, nlp, cold=True, drafted=True)
        for item in read_items(args.data):
            route_item(drafted, item)
        rep = metrics["latency_drafted"] = latency_report(drafted.rows)
        metrics["drafted_p95_ms"] = rep["p95_ms"]
        metrics["drafted_raw_spacy_p95_ms"] = rep["raw_spacy_p95_ms"]
        metrics["drafted_p95_ratio_vs_raw_spacy"] = rep["p95_ratio_vs_raw_spacy"]
        # Same decisions as cold, item by item (a difference would be a bug in what prepare keeps;
        # an item that hit the time budget in one pass is counted apart: that is machine load)
        differ = [i for i, (c, d) in enumerate(zip(cold.rows, drafted.rows)) if c["decision"] != d["decision"]]
        budget = [i for i in differ if "router.budget" in cold.rows[i]["decision"][2] + drafted.rows[i]["decision"][2]]
        metrics["drafted_decisions_differ"] = len(differ) - len(budget)
        metrics["drafted_decisions_differ_budget"] = len(budget)
    metrics["warm_up_s"] = round(warm_s, 2)
    metrics["targets"] = TARGETS
    metrics["met"] = {k: (metrics.get(k, 1.0) <= v if k.startswith(("leak", "p95")) else metrics.get(k, 0.0) >= v)
                      for k, v in TARGETS.items()}

    out = ROOT / "bench" / "out" / ("privacy_no_learned.json" if args.no_learned else "privacy.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    for cat, m in metrics["per_category"].items():
        print(f"{cat}: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    print_latency("cold", metrics["latency_cold"])
    if "drafted_p95_ms" in metrics:
        print(f"send after the draft was prepared: p95 {metrics['drafted_p95_ms']} ms = "
              f"{metrics['drafted_p95_ratio_vs_raw_spacy']}x raw spaCy p95 in the same pass "
              f"(cold: {metrics['p95_ratio_vs_raw_spacy']}x); decisions differing from cold: "
              f"{metrics['drafted_decisions_differ']} (+{metrics['drafted_decisions_differ_budget']} time budget)")
    for name in ("repeat", "drafted"):
        if f"latency_{name}" in metrics:
            print_latency(name, metrics[f"latency_{name}"])
    summary = {k: v for k, v in metrics.items() if k not in ("per_category", "targets", "by_rule")
               and not k.startswith("latency_")}
    print(json.dumps({"bench": "privacy", **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
