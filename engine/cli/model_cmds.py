"""``hearth models list|search|info|pull|import|rm|fit`` — the model manager on the command line.

Only ``search`` and ``pull`` touch the network (the hub), and only because the person asked.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from engine.errors import ModelNotFound


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


# -- helpers ---------------------------------------------------------------------------------
def _size(n: int) -> str:
    from engine.models.storage import human_bytes

    return human_bytes(n)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _n_ctx(args: argparse.Namespace) -> int:
    if args.ctx:
        return args.ctx
    from engine.config import load_config

    return load_config().config.model.n_ctx


# -- commands --------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from engine.models.catalog import load_catalog
    from engine.models.download import partial_downloads
    from engine.models.registry import records, starter_record

    if args.catalog:
        return _list_catalog(args, load_catalog())
    recs = [r for r in [starter_record(), *records()] if r is not None]
    if args.json:
        print(json.dumps([{**asdict(r), "present": r.present} for r in recs], indent=2))
        return 0
    rows = []
    for r in recs:
        size = Path(r.path).stat().st_size if r.present else 0
        state = "verified" if r.verified else ("starter" if r.source == "starter" else "unverified")
        rows.append([r.id, _size(size) if r.present else "MISSING", state, r.source])
    print(_table(rows, ["ID", "SIZE", "CHECK", "SOURCE"]))
    for part, meta in partial_downloads():
        print(f"partial download: {meta.get('repo')}/{meta.get('file')} "
              f"{_size(meta['have'])} of {_size(meta.get('size', 0))} — pull again to resume")
    return 0


def _list_catalog(args: argparse.Namespace, catalog: Any) -> int:
    from engine.config import load_config
    from engine.models.fit import plan_entry
    from engine.models.hardware import probe

    hw = probe()
    n_ctx = load_config().config.model.n_ctx
    rows, out = [], []
    for e in catalog:
        p = plan_entry(e, hw, n_ctx)
        out.append({**e.model_dump(), "fit": p.verdict, "n_gpu_layers": p.n_gpu_layers})
        rows.append([e.id, f"{e.params_b:g}B", e.quant, _size(e.size_estimate), e.license,
                     "pinned" if e.expected_sha256 else "hub-sha", p.verdict])
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(_table(rows, ["ID", "PARAMS", "QUANT", "SIZE", "LICENCE", "HASH", "FIT"]))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from engine.models import hub

    if args.files:
        files = hub.list_gguf_files(args.query)
        if args.json:
            print(json.dumps([asdict(f) for f in files], indent=2))
            return 0
        print(_table([[f.name, _size(f.size or 0), (f.sha256 or "-")[:16]] for f in files],
                     ["FILE", "SIZE", "SHA256"]))
        print(f"[unverified] not in Hearth's catalog; pull with: hearth models pull {args.query} FILE")
        return 0
    found = hub.search(args.query, limit=args.limit)
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
    from engine.models.catalog import load_catalog
    from engine.models.gguf_meta import read_gguf
    from engine.models.registry import record_for

    info: dict[str, Any] = {}
    entry = load_catalog().find(args.model)
    if entry is not None:
        info["catalog"] = entry.model_dump()
    record = record_for(args.model)
    path = Path(record.path) if record and record.present else None
    if record is not None:
        info["installed"] = asdict(record)
    if path is None and args.model.endswith(".gguf") and Path(args.model).expanduser().is_file():
        path = Path(args.model).expanduser()
    if path is not None:
        info["gguf"] = read_gguf(path).summary()
    if not info:
        raise ModelNotFound(f"'{args.model}' is neither in the catalog, installed, nor a .gguf file.",
                            "See `hearth models list` and `hearth models list --catalog`.")
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
    from engine.models.catalog import load_catalog
    from engine.models.download import Downloader, HubFileRef, discard_partial, partial_downloads

    if args.file:
        target: Any = HubFileRef.from_hub(args.model, args.file, args.revision)
    else:
        target = load_catalog().get(args.model)
    if args.restart:  # drop any partial download of this repo file, whatever hash it was for
        for _part, meta in partial_downloads():
            if meta.get("repo") == target.repo and meta.get("file") == target.file:
                discard_partial(meta["sha256"])
    cancel = threading.Event()
    try:
        result = Downloader().pull_detailed(target, progress=_ProgressPrinter(), cancel=cancel)
    except KeyboardInterrupt:
        cancel.set()
        print("\nhearth: download interrupted; the partial file is kept — pull again to resume.", file=sys.stderr)
        return 130
    m = result.model
    if result.already_installed:
        print(f"{m.id} is already installed and verified: {m.path}")
    else:
        print(f"installed {m.id} ({m.path}), sha256 {m.sha256} verified")
    if isinstance(target, HubFileRef) and not target.catalog_id:
        print("[unverified] not in Hearth's catalog: the hub's own checksum was used.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from engine.models.importer import import_gguf

    model, info = import_gguf(args.path, mode=args.link or "copy", model_id=args.model_id)
    s = info.summary()
    print(f"imported {model.id}: {s['architecture']}, {s['parameters'] / 1e9:.2f}B params, {s['quantization']}, "
          f"context {s['context_length']}, chat template {'yes' if s['chat_template'] else 'no'}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    from engine.models.registry import remove_model

    freed = remove_model(args.model)
    print(f"removed {args.model}; freed {_size(freed)}")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from engine.models.catalog import load_catalog
    from engine.models.fit import ModelShape, plan, plan_entry
    from engine.models.gguf_meta import read_gguf
    from engine.models.hardware import GPU, GiB, probe
    from engine.models.registry import record_for

    hw = probe()
    if args.ram_gb is not None:
        hw = replace(hw, ram_available=int(args.ram_gb * GiB))
    if args.vram_gb is not None:
        hw = replace(hw, gpus=(GPU("simulated GPU", int(args.vram_gb * GiB), int(args.vram_gb * GiB), "sim"),),
                     gpu_offload=True)
    n_ctx = _n_ctx(args)
    catalog = load_catalog()
    rows, out = [], []
    for name in args.models or [e.id for e in catalog]:
        entry = catalog.find(name)
        record = record_for(name)
        local = Path(record.path) if record and record.present else None
        if entry is not None:
            p = plan_entry(entry, hw, n_ctx, local)
        elif local is not None or name.endswith(".gguf"):
            path = local or Path(name).expanduser()
            p = plan(ModelShape.from_gguf(read_gguf(path)), hw, n_ctx)
        else:
            raise ModelNotFound(f"No model called '{name}' in the catalog or installed.",
                                "See `hearth models list --catalog`.")
        out.append({"model": name, **asdict(p)})
        rows.append([name, p.verdict, f"{p.layers_on_gpu}/{p.n_layers}", str(p.n_gpu_layers), p.describe()])
    if args.json:
        print(json.dumps({"hardware": hw.describe(), "n_ctx": n_ctx, "plans": out}, indent=2))
        return 0
    print(f"this machine: {hw.describe()}; context {n_ctx}")
    print(_table(rows, ["MODEL", "FIT", "GPU LAYERS", "n_gpu_layers", "WHY"]))
    return 0
