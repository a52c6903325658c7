"""Entry point of the ``hearth`` command.

Every capability of the app is reachable from here. Sub-command groups live in their own
modules and expose ``register(subparsers)``; each sets ``func(args) -> int`` on its parser.
Errors from the engine are printed as the person-facing message (plus hint) with exit code 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from engine import __version__
from engine.errors import HearthError

# Modules that contribute sub-commands; a module that is absent is skipped (partial installs).
COMMAND_MODULES = (
    "engine.cli.chat_cmds",     # chat, ask, chats
    "engine.cli.model_cmds",    # models
    "engine.cli.doc_cmds",      # docs, search
    "engine.cli.privacy_cmds",  # privacy, cloud, audit, usage
    "engine.cli.doctor_cmds",   # doctor
    "engine.cli.serve_cmds",    # serve, mcp
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hearth", description="Hearth: a private assistant on your own machine.")
    parser.add_argument("--version", action="version", version=f"hearth {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from engine.core import Core

    Core.prepare_process()  # as the app does: offline defaults before any library loads
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except HearthError as exc:
        print(f"hearth: {exc.user_text()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nhearth: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
