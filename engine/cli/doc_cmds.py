"""``hearth docs add|list|rm|reindex|status`` and ``hearth search``.

``hearth search --json`` prints the results as JSON; with ``--queries FILE.jsonl`` it answers
every ``{"id", "question"}`` line in one process (one JSON line out per query), so evaluations
over hundreds of questions pay start-up and model loading once.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from typing import Any

from engine.errors import HearthError


def _service() -> Any:
    from engine.docs.service import DocumentService

    return DocumentService()


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


class _ProgressBar:
    """One self-rewriting line on a terminal; a line every few seconds otherwise."""

    def __init__(self, stream: Any = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0

    def __call__(self, p: Any) -> None:
        now = time.monotonic()
        if p.phase == "indexing" and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        if p.phase == "scanning":
            line = "scanning…"
        else:
            filled = int(24 * (p.bytes_done / p.bytes_total if p.bytes_total else p.files_done / max(1, p.files_total)))
            eta = f" ETA {p.eta_s:.0f}s" if p.eta_s is not None and p.phase == "indexing" else ""
            name = p.current_file.rsplit("/", 1)[-1][:40]
            speed = (f"{p.chunks_per_s:.1f} chunks/s" if p.chunks_per_s >= 1 else f"{p.chunks_per_s:.2f} chunks/s") \
                if p.chunks else "starting"
            line = (f"[{'#' * filled}{'.' * (24 - filled)}] {p.files_done}/{p.files_total} files, "
                    f"{_size(p.bytes_done)} of {_size(p.bytes_total)}, {p.chunks} chunks, {speed}{eta} {name}")
        if self.tty:
            self.stream.write("\r\x1b[K" + line + ("\n" if p.phase == "done" else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _with_cancel(fn: Any) -> Any:
    """Run an indexing call; the first Ctrl-C cancels cleanly after the current file."""
    cancel = threading.Event()

    def on_sigint(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\ncancelling after the current file… (Ctrl-C again to stop at once)", file=sys.stderr)

    old = signal.signal(signal.SIGINT, on_sigint) if threading.current_thread() is threading.main_thread() else None
    try:
        return fn(cancel)
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)


def _print_report(report: Any) -> int:
    print(f"{report.collection}: {report.indexed} indexed, {report.unchanged} unchanged, {report.removed} removed, "
          f"{len(report.skipped)} skipped, {len(report.failed)} failed; {report.chunks_added} chunks added "
          f"in {report.seconds:.1f} s" + (f" ({report.chunks_reused} unchanged passages kept their vectors)"
                                          if report.chunks_reused else "")
          + (" (rebuilt: new embedding model or chunking)" if report.rebuilt else ""))
    for path, reason in report.skipped:
        print(f"  skipped: {path}: {reason}")
    for path, reason in report.failed:
        print(f"  failed:  {path}: {reason}")
    if report.cancelled:
        print("Cancelled. Run `hearth docs reindex " + report.collection + "` to continue where it stopped.")
        return 130
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    service = _service()
    bar = None if args.quiet else _ProgressBar()
    report = _with_cancel(lambda cancel: service.add(args.name, args.paths, progress=bar, cancel=cancel,
                                                     server=args.server))
    return _print_report(report)


def _chroma_servers() -> Any:
    from engine.core import Core

    return Core.from_settings().chroma_servers


def cmd_server_key(args: argparse.Namespace) -> int:
    """A Chroma server's token goes to the OS keyring only (``core.chroma_servers``); read from
    stdin so it stays out of shell history."""
    ops = _chroma_servers()
    try:
        if args.delete:
            print("Token removed." if ops.delete_token(args.url) else "No token was stored for that server.")
            return 0
        if sys.stdin.isatty():
            print(f"Paste the token for {args.url} and press Enter:", file=sys.stderr)
        ops.set_token(args.url, sys.stdin.readline())
    except HearthError as exc:
        print(exc.user_text(), file=sys.stderr)
        return 1
    print(f"The token for {args.url} is stored in the system keyring.")
    return 0


def cmd_server_test(args: argparse.Namespace) -> int:
    """The check the Documents window's "Test connection" runs (``core.chroma_servers.test``)."""
    from dataclasses import asdict

    token = sys.stdin.readline().strip() if args.token_stdin else None
    result = _chroma_servers().test(args.url, token=token, allow_http=args.allow_http)
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(f"Chroma server: {result.url}")
        print(f"Zone: {result.zone_text}")
        print(result.summary())
    return 0 if result.ok else 1


