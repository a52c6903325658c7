"""`hearth chat`, `hearth ask` and `hearth chats …`: conversations from the terminal.

Answers stream to stdout as they are generated. Ctrl-C during an answer cancels that answer
(the partial text is kept, marked cancelled) — a SIGINT handler asks the assistant to cancel
instead of unwinding through the model code. At the prompt, Ctrl-C clears the line (as in a
shell) and Ctrl-D, /quit or end of input leaves the session.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator


if TYPE_CHECKING:
    from engine.assistant import Assistant
    from engine.config import Config
    from engine.events import Routed


# -- wiring ---------------------------------------------------------------------------------------

def _config() -> "Config":
    from engine.config import load_config

    loaded = load_config()
    if loaded.problem is not None:
        print(f"hearth: warning: {loaded.problem.user_text()}", file=sys.stderr)
    return loaded.config


def _store():
    from engine.chats import ChatStore

    return ChatStore()


def _build_assistant(cfg: "Config", chats: Any, model_id: str | None, collection: str | None,
                     cloud_mode: str) -> "Assistant":
    """The services one session needs; cloud parts only when cloud mode is not off."""
    from engine.assistant import Assistant
    from engine.inference import make_host
    from engine.models.registry import resolve_model

    # a local model process, or the OpenAI-compatible server in model.remote_url if set
    host = make_host(resolve_model(model_id or cfg.model.default), cfg.model)
    docs = None
    if collection or cloud_mode != "off":
        from engine.docs.service import DocumentService  # light: opens the manifest only
        from engine.paths import get_paths

        docs = DocumentService(get_paths(), cfg.documents)
    from engine.cloud.zones import model_zone

    router = None
    # The router is needed when the cloud may be used, and always when the model itself runs on a
    # server off this machine that the person has not marked trusted.
    if cloud_mode != "off" or model_zone(cfg.model) == "cloud":
        from engine.privacy.wiring import make_router

        # Pasted text that repeats an indexed private document stays local too; the judge, if on.
        router = make_router(cfg.privacy, docs=docs, host=host)
    return Assistant(cfg, chats, host, docs=docs, router=router)


@contextlib.contextmanager
def _ctrl_c_cancels(assistant: "Assistant") -> Iterator[list[bool]]:
    """While an answer streams, Ctrl-C cancels it instead of raising KeyboardInterrupt.

    The cancel runs on a helper thread: the handler interrupts the main thread at an arbitrary
    point (possibly inside the model host), where taking the host's locks could deadlock."""
    pressed: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def handler(signum: int, frame: Any) -> None:
        if _confirming:  # at the y/N question nothing runs yet: Ctrl-C just answers "no"
            raise KeyboardInterrupt
        pressed.append(True)
        threading.Thread(target=assistant.cancel, daemon=True).start()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _load_model(assistant: "Assistant") -> Any:
    """Load (or restart) the model with Ctrl-C ignored, so the model process inherits that.

    A terminal's Ctrl-C goes to the whole foreground process group, model process included;
    a child started while SIGINT is ignored keeps ignoring it (the disposition survives exec),
    so Ctrl-C reaches only this process, which turns it into a cancel."""
    from engine.errors import ModelCrashed

    host = assistant.host
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if on_main else None
    try:
        try:
            return host.load()
        except ModelCrashed as exc:  # it died while idle: say so, then start a fresh one
            print(f"hearth: note: {exc.message} Restarting it.", file=sys.stderr)
            return host.load()
    finally:
        if on_main:
            signal.signal(signal.SIGINT, previous)


_confirming = False


def _confirm_on_terminal(routed: "Routed") -> bool:
    """`--cloud ask`: show exactly what would leave the machine, then ask y/N."""
    global _confirming
    err = sys.stderr
    _confirming = True  # from here on Ctrl-C means "no" (see _ctrl_c_cancels)
    try:
        print(f"\n── About to send to {routed.provider} ({routed.route}) ──", file=err)
        for reason in routed.reasons:
            print(f"  • {reason}", file=err)
        if routed.redactions:
            print(f"  Redacted: {', '.join(routed.redactions)}", file=err)
        print("── Exact text that would be sent ──", file=err)
        print(routed.outbound_text or "", file=err)
        print("──", file=err)
        err.write("Send this? [y/N] ")
        err.flush()
        answer = sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        answer = ""
        print(file=err)
    finally:
        _confirming = False
    return answer.strip().lower() in ("y", "yes")


