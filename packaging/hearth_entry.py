"""Entry point of the frozen (PyInstaller) build.

One analysis, two executables: ``hearth`` (console) and ``hearth-desktop`` (windowed) are both
built from this script and dispatch on their own name, so the large shared payload (torch,
Qt, llama.cpp) is collected once.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def main() -> int:
    # The model and parsing processes use the *spawn* context: in a frozen app each child
    # re-runs this executable, and freeze_support() turns it into the child at once.
    multiprocessing.freeze_support()
    name = Path(sys.executable).stem.lower()
    if name.startswith("hearth-desktop"):
        from desktop.app import main as desktop_main

        return int(desktop_main() or 0)
    from engine.cli.main import main as cli_main

    return int(cli_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
