"""``hearth serve`` (the OpenAI-compatible local API) and ``hearth mcp`` (the MCP server).

Both bind 127.0.0.1 unless ``--allow-network`` is given, and both need the API token (stdio MCP
excepted: only the program that started it can talk to it). The token is made on first use,
kept in the OS keyring and shown once; ``hearth serve --rotate-token`` replaces it, and
``HEARTH_API_TOKEN`` sets it for scripts.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from engine.core import Core


def _token(core: Core) -> str:
    tok = core.api_token()
    if tok.created:
        print("A new API token was made and stored in your system keyring. It is shown only this once;\n"
              "copy it into the client's API key setting (rotate it with `hearth serve --rotate-token`):\n"
              f"\n    {tok.value}\n", file=sys.stderr)
    return tok.value


def _wait_for_ctrl_c(what: str) -> None:
    print(f"{what} Press Ctrl-C to stop.", file=sys.stderr, flush=True)
    threading.Event().wait()


def _core() -> Core:
    core = Core.from_settings()
    if core.settings_problem is not None:
        print(f"hearth: warning: {core.settings_problem.user_text()}", file=sys.stderr)
    return core


def cmd_serve(args: argparse.Namespace) -> int:
    from engine.serve.server import api_server

    if args.rotate_token:
        tok = Core.rotate_api_token()
        print(f"New API token (shown only this once; the old one no longer works):\n\n    {tok.value}\n")
        return 0
    with _core() as core:
        token = _token(core)
        server, _tokens = api_server(core, token, host=args.host, port=args.port, allow_network=args.allow_network)
        print("Loading the model…", file=sys.stderr)
        info = core.load_model()
        try:
            # Said before starting: the socket is already listening (a client that connects now
            # waits in its queue), and a Ctrl-C just after the first answer must not lose the line.
            shared = core.shared_collections()
            print(f"Hearth's OpenAI-compatible API: {server.url}/v1  (model '{core.model_id}' or 'hearth', "
                  f"{info.backend}; collections shared: {', '.join(shared) or 'none'}; "
                  f"cloud escalation: {core.config.cloud.mode})", file=sys.stderr, flush=True)
            server.start()
            _wait_for_ctrl_c("Serving.")
        except KeyboardInterrupt:  # Ctrl-C once serving started is the normal way to stop
            print("\nstopping…", file=sys.stderr)
        finally:
            server.stop()
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from engine.mcp_server.server import http_server, run_stdio

    with _core() as core:
        if not args.http:
            run_stdio(core)  # the model loads at the first `ask`
            return 0
        server = http_server(core, _token(core), host=args.host, port=args.port, allow_network=args.allow_network)
        try:
            server.start()
            _wait_for_ctrl_c(f"Hearth's MCP server (streamable HTTP): {server.url}/mcp  (send the API token as a "
                             "bearer token).")
        except KeyboardInterrupt:
            print("\nstopping…", file=sys.stderr)
        finally:
            server.stop()
    return 0


def _bind_options(p: argparse.ArgumentParser, port: int | None) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    p.add_argument("--port", type=int, default=port,
                   help="port to listen on" + (f" (default {port})" if port else " (default: from settings)"))
    p.add_argument("--allow-network", action="store_true",
                   help="allow an address other computers can reach (they need the API token too)")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("serve", help="serve an OpenAI-compatible API on this computer (see docs/api.md)")
    _bind_options(p, None)
    p.add_argument("--rotate-token", action="store_true", help="replace the API token, print the new one and exit")
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser("mcp", help="serve Hearth's documents and model to an MCP client (see docs/mcp.md)")
    p.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    _bind_options(p, 8766)
    p.set_defaults(func=cmd_mcp)
