"""Entry point of the frozen (PyInstaller) build.

One analysis, two commands: ``hearth`` (console) and ``hearth-desktop`` (windowed) are both
built from this script and dispatch on the name they were started by, so the large shared
payload (Qt, llama.cpp, ONNX Runtime) is collected once. On Linux ``hearth-desktop`` is a
symlink to ``hearth`` (one executable: each carries a 30 MB copy of the Python modules), so the
name comes from ``argv[0]``; elsewhere it is a second executable.

Helper processes: the engine starts some children as ``sys.executable -m engine.<module>``
(the document parser) and others with multiprocessing's *spawn* (the model process). In a
frozen app ``sys.executable`` is this binary, so it also answers ``-m engine.…`` the way
``python -m`` would, and calls ``multiprocessing.freeze_support()`` before anything else.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

# Only our own packages may be run with -m: the bundle is not a general Python interpreter.
_RUNNABLE = ("engine", "desktop")


def _run_module(argv: list[str]) -> bool:
    """Emulate ``python -m MODULE ARGS`` for the engine's helper processes."""
    if len(argv) < 3 or argv[1] != "-m" or argv[2].split(".")[0] not in _RUNNABLE:
        return False
    import runpy

    sys.argv = [argv[2], *argv[3:]]
    runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    return True


def main() -> int:
    multiprocessing.freeze_support()  # a spawned child becomes the child here and exits
    if _run_module(sys.argv):
        return 0
    names = (Path(sys.argv[0]).stem.lower() if sys.argv else "", Path(sys.executable).stem.lower())
    if any(name.startswith("hearth-desktop") for name in names):
        from desktop.app import main as desktop_main

        return int(desktop_main() or 0)
    from engine.cli.main import main as cli_main

    return int(cli_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
