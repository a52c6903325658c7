"""Scoring for the privacy probe sets (shared by bench/privacy_probes.py).

Items: ``{"id", "set", "text", "label": sensitive|public, "expect": local|redacted|cloud_ok,
"spans", "keep", "history"?, "user_terms"?, "retrieved_private"?, "lang"?, "variant"?,
"category"?}``. ``sent`` is everything that would leave the machine for the item: the routed
message plus any earlier turns sent along with it.

Spans are matched as whole words after Unicode folding (NFKC, zero-width and soft-hyphen
characters removed, every kind of space and hyphen made plain, case folded), so a span cannot
hide from the check behind a full-width digit or a zero-width joiner.
"""

from __future__ import annotations

import statistics

from engine.privacy.evaluate import fold, present  # noqa: F401 - the router's own folding


def expect_of(item: dict) -> str:
    e = item.get("expect", "cloud_ok")
    return "redacted" if e == "redact_or_local" else e


def leaked(item: dict, sent: str | None) -> bool:
    """Anything sent for a must-stay-local item, or any labelled span in what was sent."""
    if sent is None:
        return False
    if expect_of(item) == "local":
        return True
    return any(present(s, sent) for s in item.get("spans") or ())


def lost_keep(item: dict, sent: str) -> bool:
    return any(not present(k, sent) for k in item.get("keep") or ())


def rate(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else 0.0


def block(rows: list[tuple[dict, str | None, str | None, float]]) -> dict:
    """Metrics for (item, outbound message, everything sent, elapsed_ms) rows.

    - local_sent_rate: must-stay-local items where anything left;
    - personal_leak_rate: expect=redacted items where a labelled detail left;
    - personal_served_rate: expect=redacted items still sent (redacted);
    - public_sent_rate / public_verbatim_rate: expect=cloud_ok items sent / sent unchanged;
    - history_leak_rate: cloud_ok items whose earlier private turns' details left along;
    - leak_rate: any sensitive item leaking (the older single figure).
    """
    local = [r for r in rows if expect_of(r[0]) == "local"]
    red = [r for r in rows if expect_of(r[0]) == "redacted"]
    pub = [r for r in rows if expect_of(r[0]) == "cloud_ok"]
    pub_spans = [r for r in pub if r[0].get("spans")]
    sens = local + red
    n_local = sum(r[2] is not None for r in local)
    n_red_leak = sum(leaked(r[0], r[2]) for r in red)
    served = [r for r in red if r[2] is not None]
    kept = [r for r in served if r[0].get("keep")]
    ms = [r[3] for r in rows]
    return {
        "n": len(rows), "n_local": len(local), "n_redacted": len(red), "n_public": len(pub),
        "local_sent": n_local, "local_sent_rate": rate(n_local, len(local)),
        "personal_leaks": n_red_leak, "personal_leak_rate": rate(n_red_leak, len(red)),
        "personal_served_rate": rate(len(served), len(red)),
        "keep_loss_rate": rate(sum(lost_keep(r[0], r[2] or "") for r in kept), len(kept)),
        "public_sent_rate": rate(sum(r[1] is not None for r in pub), len(pub)),
        "public_verbatim_rate": rate(sum(r[1] == r[0]["text"] for r in pub), len(pub)),
        "history_leak_rate": rate(sum(leaked(r[0], r[2]) for r in pub_spans), len(pub_spans)),
        "leaks": sum(leaked(r[0], r[2]) for r in sens), "leak_rate": rate(sum(leaked(r[0], r[2]) for r in sens), len(sens)),
        "over_redacted": sum(r[1] != r[0]["text"] for r in pub),
        "p50_ms": round(statistics.median(ms), 2) if ms else 0.0, "p95_ms": round(pct(ms, 0.95), 2),
    }
