"""``hearth privacy check|eval``, ``hearth cloud set-key|test|status``, ``hearth audit``, ``hearth usage``.

Only ``cloud test`` opens a connection, and only when cloud escalation is switched on.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

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


def cmd_set_key(args) -> int:
    from engine.cloud.keys import KeyStore

    store = KeyStore()
    if args.delete:
        removed = store.delete(args.provider)
        print(f"Removed the {args.provider} key." if removed else f"No {args.provider} key was stored.")
        return 0
    key = sys.stdin.readline().strip() if args.stdin or not sys.stdin.isatty() else \
        getpass.getpass(f"{args.provider} API key (input hidden): ").strip()
    store.set(args.provider, key)
    print(f"Stored the {args.provider} key in the system keyring.")
    return 0


def cmd_test(args) -> int:
    from engine.cloud.audit import AuditLog
    from engine.cloud.escalate import stream_cloud_answer
    from engine.cloud.providers import make_provider
    from engine.cloud.usage import UsageStore
    from engine.errors import CloudError

    config = _config()
    if config.cloud.mode == "off":
        raise CloudError("Cloud escalation is off, so Hearth opens no connection.",
                         "Set cloud.mode to 'ask' or 'auto' in settings first.")
    decision = _router(config).route("Reply with the single word OK.")
    provider = make_provider(config.cloud)
    provider.max_tokens = 16
    answer = "".join(stream_cloud_answer(decision, provider, audit=AuditLog(), usage=UsageStore()))
    print(f"{provider.name} ({provider.model}) answered: {answer.strip()[:200]}")
    return 0


def cmd_status(args) -> int:
    from engine.cloud.audit import AuditLog
    from engine.errors import KeyringUnavailable

    config = _config()
    cloud = config.cloud
    try:
        from engine.cloud.keys import KeyStore

        has_key: bool | str = bool(KeyStore().get(cloud.provider))
    except KeyringUnavailable as exc:
        has_key = f"keyring unavailable: {exc.message}"
    check = AuditLog().verify()
    from engine.cloud.zones import describe, model_zone

    zone = model_zone(config.model)
    status = {"mode": cloud.mode, "provider": cloud.provider, "model": cloud.model, "base_url": cloud.base_url,
              "key_stored": has_key, "audit_entries": check.entries, "audit_ok": check.ok,
              "audit_problem": check.problem, "model_server": config.model.remote_url, "model_zone": zone}
    if args.json:
        print(json.dumps(status))
        return 0
    print(f"Cloud escalation: {cloud.mode}" + (" (nothing leaves this computer)" if cloud.mode == "off" else ""))
    print(f"Provider: {cloud.provider}, model {cloud.model}" + (f", base URL {cloud.base_url}" if cloud.base_url else ""))
    print(f"API key: {'stored in the system keyring' if has_key is True else 'not stored' if has_key is False else has_key}")
    print(f"Chat model runs on: {describe(zone, config.model.remote_url)}"
          + (" — it receives only what the privacy router lets out, like a cloud provider" if zone == "cloud" else ""))
    print(f"Audit log: {check.entries} entries, " + ("chain intact" if check.ok else f"BROKEN: {check.problem}"))
    return 0


def cmd_audit(args) -> int:
    from engine.cloud.audit import AuditLog

    log = AuditLog()
    entries = log.entries()
    check = log.verify()
    shown = entries[-args.limit:] if args.limit > 0 else []
    if args.json:
        print(json.dumps({"ok": check.ok, "entries": check.entries, "problem": check.problem, "shown": shown},
                         ensure_ascii=False))
    else:
        for e in shown:
            if "corrupt" in e:
                print(f"? unreadable line: {e['corrupt'][:80]}")
                continue
            print(f"#{e['seq']} {e['time']} {e['provider']}/{e['model']} route={e['route']} "
                  f"zone={e.get('zone', 'cloud')} redactions={','.join(e['redactions']) or '-'}")
            print(f"   sent: {e['text']}")
            for r in e.get("reasons", []):
                print(f"   why: {r}")
        print(f"{check.entries} entries; hash chain " + ("intact." if check.ok else f"BROKEN: {check.problem}."))
    return 0 if check.ok else 1


def cmd_usage(args) -> int:
    from engine.cloud.usage import UsageStore

    config = _config()
    rows = UsageStore().report(config.cloud.prices, since=args.since)
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
