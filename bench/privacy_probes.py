"""Privacy router regression benchmark on hand-written probe messages (bench/data/privacy_probes.jsonl).

Routes every probe with the default ``PrivacyRouter`` and reports, per probe set and overall:

* leak rate — over sensitive items: anything sent for ``expect=local``, or any private span found
  in the outbound text (case-insensitive, whole word);
* over-redaction rate — over public items: share not sent verbatim;
* keep-loss rate — over sensitive ``expect=redacted`` items that were sent and name keep words:
  share whose outbound lost one of them (the served rate of those items is reported alongside);
* p50 / p95 routing latency in milliseconds (the router's own timing, warm-up excluded).

Sets A and B were used to find and fix gaps in the router, so their figures are regression checks,
not held-out estimates. Sets C, D and E were each measured blind first, on the router as it stood
(C: 19 of 110 sensitive items leaked, 69 of 90 public items went out verbatim; D, after the fixes
for C: 19 of 110 leaked, 75 of 90 verbatim; E, after the fixes for D: 11 of 110 leaked, 84 of 90
verbatim), and were then also used for fixes. Writes bench/out/privacy_probes.json;
the last stdout line is one JSON object.

    python bench/privacy_probes.py [--data PATH] [--show-leaks]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT / "bench" / "data" / "privacy_probes.jsonl"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else 0.0


def present(term: str, text: str) -> bool:
    """Whole-word, case-insensitive match; whitespace inside the term matches any whitespace."""
    words = [re.escape(w) for w in term.split()]
    return bool(words) and re.search(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", text, re.I) is not None


def leaked(item: dict, outbound: str | None) -> bool:
    if outbound is None:
        return False
    return item["expect"] == "local" or any(present(s, outbound) for s in item["spans"])


def lost_keep(item: dict, outbound: str) -> bool:
    return any(not present(k, outbound) for k in item["keep"])


def rate(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def block(rows: list[tuple[dict, str | None, float]]) -> dict:
    """Metrics for one group of (item, outbound, elapsed_ms) rows."""
    sens = [(i, o) for i, o, _ in rows if i["label"] == "sensitive"]
    pub = [(i, o) for i, o, _ in rows if i["label"] == "public"]
    red = [(i, o) for i, o in sens if i["expect"] == "redacted"]
    red_sent = [(i, o) for i, o in red if o is not None and i["keep"]]
    n_leak = sum(leaked(i, o) for i, o in sens)
    n_over = sum(o != i["text"] for i, o in pub)
    n_lost = sum(lost_keep(i, o) for i, o in red_sent)
    ms = [t for *_, t in rows]
    return {"n": len(rows), "n_sensitive": len(sens), "leaks": n_leak, "leak_rate": rate(n_leak, len(sens)),
            "n_public": len(pub), "over_redacted": n_over, "over_redaction_rate": rate(n_over, len(pub)),
            "redacted_served_rate": rate(sum(o is not None for _, o in red), len(red)),
            "n_keep_checked": len(red_sent), "keep_lost": n_lost, "keep_loss_rate": rate(n_lost, len(red_sent)),
            "p50_ms": round(statistics.median(ms), 2) if ms else 0.0, "p95_ms": round(pct(ms, 0.95), 2)}


def read_items(path: Path) -> list[dict]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [it["id"] for it in items]
    if len(set(ids)) != len(ids):
        raise SystemExit(f"{path}: duplicate ids")
    return items


def main() -> int:
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--show-leaks", action="store_true", help="print each leak's id, text and outbound")
    args = ap.parse_args()

    from engine.privacy import PrivacyRouter

    items = read_items(args.data)
    router = PrivacyRouter()
    t = time.perf_counter()
    router.warm_up()
    warm_s = time.perf_counter() - t

    rows: list[tuple[dict, str | None, float]] = []
    for item in items:
        d = router.route(item["text"])
        rows.append((item, d.outbound, d.elapsed_ms))

    if args.show_leaks:
        for item, out, _ in rows:
            if item["label"] == "sensitive" and leaked(item, out):
                print(f"LEAK {item['id']} [{item['expect']}]\n  text: {item['text']!r}\n  sent: {out!r}")

    per_set = {s: block([r for r in rows if r[0]["set"] == s]) for s in sorted({i["set"] for i in items})}
    metrics = {**block(rows), "warm_up_s": round(warm_s, 2), "per_set": per_set}

    out = ROOT / "bench" / "out" / "privacy_probes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, m in per_set.items():
        print(f"set {name}: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    summary = {k: v for k, v in metrics.items() if k != "per_set"}
    print(json.dumps({"bench": "privacy_probes", **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
