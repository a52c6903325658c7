"""Scripted tour of the app that saves screenshots (``make screenshots``; run under Xvfb).

    python -m desktop.screenshots docs/screenshots

Uses a throw-away HEARTH_HOME seeded with a few conversations (written through the real
ChatStore), the real starter model, a tiny real document collection indexed by the real
engine, and the real privacy router for the cloud preview.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

CODE_ANSWER = """You can reverse a list in place, or make a reversed copy:

```python
numbers = [1, 2, 3, 4]
numbers.reverse()          # in place: [4, 3, 2, 1]
backwards = numbers[::-1]  # a new list
```

`reversed(numbers)` gives an iterator if you only need to loop once."""

CLOUD_ANSWER = """Here is a short, friendly note:

> Hi Jane, would you like to join us for lunch on Friday at 12:30? Let me know! — Sam"""

BIKE = ("Bicycle maintenance. The chain should be cleaned and lubricated every 300 kilometres, "
        "or after any ride in the rain. Use a dry lubricant in summer and a wet lubricant in winter.")


def _wait(pred, timeout: float = 300) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("screenshot step timed out")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def _settle(ms: int = 300) -> None:
    _wait_until = time.monotonic() + ms / 1000
    _wait(lambda: time.monotonic() >= _wait_until, 10)


def _save(widget, out: Path, name: str) -> None:
    _settle()
    pix = widget.grab()
    path = out / f"{name}.png"
    pix.save(str(path), "PNG")
    print(f"saved {path} ({path.stat().st_size // 1024} KB)")


def seed(home: Path, docs: Path) -> None:
    from engine.chats import ChatStore
    from engine.events import Citation

    store = ChatStore(home / "data" / "chats.sqlite3")
    day = 86400
    now = time.time()
    older = []
    for title, age in (("Birthday ideas for Mum", 40 * day), ("Trip budget", 12 * day),
                       ("Sourdough schedule", 1 * day + 3600)):
        c = store.create(title)
        store.add_message(c.id, "user", f"Help me with: {title.lower()}")
        store.add_message(c.id, "assistant", "Happy to help. Here are a few ideas…", tokens=42, tokens_per_s=48.0)
        older.append((c.id, now - age))
    pinned = store.create("Pack list for a kayak trip")
    store.add_message(pinned.id, "user", "What should I pack for a two-day kayak trip?")
    store.add_message(pinned.id, "assistant", "Dry bags, a pump, a spare paddle, water and sun protection.",
                      tokens=18, tokens_per_s=51.0)
    store.pin(pinned.id)
    bikes = store.create("Bike chain care")
    store.add_message(bikes.id, "user", "How often should I lubricate the bicycle chain?")
    store.add_message(bikes.id, "assistant",
                      "Your workshop notes say to **clean and lubricate the chain every 300 km**, and after any "
                      "ride in the rain — dry lubricant in summer, wet lubricant in winter. [1]",
                      citations=[Citation(str(docs / "bikes.md"), None, "Workshop > Bikes", BIKE, 0.82)],
                      tokens=41, tokens_per_s=47.5)
    main = store.create("Reverse a list in Python")
    store.add_message(main.id, "user", "How do I reverse a list in Python?")
    store.add_message(main.id, "assistant", CODE_ANSWER, tokens=74, tokens_per_s=52.3)
    store.add_message(main.id, "user", "Write a short note inviting jane.doe@gmail.com to lunch on Friday.")
    store.add_message(main.id, "assistant", CLOUD_ANSWER.replace("Jane", "Jane"), route="redacted", provider="openai",
                      outbound_text="Write a short note inviting [EMAIL_1] to lunch on Friday.", tokens=38)
    store.close()
    db = sqlite3.connect(home / "data" / "chats.sqlite3")
    with db:
        for cid, ts in older:
            db.execute("UPDATE conversations SET updated = ?, created = ? WHERE id = ?", (ts, ts, cid))
    db.close()


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    out = Path(argv[0] if argv else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="hearth-shots-"))
    os.environ["HEARTH_HOME"] = str(home)
    docs = home / "My notes"
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
    cfg.cloud.mode = "ask"
    cfg.privacy.use_ner = False
    (home / "data").mkdir(parents=True, exist_ok=True)
    save_config(cfg)
    seed(home, docs)

    from desktop import theme
    from desktop.app import build_window, create_app
    from desktop.cloud_dialogs import CloudPreviewDialog
    from desktop.settings_dialog import SettingsDialog

    app = create_app()
    window = build_window(load_config())
    _wait(lambda: window.services.state == "ready" and window.sidebar.model.rowCount() > 0)
    chats = {window.sidebar.model.chat(i).title: i for i in window.sidebar.model.chat_ids()}
    window.open_chat(chats["Reverse a list in Python"])
    _wait(lambda: len(window.chat.widgets) == 4)
    window.speed_label.setText("52.3 tok/s")
    window.context_label.setText("context 212 / 4096 (5%)")
    _save(window, out, "main-light")

    dw = window.open_documents()
    dw.resize(880, 520)
    _wait(lambda: dw.is_warm, 600)
    fin: list = []
    dw.indexing_finished.connect(fin.append)
    dw.new_collection("Workshop notes", [str(docs)])
    _wait(lambda: fin, 600)
    _wait(lambda: dw.selected_name() == "Workshop notes")
    _save(dw, out, "documents")
    dw.close()

    theme.apply(app, "dark")
    window.composer.set_privacy_mode("ask", "openai")
    _wait(lambda: window.composer.collection.findData("Workshop notes") >= 0)
    window.open_chat(chats["Bike chain care"])
    _wait(lambda: len(window.chat.widgets) == 2)
    # after opening: the chat's own "Answer from" choice is restored when it loads
    window.composer.collection.setCurrentIndex(window.composer.collection.findData("Workshop notes"))
    for w in window.chat.widgets:
        w.refresh()
    _save(window, out, "main-dark")
    theme.apply(app, "light")
    window.composer.set_privacy_mode("ask", "openai")

    mw = window.open_models()
    _wait(lambda: mw.catalog.rowCount() > 0 and mw.installed.rowCount() > 0)
    mw.catalog_view.setCurrentIndex(mw.catalog.index(max(0, mw.catalog.find("qwen2.5-3b-instruct-q4_k_m"))))
    mw.select_installed(window.config.model.default)
    _save(mw, out, "models")
    mw.close()

    dlg = SettingsDialog(window.config, window.services, window)
    dlg.tabs.setCurrentIndex(2)
    dlg.show()
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

    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
