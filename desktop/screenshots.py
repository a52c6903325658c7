"""Scripted tour of the app that saves screenshots (``make screenshots``; run under Xvfb).

    python -m desktop.screenshots docs/screenshots

Uses a throw-away HEARTH_HOME. Every answer in a picture is a real answer, written during the
tour by the starter model (SmolLM2-135M-Instruct, on this machine) through the app itself: the
documents are indexed by the real engine, the privacy note comes from the real router, the
speed estimates from a real measurement. Only the titles of a few older conversations in the
sidebar are seeded (their text is never shown). ``captions.md`` next to the pictures says what
each one shows.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

BIKE = ("Bicycle maintenance. The chain should be cleaned and lubricated every 300 kilometres, "
        "or after any ride in the rain. Use a dry lubricant in summer and a wet lubricant in winter.")
MODEL_NAME = "SmolLM2-135M-Instruct (the starter model)"

CAPTIONS = {
    "main-light": f"A conversation answered by {MODEL_NAME} on this machine (real answers from the tour).",
    "main-dark": f"A cited answer from local documents, written by {MODEL_NAME} on this machine.",
    "privacy": (f"Ask mode: a message about health stayed on this computer (answered by {MODEL_NAME}); the "
                "answer and the message box say why, and what that means for the rest of the chat."),
    "cloud-preview": "Ask mode: the exact text that would leave the computer, with the e-mail address replaced.",
    "settings": "Settings → Privacy on a computer without a keyring: what to install, in plain words.",
    "models": "The model manager: fit and a measured speed estimate for each model on this computer.",
    "documents": "A document collection indexed by the real engine (one damaged PDF reported, not fatal).",
    "shortcuts": "Help → Keyboard shortcuts.",
}


def _wait(pred, timeout: float = 600) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("screenshot step timed out")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def _settle(ms: int = 400) -> None:
    until = time.monotonic() + ms / 1000
    _wait(lambda: time.monotonic() >= until, 10)


def _save(widget, out: Path, name: str) -> None:
    _settle()
    pix = widget.grab()
    path = out / f"{name}.png"
    pix.save(str(path), "PNG")
    print(f"saved {path} ({path.stat().st_size // 1024} KB)")


def seed_titles(home: Path) -> None:
    """Older conversations, so the sidebar looks lived-in (only their titles are ever shown)."""
    from engine.chats import ChatStore

    store = ChatStore(home / "data" / "chats.sqlite3")
    now, day = time.time(), 86400
    aged = []
    for title, age in (("Birthday ideas for Mum", 40 * day), ("Trip budget", 12 * day),
                       ("Sourdough schedule", 1 * day + 3600), ("Pack list for a kayak trip", 3 * day)):
        c = store.create(title)
        store.add_message(c.id, "user", title)
        aged.append((c.id, now - age))
    store.pin(aged[-1][0])
    store.close()
    db = sqlite3.connect(home / "data" / "chats.sqlite3")
    with db:
        for cid, ts in aged:
            db.execute("UPDATE conversations SET updated = ?, created = ? WHERE id = ?", (ts, ts, cid))
    db.close()


def ask(window, text: str) -> None:
    """Send ``text`` through the composer and wait for the real answer."""
    done: list[int] = []
    window.turn_finished.connect(lambda: done.append(1))
    window.composer.input.setPlainText(text)
    window.composer._submit()
    _wait(lambda: done)
    window.turn_finished.disconnect()
    _wait(lambda: not window._busy)


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    out = Path(argv[0] if argv else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="hearth-shots-"))
    os.environ["HEARTH_HOME"] = str(home)
    docs = home / "Workshop notes"
    docs.mkdir()
    (docs / "bikes.md").write_text(f"# Workshop\n\n## Bikes\n\n{BIKE}\n")
    (docs / "kayak.txt").write_text("Rinse the kayak with fresh water after paddling in the sea.\n")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n% truncated download\n1 0 obj <<")

    from engine.net import enforce_offline_defaults
    enforce_offline_defaults()
    from engine.config import Config, load_config, save_config

    cfg = Config()
    cfg.appearance.welcomed = True
    cfg.appearance.theme = "light"
    cfg.model.n_threads = 1
    cfg.model.temperature = 0.0
    cfg.model.seed = 7
    cfg.model.max_tokens = 120
    cfg.cloud.mode = "off"   # the default; ask mode is switched on for the privacy pictures
    # a self-hosted OpenAI-compatible endpoint (needs no key); nothing is sent during the tour
    cfg.cloud.base_url = "http://127.0.0.1:8080/v1"
    cfg.privacy.use_ner = False
    cfg.privacy.learned = False
    (home / "data").mkdir(parents=True, exist_ok=True)
    save_config(cfg)
    seed_titles(home)

    from desktop.app import build_window, create_app
    from desktop.cloud_dialogs import CloudPreviewDialog
    from desktop.settings_dialog import SettingsDialog

    _app = create_app()  # held: the QApplication must outlive the windows
    window = build_window(load_config())
    window.resize(1180, 760)
    _wait(lambda: window.services.state == "ready" and window.sidebar.model.rowCount() > 0)

    # 1. a plain conversation, answered by the starter model
    window.new_chat()
    ask(window, "How do I reverse a list in Python?")
    ask(window, "And how do I sort it?")
    _save(window, out, "main-light")

    # 2. documents: index a folder, then a cited answer from it
    dw = window.open_documents()
    dw.resize(880, 520)
    _wait(lambda: dw.is_warm)
    fin: list = []
    dw.indexing_finished.connect(fin.append)
    dw.new_collection("Workshop notes", [str(docs)])
    _wait(lambda: fin)
    _wait(lambda: dw.selected_name() == "Workshop notes")
    _save(dw, out, "documents")
    dw.close()

    dark = window.config.model_copy(deep=True)
    dark.appearance.theme = "dark"
    window.apply_config(dark)  # the theme and the privacy indicator's colour
    _wait(lambda: window.composer.collection.findData("Workshop notes") >= 0)
    window.new_chat()  # a new chat keeps the current "Answer from": pick the notes for it
    window.composer.collection.setCurrentIndex(window.composer.collection.findData("Workshop notes"))
    ask(window, "How often should I lubricate the bicycle chain?")
    for w in window.chat.widgets:
        w.refresh()
    _save(window, out, "main-dark")
    light = window.config.model_copy(deep=True)
    light.appearance.theme = "light"
    window.composer.collection.setCurrentIndex(0)
    window.apply_config(light)

    # 3. privacy made visible (ask mode): a message that stays here, and what it means for the chat
    ask_cfg = window.config.model_copy(deep=True)
    ask_cfg.cloud.mode = "ask"
    window.apply_config(ask_cfg)
    window.new_chat()
    ask(window, "I was diagnosed with diabetes last month. What should I eat for breakfast?")
    _save(window, out, "privacy")

    # 4. the models window, once this computer's speed has been measured
    mw = window.open_models()
    mw.resize(980, 640)
    _wait(lambda: mw.catalog.rowCount() > 0 and all(r.speed is not None for r in mw.catalog.rows()), 300)
    mw.catalog_view.setCurrentIndex(mw.catalog.index(max(0, mw.catalog.find("qwen2.5-3b-instruct-q4_k_m"))))
    mw.select_installed(window.config.model.default)
    _save(mw, out, "models")
    mw.close()

    dlg = SettingsDialog(window.config, window.services, window)
    dlg.resize(660, 720)
    dlg.tabs.setCurrentIndex(2)
    dlg.show()
    _wait(lambda: "keyring" in dlg.key_status.text().lower() or "stored" in dlg.key_status.text(), 30)
    _settle(600)
    _save(dlg, out, "settings")
    dlg.close()

    from engine.events import Routed
    from engine.privacy import PrivacyRouter
    question = "Write a short note inviting jane.doe@gmail.com to lunch on Friday at 12:30."
    decision = PrivacyRouter(cfg.privacy).route(question)
    routed = Routed(decision.route, list(decision.reasons), provider="openai", outbound_text=decision.outbound,
                    redactions=sorted({getattr(r, "type", None) or getattr(r, "kind", None) or str(r)
                                       for r in decision.redactions}))
    preview = CloudPreviewDialog(routed, window)
    preview.show()
    _save(preview, out, "cloud-preview")
    preview.close()

    sheet = window.show_shortcuts()
    _save(sheet, out, "shortcuts")
    sheet.close()

    (out / "captions.md").write_text("# What each screenshot shows\n\nMade by `make screenshots` "
                                     "(python -m desktop.screenshots) under Xvfb.\n\n" +
                                     "".join(f"* `{name}.png` — {text}\n" for name, text in CAPTIONS.items()))
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
