"""Entry point of ``hearth-desktop``.

Start-up order matters: the window is shown first, then engine parts load on worker threads.
Only Qt, pydantic (settings) and the light engine spine are imported before the window appears;
torch, llama_cpp and chromadb load later, inside jobs.

``hearth-desktop --smoke`` shows the window, prints one JSON line (time to shown, and which heavy
modules were already imported at that moment) and exits: used by tests and the benchmark.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

_T0 = time.perf_counter()

HEAVY_MODULES = ("torch", "llama_cpp", "chromadb", "sentence_transformers", "spacy", "httpx",
                 "openai", "anthropic")


def heavy_loaded() -> list[str]:
    return [m for m in HEAVY_MODULES if m in sys.modules]


def create_app(argv: list[str] | None = None):  # -> QApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Hearth")
    app.setOrganizationName("Hearth")
    app.setApplicationDisplayName("Hearth")
    return app


def build_window(loaded=None, *, start: bool = True):
    """Create and show the main window (and the first-run welcome); engine loading starts after."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop import theme
    from desktop.main_window import MainWindow
    from engine.config import load_config

    loaded = loaded or load_config()
    theme.apply(QApplication.instance(), loaded.config.appearance.theme)
    window = MainWindow(loaded)
    window.show()
    if not loaded.config.appearance.welcomed:
        from desktop.welcome import WelcomeDialog
        WelcomeDialog.show_for(window)
    if start:
        QTimer.singleShot(0, window.start)
    return window


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hearth-desktop", description="Hearth desktop app")
    parser.add_argument("--smoke", action="store_true",
                        help="show the window, print start-up figures as JSON, and exit")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    from engine.core import Core

    Core.prepare_process()  # offline defaults and logging, as the CLI does
    app = create_app()
    window = build_window(start=not args.smoke)
    if args.smoke:
        from PySide6.QtCore import QTimer

        def report() -> None:
            print(json.dumps({"window_shown_s": round(time.perf_counter() - _T0, 3),
                              "visible": window.isVisible(), "heavy_loaded": heavy_loaded()}), flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, report)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
