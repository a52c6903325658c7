"""``hearth privacy check|eval``, ``hearth cloud set-key|test|status``, ``hearth audit``, ``hearth usage``.

Only ``cloud test`` opens a connection, and only when cloud escalation is switched on.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.core import Core

PROVIDERS = ("openai", "anthropic")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("privacy", help="what the privacy router would send, and how well it routes")
    sub = p.add_subparsers(dest="privacy_cmd", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])
    s = sub.add_parser("check", help="route TEXT: decision, reasons, and the exact text that would be sent")
    s.add_argument("text")
    s.add_argument("--term", action="append", default=[], help="an extra sensitive term (repeatable)")
    s.add_argument("--retrieved-private", action="store_true", help="as if the answer used local documents")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)
    s = sub.add_parser("eval", help="route every line of a labelled JSONL set and print the metrics")
    s.add_argument("file", type=Path)
    s.add_argument("--out", type=Path, help="write one decision per input line here, with everything it would send")
    s.add_argument("--by-rule", action="store_true", help="also print how often each rule decided, and its leaks")
    s.set_defaults(func=cmd_eval)

    p = subparsers.add_parser("cloud", help="opt-in cloud escalation: API key, connection test, status")
    sub = p.add_subparsers(dest="cloud_cmd", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])
    s = sub.add_parser("set-key", help="store a provider API key in the OS keyring (never in a file)")
    s.add_argument("provider", choices=PROVIDERS)
    s.add_argument("--stdin", action="store_true", help="read the key from standard input")
    s.add_argument("--delete", action="store_true", help="remove the stored key")
    s.set_defaults(func=cmd_set_key)
    s = sub.add_parser("test", help="send a harmless test question to the configured provider")
    s.set_defaults(func=cmd_test)
    s = sub.add_parser("status", help="mode, provider, key presence, audit log state")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    s = subparsers.add_parser("audit", help="show what was sent to the cloud, and verify the log's hash chain")
    s.add_argument("--limit", type=int, default=20, help="show the last N entries (0 = none)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_audit)

    s = subparsers.add_parser("usage", help="tokens and cost per day and provider, and the local saving")
    s.add_argument("--since", help="first day to show (YYYY-MM-DD)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_usage)


def _config():
    from engine.config import load_config

    loaded = load_config()
    if loaded.problem:
        print(f"hearth: {loaded.problem.user_text()}", file=sys.stderr)
    return loaded.config


def _router(config):
    from engine.privacy import PrivacyRouter

    return PrivacyRouter(config.privacy)


def _checking_router(config):
    """As in chat: pasted text that repeats an indexed document counts (the judge needs a loaded
    model, so ``check`` says when it would still have the last word)."""
    from engine.docs.service import DocumentService  # light: opens the manifest only
    from engine.paths import get_paths
    from engine.privacy.wiring import make_router

    return make_router(config.privacy, docs=DocumentService(get_paths(), config.documents))


def cmd_check(args) -> int:
    config = _config()
    decision = _checking_router(config).route(args.text, retrieved_private=args.retrieved_private, user_terms=args.term)
    if args.json:
        print(json.dumps({"decision": decision.route, "reasons": decision.reasons, "rules": decision.rules,
                          "frame": decision.frame, "outbound": decision.outbound,
                          "redactions": decision.redactions, "elapsed_ms": round(decision.elapsed_ms, 2)},
                         ensure_ascii=False))
        return 0
    label = {"local": "LOCAL — stays on this computer", "redacted": "REDACTED — may be sent with placeholders",
             "cloud": "CLOUD — may be sent as is"}[decision.route]
    print(f"Decision: {label}")
    print("Because:")
    for r in decision.reasons:
        print(f"  - {r}")
    print(f"Rules: {', '.join(decision.rules) or '-'}" + (f" (frame: {decision.frame})" if decision.frame else ""))
    if decision.outbound is not None:
        print("Would send exactly:")
        print(decision.outbound)
    if config.privacy.judge and decision.route != "local":
        print("(The local-model judge is on: in a chat it may still keep this message local.)")
    if config.cloud.mode == "off":
        print("(Cloud escalation is off: nothing is sent either way.)")
    return 0


def cmd_eval(args) -> int:
    from engine.privacy.evaluate import evaluate

    config = _config()
    metrics = evaluate(args.file, args.out, _router(config))
    per_cat = metrics.get("per_category", {})
    for cat, m in per_cat.items():
        figures = ", ".join(f"{k}={v}" for k, v in m.items())
        print(f"{cat}: {figures}")
    if args.by_rule:
        print(f"{'rule':<40} {'decided':>8} {'leaks':>6} {'public kept local':>18} {'public changed':>15}")
        for rule, r in metrics.get("by_rule", {}).items():
            print(f"{rule:<40} {r['decided']:>8} {r['leaks']:>6} {r['public_blocked']:>18} {r['public_changed']:>15}")
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("per_category", "by_rule")}))
    return 0


def _core() -> Core:
    """The core over the settings file: its cloud and audit operations are the app's too."""
    from engine.core import Core

    core = Core.from_settings()
    if core.settings_problem is not None:
        print(f"hearth: {core.settings_problem.user_text()}", file=sys.stderr)
    return core