def _render_turn(events: Iterator[Any], assistant: "Assistant", *, show_stats: bool) -> int:
    """Stream one turn's events to the terminal; returns an exit status (0 ok, 1 failed, 130 cancelled)."""
    from engine.events import Citations, Done, Failed, Routed, Token

    out, err = sys.stdout, sys.stderr
    citations = None
    routed: Routed | None = None
    status = 0
    with _ctrl_c_cancels(assistant):
        for ev in events:
            if isinstance(ev, Routed):
                if routed is not None and routed.route != "local" and ev.route == "local":
                    # the cloud could not be reached and this computer answers instead: say so
                    print(f"(note: {' '.join(ev.reasons)})", file=err)
                routed = ev
                if ev.truncated_turns:
                    print(f"(note: {ev.truncated_turns} older turn(s) did not fit the context window "
                          "and were not sent to the model)", file=err)
            elif isinstance(ev, Citations):
                citations = ev
            elif isinstance(ev, Token):
                out.write(ev.text)
                out.flush()
            elif isinstance(ev, Done):
                out.write("\n")
                if ev.cancelled:
                    print("[answer cancelled; the partial answer was kept]", file=err)
                    status = 130
                if citations is not None and citations.items:
                    out.write("\nSources:\n")
                    for i, c in enumerate(citations.items, 1):
                        where = c.path + (f", page {c.page}" if c.page else "") + (f" — {c.heading}" if c.heading else "")
                        out.write(f"  [{i}] {where}\n")
                out.flush()
                # Said once the answer is here: before it, the provider had not answered yet (and may not).
                if routed is not None and routed.route != "local" and (ev.text or not ev.cancelled):
                    print(f"(answered by {routed.provider}, route: {routed.route})", file=err)
                elif routed is not None and routed.provider and (ev.text or not ev.cancelled):
                    print(f"(answered by {routed.provider}; kept off the cloud)", file=err)
                if show_stats:
                    print(f"({ev.tokens} tokens, {ev.tokens_per_s:.1f} tokens/s, {ev.backend})", file=err)
            elif isinstance(ev, Failed):
                out.write("\n")
                out.flush()
                print(f"hearth: {ev.message}" + (f"\n{ev.hint}" if ev.hint else ""), file=err)
                status = 1
    return status


REPL_HELP = """Commands:
  /new      start a new conversation
  /regen    answer the last question again
  /local    answer the last question again, on this computer only
  /quit     leave (Ctrl-D works too)
Ctrl-C while an answer streams stops that answer; the partial answer is kept.
Ctrl-C at the prompt clears what you typed; Ctrl-D leaves."""


def _print_jsonl(events: Iterator[Any], assistant: "Assistant") -> int:
    """`hearth ask --json`: one JSON object per event, for scripts."""
    from dataclasses import asdict

    from engine.events import Done, Failed

    status = 0
    with _ctrl_c_cancels(assistant):
        for ev in events:
            print(json.dumps({"event": type(ev).__name__, **asdict(ev)}, ensure_ascii=False), flush=True)
            if isinstance(ev, Failed):
                status = 1
            elif isinstance(ev, Done) and ev.cancelled:
                status = 130
    return status


# -- hearth ask / hearth chat -------------------------------------------------------------------------

