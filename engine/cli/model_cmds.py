"""``hearth models list|search|info|pull|import|rm|fit|server-test|server-key`` — the model manager
on the command line.

Every command is a call to the core's model operations (``engine.core.models``), the same ones the
app's Models window makes, so both show the same list, fit and speed.

Only ``search`` and ``pull`` touch the network (the hub), and only because the person asked.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.core.models import ModelOps


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("models", help="list, download, import and size up local models")
    sub = p.add_subparsers(dest="models_cmd", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    s = sub.add_parser("list", help="installed models (with --catalog: the curated catalog)")
    s.add_argument("--catalog", "--all", action="store_true", help="show the catalog with a fit verdict")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("search", help="search the hub for GGUF models (unverified by the catalog)")
    s.add_argument("query", help="name filter, e.g. 'qwen2.5 gguf'")
    s.add_argument("--files", action="store_true", help="treat QUERY as a repo id and list its .gguf files")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("info", help="facts about a catalog entry, an installed model or a .gguf file")
    s.add_argument("model", help="catalog/installed id or path to a .gguf")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("pull", help="download a catalog model (or REPO FILE from the hub), verified")
    s.add_argument("model", help="catalog id, or a hub repo id followed by FILE")
    s.add_argument("file", nargs="?", help="file name in the repo (for models outside the catalog)")
    s.add_argument("--revision", help="commit to pin (hub files only; default: main, recorded)")
    s.add_argument("--restart", action="store_true", help="discard a partial download and start over")
    s.set_defaults(func=cmd_pull)

    s = sub.add_parser("import", help="add a local .gguf file (copied unless --link is given)")
    s.add_argument("path", type=Path)
    s.add_argument("--link", choices=("hardlink", "symlink"), help="link instead of copying")
    s.add_argument("--id", dest="model_id", help="id to register it under (default: from the file name)")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("rm", help="remove an installed model and free its disk space")
    s.add_argument("model")
    s.set_defaults(func=cmd_rm)

    s = sub.add_parser("fit", help="will it run here? GPU / partly offloaded / CPU / too large")
    s.add_argument("models", nargs="*", help="catalog ids or .gguf paths (default: whole catalog)")
    s.add_argument("--ctx", type=int, default=None, help="context length (default: from settings)")
    s.add_argument("--vram-gb", type=float, help="pretend the GPU has this much free VRAM")
    s.add_argument("--ram-gb", type=float, help="pretend this much RAM is available")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_fit)

    s = sub.add_parser("server-test", help="connect to the model server (model.remote_url) and list its models")
    s.add_argument("url", nargs="?", help="base URL, e.g. https://gpu-box:8080/v1 (default: from settings)")
    s.add_argument("--trusted", action="store_true", default=None, help="as if marked trusted (default: settings)")
    s.add_argument("--allow-http", action="store_true", default=None,
                   help="allow plain http:// to a server off this computer (default: settings)")
    s.add_argument("--model", help="the served model to ask for (default: settings, else the first listed)")
    s.add_argument("--key-stdin", action="store_true",
                   help="read the key from stdin instead of using the one stored for this server")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_server_test)

    s = sub.add_parser("server-key", help="store (from stdin) or --delete the model server's key in the keyring")
    s.add_argument("url", nargs="?", help="the server's base URL (default: model.remote_url from settings)")
    s.add_argument("--delete", action="store_true")
    s.set_defaults(func=cmd_server_key)


# -- helpers ---------------------------------------------------------------------------------
def _size(n: int) -> str:
    from engine.models.storage import human_bytes

    return human_bytes(n)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _ops() -> ModelOps:
    """The core's model operations over the settings file (no model is loaded)."""
    from engine.config import load_config
    from engine.core.models import ModelOps

    cfg = load_config().config
    return ModelOps(lambda: cfg)


# -- commands --------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    ops = _ops()
    if args.catalog:
        return _list_catalog(args, ops)
    installed = ops.installed()
    if args.json:  # the registry's full records (repo, revision, sha256…) with the list's verdicts
        records = {r.id: r for r in ops.records()}
        print(json.dumps([{**asdict(records[r.id]), "present": r.present, "check": r.check,
                           "is_default": r.is_default} for r in installed if r.id in records], indent=2))
        return 0
    rows = [[r.id, _size(r.size_bytes) if r.present else "MISSING", r.check, r.source] for r in installed]
    print(_table(rows, ["ID", "SIZE", "CHECK", "SOURCE"]))
    for p in ops.partial_downloads():
        print(f"partial download: {p.repo}/{p.file} "
              f"{_size(p.have_bytes)} of {_size(p.size_bytes)} — pull again to resume")
    return 0