def cmd_set_key(args) -> int:
    cloud = _core().cloud
    if args.delete:
        removed = cloud.delete_key(args.provider)
        print(f"Removed the {args.provider} key." if removed else f"No {args.provider} key was stored.")
        return 0
    key = sys.stdin.readline().strip() if args.stdin or not sys.stdin.isatty() else \
        getpass.getpass(f"{args.provider} API key (input hidden): ").strip()
    cloud.set_key(args.provider, key)
    print(f"Stored the {args.provider} key in the system keyring.")
    return 0


def cmd_test(args) -> int:
    name, model, answer = _core().cloud.test()  # routed and audited like any answer
    print(f"{name} ({model}) answered: {answer.strip()[:200]}")
    return 0


def cmd_status(args) -> int:
    st = _core().cloud.status()
    has_key = st.key_stored
    status = {"mode": st.mode, "provider": st.provider, "model": st.model, "base_url": st.base_url,
              "key_stored": has_key, "audit_entries": st.audit_entries, "audit_ok": st.audit_ok,
              "audit_problem": st.audit_problem, "model_server": st.model_server, "model_zone": st.model_zone}
    if args.json:
        print(json.dumps(status))
        return 0
    print(f"Cloud escalation: {st.mode}" + (" (nothing leaves this computer)" if st.mode == "off" else ""))
    print(f"Provider: {st.provider}, model {st.model}" + (f", base URL {st.base_url}" if st.base_url else ""))
    print(f"API key: {'stored in the system keyring' if has_key is True else 'not stored' if has_key is False else has_key}")
    print(f"Chat model runs on: {st.model_zone_text}"
          + (" — it receives only what the privacy router lets out, like a cloud provider"
             if st.model_zone == "cloud" else ""))
    print(f"Audit log: {st.audit_entries} entries, " + ("chain intact" if st.audit_ok else f"BROKEN: {st.audit_problem}"))
    return 0


def cmd_audit(args) -> int:
    from dataclasses import asdict

    d = _core().audit.details(limit=max(args.limit, 0))  # what the app's audit viewer shows
    if args.json:
        print(json.dumps({"ok": d.ok, "entries": d.total, "problem": d.problem, "shown": [asdict(e) for e in d.entries]},
                         ensure_ascii=False))
    else:
        for e in d.entries:
            if e.corrupt is not None:
                print(f"? unreadable line: {e.corrupt[:80]}")
                continue
            print(f"#{e.seq} {e.time} {e.provider}/{e.model} route={e.route} zone={e.zone} "
                  f"redactions={','.join(e.redactions) or '-'}")
            print(f"   sent: {e.text}")
            for r in e.reasons:
                print(f"   why: {r}")
        print(f"{d.total} entries; hash chain " + ("intact." if d.ok else f"BROKEN: {d.problem}."))
    return 0 if d.ok else 1


def cmd_usage(args) -> int:
    core = _core()
    config = core.config
    rows = core.cloud.usage(since=args.since)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows]))
        return 0
    if not rows:
        print("No usage recorded yet.")
        return 0
    print(f"{'day':<11} {'provider':<10} {'model':<28} {'kind':<6} {'in':>8} {'out':>8} {'cost $':>9} {'saved $':>9}")
    for r in rows:
        print(f"{r.day:<11} {r.provider:<10} {r.model[:28]:<28} {r.kind:<6} {r.input_tokens:>8} {r.output_tokens:>8} "
              f"{r.cost:>9.4f} {r.saving:>9.4f}")
    print(f"Total cloud cost ${sum(r.cost for r in rows):.4f}; local answers saved ${sum(r.saving for r in rows):.4f} "
          f"(at {config.cloud.prices.input_per_mtok}/{config.cloud.prices.output_per_mtok} $ per million in/out tokens).")
    return 0