def _cmd_ask(args: argparse.Namespace) -> int:
    cfg = _config()
    mode = args.cloud or cfg.cloud.mode
    with _store() as chats:
        chat = chats.get(args.chat) if args.chat else None
        assistant = _build_assistant(cfg, chats, args.model or (chat.model if chat else None), args.docs, mode)
        try:
            _load_model(assistant)  # before creating a chat: a model that cannot load leaves none behind
            if chat is None:
                chat = chats.create(model=args.model or cfg.model.default)
            events = assistant.turn(chat.id, args.question, collection=args.docs, cloud_mode=mode,
                                    confirm=_confirm_on_terminal if mode == "ask" else None)
            if args.json:
                status = _print_jsonl(events, assistant)
            else:
                status = _render_turn(events, assistant, show_stats=args.stats)
        finally:
            with contextlib.suppress(Exception):
                assistant.host.unload()
    if not args.quiet:
        print(f"(conversation {chat.id})", file=sys.stderr)
    return status


def _cmd_chat(args: argparse.Namespace) -> int:
    cfg = _config()
    mode = args.cloud or cfg.cloud.mode
    with _store() as chats:
        chat = chats.get(args.chat) if args.chat else None
        model_id = args.model or (chat.model if chat else None) or cfg.model.default
        assistant = _build_assistant(cfg, chats, model_id, args.docs, mode)
        print(f"Hearth chat with {model_id}. /help lists commands; Ctrl-C stops an answer, Ctrl-D quits.",
              file=sys.stderr)
        try:
            print("Loading the model…", file=sys.stderr)
            info = _load_model(assistant)
            print(f"Ready ({getattr(info, 'backend', 'CPU')}, context {getattr(info, 'n_ctx', '?')} tokens).",
                  file=sys.stderr)
            if chat is not None:
                for m in chats.messages(chat.id):
                    print(f"{'you' if m.role == 'user' else 'hearth'}> {m.content}")
            while True:
                try:
                    line = input("you> ")
                except EOFError:  # Ctrl-D (or the end of piped input): leave
                    print(file=sys.stderr)
                    break
                except KeyboardInterrupt:  # Ctrl-C at the prompt: drop the line, keep the session
                    print(file=sys.stderr)
                    continue
                text = line.strip()
                if not text:
                    continue
                if text in ("/quit", "/exit", "/q"):
                    break
                if text == "/new":
                    chat = None
                    print("(new conversation)", file=sys.stderr)
                    continue
                if text == "/help":
                    print(REPL_HELP, file=sys.stderr)
                    continue
                options = dict(collection=args.docs, cloud_mode=mode,
                               confirm=_confirm_on_terminal if mode == "ask" else None)
                if text in ("/regen", "/local"):
                    if chat is None:
                        print("(nothing to answer again yet)", file=sys.stderr)
                        continue
                    _load_model(assistant)
                    sys.stdout.write("hearth> ")
                    sys.stdout.flush()
                    events = assistant.regenerate(chat.id, answer_locally=text == "/local", **options)
                    _render_turn(events, assistant, show_stats=True)
                    continue
                if chat is None:
                    chat = chats.create(model=model_id)
                _load_model(assistant)  # no-op while the model process is alive
                sys.stdout.write("hearth> ")
                sys.stdout.flush()
                events = assistant.turn(chat.id, text, **options)
                _render_turn(events, assistant, show_stats=True)
        finally:
            with contextlib.suppress(Exception):
                assistant.host.unload()
    return 0


# -- hearth chats … ------------------------------------------------------------------------------------

