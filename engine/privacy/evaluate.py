"""Route a labelled JSONL set and score it (metrics of ``shared/eval/privacy/README.md``).

Every line is routed as if cloud escalation were ``auto``. What counts as *sent* is the
outbound question plus any earlier turns the decision would send along.

* leak rate — over ``sensitive`` items: anything sent for ``expect=local``, or any span found
  in the sent text for ``redact_or_local``/``redacted`` (whole words, after Unicode folding:
  NFKC, invisible characters dropped, odd spaces and hyphens made plain, case folded);
* served rate — over ``redact_or_local``: share still sent;
* pass rate / verbatim rate — over ``public``: share sent / share sent unchanged;
* p95 routing latency in milliseconds.
"""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Iterator

from engine.errors import HearthError
from engine.privacy.router import PrivacyRouter, RouteDecision


def fold(text: str) -> str:
    """The form spans are compared in (the router's own normaliser, then case folding)."""
    from engine.privacy.normalize import normalise

    return unicodedata.normalize("NFKC", normalise(text).text).casefold()


def present(term: str, text: str) -> bool:
    """``term`` appears in ``text`` as whole words, after folding; inner whitespace matches any."""
    words = [re.escape(w) for w in fold(term).split()]
    return bool(words) and re.search(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", fold(text)) is not None


def read_items(path: Path) -> Iterator[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise HearthError(f"No such file: {path}.", "Give the path of a JSONL file, one item per line.") from exc
    except UnicodeDecodeError as exc:
        raise HearthError(f"{path} is not UTF-8 text.", "Save the file as UTF-8 JSONL.") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HearthError(f"{path}, line {n} is not valid JSON: {exc.msg}.",
                              "Each line must be one JSON object with at least 'id' and 'text'.") from exc
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise HearthError(f"{path}, line {n} has no 'text' string.",
                              "Each line must be one JSON object with at least 'id' and 'text'.")
        yield item


def sent_text(decision: RouteDecision) -> str:
    if decision.outbound is None:
        return ""
    return "\n".join([*(m["content"] for m in decision.outbound_history), decision.outbound])


def route_item(router: PrivacyRouter, item: dict) -> RouteDecision:
    return router.route(item["text"], history=item.get("history") or (),
                        retrieved_private=bool(item.get("retrieved_private")),
                        user_terms=item.get("user_terms") or ())


def sent_messages(decision: RouteDecision) -> list[dict]:
    """Everything that would leave for this decision: the cloud's thread, then the message."""
    if decision.outbound is None:
        return []
    return [*({"role": m["role"], "content": m["content"]} for m in decision.outbound_history),
            {"role": "user", "content": decision.outbound}]


def leaked(item: dict, decision: RouteDecision) -> bool:
    if decision.outbound is None:
        return False
    if item.get("expect") == "local":
        return True
    sent = sent_text(decision)
    return any(present(s, sent) for s in item.get("spans") or ())


def by_rule(items: list[dict], decisions: list[RouteDecision]) -> dict:
    """Per rule id: how often it decided, and how often those decisions leaked or cost a public item."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"decided": 0, "leaks": 0, "public_blocked": 0,
                                                          "public_changed": 0})
    for item, d in zip(items, decisions):
        public = item.get("label") == "public"
        for rule in d.rules or ["-"]:
            r = out[rule]
            r["decided"] += 1
            r["leaks"] += int(item.get("label") == "sensitive" and leaked(item, d))
            r["public_blocked"] += int(public and d.route == "local")
            r["public_changed"] += int(public and d.route == "redacted")
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["decided"]))


def score(items: list[dict], decisions: list[RouteDecision]) -> dict:
    """Overall and per-category metrics."""
    def block(pairs: Iterable[tuple[dict, RouteDecision]]) -> dict:
        pairs = list(pairs)
        sens = [(i, d) for i, d in pairs if i.get("label") == "sensitive"]
        local = [(i, d) for i, d in sens if i.get("expect") == "local"]
        rol = [(i, d) for i, d in sens if i.get("expect") in ("redact_or_local", "redacted")]
        pub = [(i, d) for i, d in pairs if i.get("label") == "public"]
        out: dict = {"n": len(pairs)}

        def rate(xs, pred):
            return round(sum(pred(i, d) for i, d in xs) / len(xs), 4) if xs else None

        out["leak_rate"] = rate(sens, leaked)
        out["leak_rate_local"] = rate(local, leaked)
        out["leak_rate_redact_or_local"] = rate(rol, leaked)
        out["served_rate"] = rate(rol, lambda i, d: d.outbound is not None)
        out["pass_rate"] = rate(pub, lambda i, d: d.outbound is not None)
        out["verbatim_rate"] = rate(pub, lambda i, d: d.outbound == i["text"] and d.route == "cloud")
        return {k: v for k, v in out.items() if v is not None}

    pairs = list(zip(items, decisions))
    cats: dict[str, list] = defaultdict(list)
    for i, d in pairs:
        cats[i.get("category", "?")].append((i, d))
    lat = sorted(d.elapsed_ms for d in decisions)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else 0.0
    return {**block(pairs), "p95_ms": round(p95, 2), "median_ms": round(statistics.median(lat), 2) if lat else 0.0,
            "per_category": {c: block(v) for c, v in sorted(cats.items())}, "by_rule": by_rule(items, decisions)}


def evaluate(path: Path, out: Path | None, router: PrivacyRouter | None = None) -> dict:
    """Route every item, write one result line per item to ``out``, and return the metrics."""
    from engine.fsutil import atomic_write_text

    router = router or PrivacyRouter()
    router.warm_up()
    items = list(read_items(path))
    decisions = [route_item(router, it) for it in items]
    if out is not None:
        lines = [json.dumps({"id": it.get("id"), "decision": d.route, "rules": d.rules, "frame": d.frame,
                             "outbound": d.outbound, "sent": sent_messages(d), "reasons": d.reasons},
                            ensure_ascii=False) for it, d in zip(items, decisions)]
        atomic_write_text(Path(out), "\n".join(lines) + "\n")
    return score(items, decisions)