def _list_catalog(args: argparse.Namespace, ops: ModelOps) -> int:
    listing = ops.listing()  # the Models window shows the same rows
    rows, out = [], []
    for r in listing.catalog:
        e, p = r.entry, r.plan
        tps = r.speed.tokens_per_s if r.speed is not None else None
        out.append({**e.model_dump(), "fit": p.verdict, "n_gpu_layers": p.n_gpu_layers, "installed": r.installed,
                    "tokens_per_s": tps})
        rows.append([e.id, f"{e.params_b:g}B", e.quant, _size(e.size_estimate), e.license,
                     "pinned" if e.expected_sha256 else "hub-sha", p.verdict,
                     f"~{tps:.0f} tok/s" if tps else "-", "yes" if r.installed else ""])
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(_table(rows, ["ID", "PARAMS", "QUANT", "SIZE", "LICENCE", "HASH", "FIT", "SPEED", "INSTALLED"]))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    ops = _ops()
    if args.files:
        files = ops.hub_files(args.query)
        if args.json:
            print(json.dumps([asdict(f) for f in files], indent=2))
            return 0
        print(_table([[f.name, _size(f.size or 0), (f.sha256 or "-")[:16]] for f in files],
                     ["FILE", "SIZE", "SHA256"]))
        print(f"[unverified] not in Hearth's catalog; pull with: hearth models pull {args.query} FILE")
        return 0
    found = ops.search_hub(args.query, limit=args.limit)
    if args.json:
        print(json.dumps([asdict(m) for m in found], indent=2))
        return 0
    if not found:
        print("No GGUF models found.")
        return 0
    print(_table([[m.id, str(m.downloads), str(len(m.gguf_files)), "unverified"] for m in found],
                 ["REPO", "DOWNLOADS", "GGUF FILES", "BADGE"]))
    print("List a repo's files with: hearth models search REPO --files")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    info = _ops().info(args.model)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    for section, values in info.items():
        print(f"[{section}]")
        for k, v in values.items():
            print(f"  {k}: {v}")
    return 0


class _ProgressPrinter:
    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, p: Any) -> None:
        now = time.monotonic()
        if p.phase == "download" and now - self.last < 0.5 and p.downloaded < p.total:
            return
        self.last = now
        if p.phase == "verify":
            msg = "verifying sha256…"
        elif p.phase == "done":
            msg = "done"
        else:
            eta = f"{p.eta_s:.0f}s" if p.eta_s is not None else "?"
            msg = (f"{p.fraction * 100:5.1f}%  {_size(p.downloaded)} of {_size(p.total)}  "
                   f"{_size(p.rate_bps)}/s  ETA {eta}")
            if p.resumed_from:
                msg += f"  (resumed at {_size(p.resumed_from)})"
        print(f"\r{msg:<72}", end="" if p.phase == "download" else "\n", file=sys.stderr, flush=True)


def cmd_pull(args: argparse.Namespace) -> int:
    ops = _ops()
    target: Any = ops.hub_file(args.model, args.file, args.revision) if args.file else ops.catalog_entry(args.model)
    cancel = threading.Event()
    try:
        result = ops.pull(target, progress=_ProgressPrinter(), cancel=cancel, restart=args.restart)
    except KeyboardInterrupt:
        cancel.set()
        print("\nhearth: download interrupted; the partial file is kept — pull again to resume.", file=sys.stderr)
        return 130
    m = result.model
    if result.already_installed:
        print(f"{m.id} is already installed and verified: {m.path}")
    else:
        print(f"installed {m.id} ({m.path}), sha256 {m.sha256} verified")
    if args.file and not getattr(target, "catalog_id", None):
        print("[unverified] not in Hearth's catalog: the hub's own checksum was used.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    model, s = _ops().import_gguf(args.path, mode=args.link or "copy", model_id=args.model_id)
    print(f"imported {model.id}: {s['architecture']}, {s['parameters'] / 1e9:.2f}B params, {s['quantization']}, "
          f"context {s['context_length']}, chat template {'yes' if s['chat_template'] else 'no'}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    freed = _ops().remove(args.model)
    print(f"removed {args.model}; freed {_size(freed)}")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    hw, n_ctx, plans = _ops().fit(args.models or None, n_ctx=args.ctx, vram_gb=args.vram_gb, ram_gb=args.ram_gb)
    rows, out = [], []
    for name, p in plans:
        out.append({"model": name, **asdict(p)})
        rows.append([name, p.verdict, f"{p.layers_on_gpu}/{p.n_layers}", str(p.n_gpu_layers), p.describe()])
    if args.json:
        print(json.dumps({"hardware": hw.describe(), "n_ctx": n_ctx, "plans": out}, indent=2))
        return 0
    print(f"this machine: {hw.describe()}; context {n_ctx}")
    print(_table(rows, ["MODEL", "FIT", "GPU LAYERS", "n_gpu_layers", "WHY"]))
    return 0


def _server_ops() -> Any:
    from engine.config import load_config
    from engine.core.model_server import ModelServerOps

    cfg = load_config().config
    return ModelServerOps(lambda: cfg), cfg


def cmd_server_test(args: argparse.Namespace) -> int:
    """The check Settings → Model's "Test connection" runs (``core.model_server.test``)."""
    ops, cfg = _server_ops()
    key = sys.stdin.readline().strip() if args.key_stdin else None
    result = ops.test(args.url, trusted=args.trusted, allow_http=args.allow_http,
                      key=key, model=args.model if args.model is not None else cfg.model.remote_model)
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(f"Model server: {result.url or '(none)'}")
        print(f"Zone: {result.zone_text}")
        if result.ok:
            print("Models: " + ", ".join(result.models))
        print(result.summary())
    return 0 if result.ok else 1


def cmd_server_key(args: argparse.Namespace) -> int:
    """Keys go to the OS keyring only; read from stdin so they stay out of shell history."""
    from engine.errors import HearthError

    ops, cfg = _server_ops()
    url = args.url or cfg.model.remote_url
    if not url:
        print("No model server is set: give its URL, or set model.remote_url first.", file=sys.stderr)
        return 2
    try:
        if args.delete:
            print("Key removed." if ops.delete_key(url) else "No key was stored for that server.")
            return 0
        if sys.stdin.isatty():
            print(f"Paste the key for {url} and press Enter:", file=sys.stderr)
        ops.set_key(url, sys.stdin.readline())
    except HearthError as exc:
        print(exc.user_text(), file=sys.stderr)
        return 1
    print(f"The key for {url} is stored in the system keyring.")
    return 0