def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _cmd_list(args: argparse.Namespace) -> int:
    with _store() as chats:
        items = chats.list(limit=args.limit)
    if args.json:
        print(json.dumps([{"id": c.id, "title": c.title, "updated": c.updated, "pinned": c.pinned,
                           "tainted": c.tainted, "model": c.model, "messages": c.message_count}
                          for c in items], ensure_ascii=False))
        return 0
    if not items:
        print("No conversations yet. Start one with: hearth chat")
        return 0
    for c in items:
        flags = ("[pinned] " if c.pinned else "") + ("[local-only] " if c.tainted else "")
        print(f"{c.id:>5}  {_when(c.updated)}  {c.message_count:>3} msgs  {flags}{c.title}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    with _store() as chats:
        sys.stdout.write(chats.export_markdown(args.id))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    with _store() as chats:
        if args.format == "json":
            text = chats.export_json(args.id, args.out)
        else:
            text = chats.export_markdown(args.id, args.out)
    if args.out is None:
        sys.stdout.write(text)
    else:
        print(f"Exported conversation {args.id} to {args.out}", file=sys.stderr)
    return 0


def _cmd_rename(args: argparse.Namespace) -> int:
    with _store() as chats:
        chat = chats.rename(args.id, " ".join(args.title))
    print(f"Renamed conversation {chat.id} to “{chat.title}”.")
    return 0


def _cmd_rm(args: argparse.Namespace) -> int:
    with _store() as chats:
        for chat_id in args.ids:
            chats.delete(chat_id)
            print(f"Deleted conversation {chat_id}.")
    return 0


def _cmd_pin(args: argparse.Namespace) -> int:
    with _store() as chats:
        chat = chats.pin(args.id, not args.off)
    print(f"Conversation {chat.id} is {'pinned' if chat.pinned else 'no longer pinned'}.")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    with _store() as chats:
        hits = chats.search(" ".join(args.text), limit=args.limit)
    if args.json:
        print(json.dumps([{"chat_id": h.chat_id, "title": h.title, "message_id": h.message_id,
                           "snippet": h.snippet} for h in hits], ensure_ascii=False))
        return 0
    if not hits:
        print("No conversation matches.")
        return 1
    for h in hits:
        where = "title" if h.message_id is None else f"message {h.message_id}"
        print(f"{h.chat_id:>5}  {h.title}  ({where}): {h.snippet}")
    return 0


# -- registration ----------------------------------------------------------------------------------------

def _add_turn_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="installed model id or a path to a .gguf file (default: from settings)")
    p.add_argument("--docs", metavar="COLLECTION", help="answer from this document collection")
    p.add_argument("--cloud", choices=("off", "ask", "auto"), help="cloud escalation for this run "
                   "(default: from settings)")
    p.add_argument("--chat", type=int, metavar="ID", help="continue this conversation")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("chat", help="chat interactively (streaming; Ctrl-C stops an answer)")
    _add_turn_options(p)
    p.set_defaults(func=_cmd_chat)

    p = subparsers.add_parser("ask", help="ask one question and stream the answer to stdout")
    p.add_argument("question")
    _add_turn_options(p)
    p.add_argument("--stats", action="store_true", help="print tokens/s and backend after the answer")
    p.add_argument("--quiet", action="store_true", help="do not print the conversation id")
    p.add_argument("--json", action="store_true", help="print every event as one JSON line (for scripts)")
    p.set_defaults(func=_cmd_ask)

    chats = subparsers.add_parser("chats", help="list, show, export, rename, delete and search conversations")
    sub = chats.add_subparsers(dest="chats_command", metavar="ACTION", required=True)
    p = sub.add_parser("list", help="conversations, pinned first, newest first")
    p.add_argument("--limit", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("show", help="print a conversation as Markdown")
    p.add_argument("id", type=int)
    p.set_defaults(func=_cmd_show)
    p = sub.add_parser("export", help="export a conversation to Markdown or JSON")
    p.add_argument("id", type=int)
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("--out", type=Path, help="file to write (default: stdout)")
    p.set_defaults(func=_cmd_export)
    p = sub.add_parser("rename", help="give a conversation a new title")
    p.add_argument("id", type=int)
    p.add_argument("title", nargs="+")
    p.set_defaults(func=_cmd_rename)
    p = sub.add_parser("rm", help="delete conversations")
    p.add_argument("ids", type=int, nargs="+")
    p.set_defaults(func=_cmd_rm)
    p = sub.add_parser("pin", help="pin a conversation to the top (--off to unpin)")
    p.add_argument("id", type=int)
    p.add_argument("--off", action="store_true")
    p.set_defaults(func=_cmd_pin)
    p = sub.add_parser("search", help="search titles and message text")
    p.add_argument("text", nargs="+")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_search)