def cmd_reindex(args: argparse.Namespace) -> int:
    service = _service()
    names = [args.name] if args.name else [c.name for c in service.collections()]
    if not names:
        print("No collections yet. Add one with `hearth docs add PATH --name NAME`.")
        return 0
    if args.rebuild and not args.name:
        raise HearthError("--rebuild needs a collection name.", "hearth docs reindex NAME --rebuild")
    code = 0
    for name in names:
        report = _with_cancel(lambda cancel: service.reindex(name, progress=None if args.quiet else _ProgressBar(),
                                                             cancel=cancel, rebuild=args.rebuild))
        code = _print_report(report) or code
        if report.cancelled:
            break
    return code


def cmd_rm(args: argparse.Namespace) -> int:
    service = _service()
    report = service.remove(args.name, args.paths)
    if report is None:
        print(f"Removed the collection '{args.name}' (your files are untouched).")
        return 0
    return _print_report(report)


def _when(ts: float | None) -> str:
    """Local time of the last completed indexing job."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts is not None else "never"


def cmd_list(args: argparse.Namespace) -> int:
    items = _service().collections()
    if args.json:
        print(json.dumps([c.to_json() for c in items], ensure_ascii=False))
        return 0
    if not items:
        print("No collections yet. Add one with `hearth docs add PATH --name NAME`.")
    for c in items:
        print(f"{c.name}: {c.files_indexed} files, {c.chunks} chunks, {c.state}, last indexed {_when(c.last_indexed)}"
              f"  ({', '.join(c.roots)})" + (f"  shared on {c.server}" if c.server else ""))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    service = _service()
    items = [service.status(args.name)] if args.name else service.collections()
    if args.json:
        print(json.dumps([c.to_json() for c in items], ensure_ascii=False))
        return 0
    for c in items:
        print(f"{c.name} [{c.state}] embedding model {c.embed_model or '-'}")
        if c.new_model and c.embed_model and c.new_model != c.embed_model:
            print(f"  (new collections use {c.new_model}; this one keeps its own"
                  + ("" if c.server else f" until `hearth docs reindex {c.name} --rebuild`") + ")")
        print(f"  roots: {', '.join(c.roots) or '-'}")
        if c.server:  # the counts below are what this computer indexed; others may have added more
            print(f"  shared on the Chroma server {c.server}")
        print(f"  {c.files_indexed} files indexed, {c.chunks} chunks, {c.files_skipped} skipped, {c.files_failed} failed")
        print(f"  last indexed: {_when(c.last_indexed)}")
        for path, status, reason in c.problems:
            print(f"  {status}: {path}: {reason}")
        if c.state in ("interrupted", "cancelled"):
            print(f"  run `hearth docs reindex {c.name}` to finish indexing")
    return 0


def _pick_collection(service: Any, name: str | None) -> str:
    if name:
        return name
    names = [c.name for c in service.manifest.collections()]
    if len(names) == 1:
        return names[0]
    raise HearthError("Which collection? " + ("You have none yet." if not names else "You have: " + ", ".join(names) + "."),
                      "Pass --collection NAME (create one with `hearth docs add PATH --name NAME`).")


def cmd_search(args: argparse.Namespace) -> int:
    service = _service()
    collection = _pick_collection(service, args.collection)
    if args.queries:
        with open(args.queries, encoding="utf-8") as fh:
            lines = [line for line in fh if line.strip()]
        for n, line in enumerate(lines, start=1):
            try:
                item = json.loads(line)
                qid, question = item["id"], item["question"]
            except (ValueError, KeyError, TypeError):
                raise HearthError(f"{args.queries} line {n} is not a JSON object with \"id\" and \"question\".")
            hits = service.search(collection, question, top_k=args.top_k, mode=args.mode)
            print(json.dumps({"id": qid, "results": [h.to_json() for h in hits]}, ensure_ascii=False), flush=True)
        return 0
    if not args.query:
        raise HearthError("Nothing to search for.", 'Give a query: hearth search "how do I ..." (or --queries FILE.jsonl).')
    hits = service.search(collection, args.query, top_k=args.top_k, mode=args.mode)
    if args.json:
        print(json.dumps({"query": args.query, "collection": collection, "results": [h.to_json() for h in hits]},
                         ensure_ascii=False))
        return 0
    if not hits:
        print("No matching passages.")
    for i, h in enumerate(hits, start=1):
        where = h.rel_path + (f", page {h.page}" if h.page else "") + (f" — {h.heading}" if h.heading else "")
        snippet = " ".join(h.text.split())
        print(f"[{i}] {where}  (score {h.score:.4f})\n    {snippet[:300]}{'…' if len(snippet) > 300 else ''}")
    return 0


def cmd_share(args: argparse.Namespace) -> int:
    """Share a collection with other programs on this computer (API and MCP clients), or stop."""
    from engine.config import load_config, save_config

    loaded = load_config()
    if loaded.problem is not None:  # never write over a settings file we could not read
        raise loaded.problem
    shared = list(loaded.config.sharing.collections)
    if args.share:
        if args.name not in {c.name for c in _service().collections()}:
            raise HearthError(f"There is no collection named {args.name!r}.", "See them with: hearth docs list")
        if args.name not in shared:
            shared.append(args.name)
    elif args.name in shared:
        shared.remove(args.name)
    config = loaded.config.model_copy(
        update={"sharing": loaded.config.sharing.model_copy(update={"collections": shared})})
    save_config(config)
    if args.share:
        print(f"{args.name} is shared: API clients (model hearth:docs/{args.name}) and MCP clients can search it. "
              "An MCP client's own model, possibly a cloud one, reads what it gets.")
    else:
        print(f"{args.name} is no longer shared with other programs.")
    return 0


def register(subparsers: Any) -> None:
    docs = subparsers.add_parser("docs", help="manage document collections (index your files)")
    dsub = docs.add_subparsers(dest="docs_command", metavar="ACTION")
    docs.set_defaults(func=lambda a: (docs.print_help(), 2)[1])

    p = dsub.add_parser("add", help="create or extend a collection and index it")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--name", required=True, help="collection name")
    p.add_argument("--server", metavar="URL",
                   help="keep the collection on this Chroma server, shared with everyone who adds the same name "
                        "there (no PATH: only search what others indexed); default for new collections: "
                        "documents.chroma_url")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_add)

    p = dsub.add_parser("server-key", help="store (from stdin) or --delete a Chroma server's token in the keyring")
    p.add_argument("url")
    p.add_argument("--delete", action="store_true")
    p.set_defaults(func=cmd_server_key)
    p = dsub.add_parser("server-test", help="connect to a Chroma server: reachable, token, shared collections")
    p.add_argument("url", help="the server's address, e.g. https://team.example.lan:8444")
    p.add_argument("--token-stdin", action="store_true",
                   help="read the token from stdin instead of using the one stored for this server")
    p.add_argument("--allow-http", action="store_true", default=None,
                   help="allow plain http:// to a server off this computer (default: settings)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_server_test)

    p = dsub.add_parser("list", help="list collections")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = dsub.add_parser("rm", help="remove a collection, or some of its folders/files, from the index")
    p.add_argument("name")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.set_defaults(func=cmd_rm)

    p = dsub.add_parser("reindex", help="re-index changed files (all collections if none named)")
    p.add_argument("name", nargs="?")
    p.add_argument("--rebuild", action="store_true",
                   help="start the collection over with the embedding model in the settings (a collection "
                        "otherwise keeps the model it was built with)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_reindex)

    p = dsub.add_parser("status", help="files, chunks and problems of a collection")
    p.add_argument("name", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = dsub.add_parser("share", help="let API and MCP clients on this computer search a collection")
    p.add_argument("name")
    p.set_defaults(func=cmd_share, share=True)

    p = dsub.add_parser("unshare", help="stop sharing a collection with API and MCP clients")
    p.add_argument("name")
    p.set_defaults(func=cmd_share, share=False)

    s = subparsers.add_parser("search", help="search a document collection (ranked passages with citations)")
    s.add_argument("query", nargs="?")
    s.add_argument("--collection", "-c")
    s.add_argument("--top-k", "-k", type=int, default=None)
    s.add_argument("--mode", choices=("bm25", "vector", "hybrid", "rerank"), default=None)
    s.add_argument("--json", action="store_true", help="print results as JSON")
    s.add_argument("--queries", metavar="FILE.jsonl", help='answer every {"id","question"} line (JSON lines out)')
    s.set_defaults(func=cmd_search)
