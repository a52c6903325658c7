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
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_DATA = ROOT / "bench" / "data"
DEFAULT_DATA = [_DATA / "privacy_probes.jsonl",
                *(_DATA / f"privacy_blind_{s}.jsonl" for s in ("F", "G", "H1", "H2", "H3", "H4", "H5"))]
sys.path.insert(0, str(ROOT / "bench"))


from probe_scoring import block, leaked  # noqa: E402


def read_items(paths: list[Path]) -> list[dict]:
    items = [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    ids = [it["id"] for it in items]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate ids")
    return items


def main() -> int:
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA)
    ap.add_argument("--sets", nargs="+", help="only these sets (e.g. F)")
    ap.add_argument("--by", default="set", help="item field to break figures down by (set, lang, variant, category)")
    ap.add_argument("--show-leaks", action="store_true", help="print each leak's id, text and outbound")
    ap.add_argument("--no-learned", action="store_true", help="ablation: route without the learned layer")
    args = ap.parse_args()

    from engine.privacy import PrivacyRouter
    from engine.privacy.evaluate import route_item, sent_text

    items = read_items(args.data)
    if args.sets:
        items = [i for i in items if i["set"] in args.sets]
    from engine.config import PrivacySettings

    router = PrivacyRouter(PrivacySettings(learned=not args.no_learned))
    t = time.perf_counter()
    router.warm_up()
    warm_s = time.perf_counter() - t

    rows: list[tuple[dict, str | None, str | None, float]] = []
    for item in items:
        d = route_item(router, item)
        rows.append((item, d.outbound, sent_text(d) if d.outbound is not None else None, d.elapsed_ms))

    if args.show_leaks:
        for item, out, sent, _ in rows:
            if leaked(item, sent):
                print(f"LEAK {item['id']} [{item['expect']}]\n  text: {item['text']!r}\n  sent: {sent!r}")

    groups = sorted({str(i.get(args.by, "?")) for i in items})
    per_set = {g: block([r for r in rows if str(r[0].get(args.by, "?")) == g]) for g in groups}
    metrics = {**block(rows), "warm_up_s": round(warm_s, 2), "per_set": per_set}

    out = ROOT / "bench" / "out" / ("privacy_probes_no_learned.json" if args.no_learned else "privacy_probes.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, m in per_set.items():
        print(f"set {name}: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    summary = {k: v for k, v in metrics.items() if k != "per_set"}
    print(json.dumps({"bench": "privacy_probes", **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
