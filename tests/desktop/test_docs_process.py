"""The document service in its own process: the same answers as in-process, progress and cancel
across the pipe, a killed child reported clearly and replaced, and the app's own process never
loading torch or chromadb (so their imports cannot freeze the window)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop.docs_process import DocumentsProcess
from engine.config import DocumentSettings
from engine.errors import IndexError_
from engine.paths import get_paths

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

NOTES = {
    "bikes.md": "# Workshop\n\n## Bikes\n\nThe chain should be cleaned and lubricated every 300 kilometres, "
                "or after any ride in the rain. Use a dry lubricant in summer and a wet one in winter.\n",
    "kayak.txt": "Rinse the kayak with fresh water after paddling in the sea, and dry the hatches.\n",
}


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    d.mkdir()
    for name, text in NOTES.items():
        (d / name).write_text(text, encoding="utf-8")
    for i in range(30):  # enough files that a kill lands mid-job
        (d / f"log-{i:02d}.txt").write_text(f"Ride {i}: checked the brakes and the tyre pressure on day {i}.\n" * 20)
    return d


@pytest.fixture
def docs(hearth_home: Path):
    d = DocumentsProcess(get_paths(), DocumentSettings())
    yield d
    d.close()


def test_add_search_and_progress_go_through_the_pipe(docs, notes):
    # a first run has nothing indexed: listing and the pasted-text check need no process
    assert docs.collections() == [] and not docs.matches_indexed_text(" ".join(["word"] * 20))
    assert not docs.running
    seen = []
    report = docs.add("Notes", [notes], progress=seen.append)
    assert report.indexed == len(list(notes.iterdir())) and not report.cancelled
    assert seen and seen[-1].files_done == seen[-1].files_total
    (status,) = docs.collections()
    assert status.name == "Notes" and status.files_indexed == report.indexed and status.state == "ready"
    hits = docs.search("Notes", "how often should the bicycle chain be oiled", 3)
    assert hits and Path(hits[0].path).name == "bikes.md" and "300 kilometres" in hits[0].text
    pasted = " ".join(NOTES["bikes.md"].split()[4:30])
    assert docs.matches_indexed_text(pasted) and not docs.matches_indexed_text("What is the capital of France today?")
    with pytest.raises(IndexError_, match="no document collection called 'Nope'"):
        docs.search("Nope", "anything")  # the engine's own error, message intact


def test_cancel_reaches_the_child_and_keeps_what_was_indexed(docs, notes):
    cancel = threading.Event()

    def progress(p):
        if p.files_done >= 3:
            cancel.set()

    report = docs.add("Notes", [notes], progress=progress, cancel=cancel)
    assert report.cancelled and 0 < report.indexed < len(list(notes.iterdir()))
    again = docs.reindex("Notes")
    assert not again.cancelled and again.unchanged == report.indexed  # nothing indexed twice


def test_a_killed_child_is_reported_and_replaced(docs, notes):
    docs.warm_up()
    pid = docs._proc.pid
    killed = threading.Event()

    def progress(p):
        if p.files_done >= 2 and not killed.is_set():
            killed.set()
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(IndexError_, match="stopped unexpectedly"):
        docs.add("Notes", [notes], progress=progress)
    report = docs.add("Notes", [notes])  # a fresh child resumes: files finished before the kill are kept
    assert docs._proc.pid != pid and not report.cancelled
    assert report.indexed + report.unchanged == len(list(notes.iterdir()))
    assert docs.collections()[0].files_indexed == len(list(notes.iterdir()))


def test_the_app_process_never_loads_the_documents_stack(hearth_home: Path, notes: Path):
    """A real app under the offscreen platform indexes and answers from documents; then it lists
    which heavy modules its own interpreter holds."""
    script = f"""
import json, sys, time
from PySide6.QtCore import QEventLoop, QTimer
from desktop.app import build_window, create_app, heavy_loaded
from engine.config import Config, load_config, save_config
cfg = Config(); cfg.appearance.welcomed = True; cfg.model.max_tokens = 8; cfg.model.n_threads = 1
cfg.model.temperature = 0.0; cfg.model.n_ctx = 1024
save_config(cfg)
app = create_app()
w = build_window(load_config())
def wait(pred, t=600):
    end = time.monotonic() + t
    while not pred():
        assert time.monotonic() < end, "timed out"
        loop = QEventLoop(); QTimer.singleShot(20, loop.quit); loop.exec()
wait(lambda: w.services.state == "ready")
dw = w.open_documents()
wait(lambda: dw.is_warm)
done = []
dw.indexing_finished.connect(done.append)
dw.add_paths([{str(notes)!r}], collection="Notes")
wait(lambda: done)
wait(lambda: w.composer.collection.findData("Notes") >= 0)
w.composer.collection.setCurrentIndex(w.composer.collection.findData("Notes"))
fin = []
w.turn_finished.connect(lambda: fin.append(1))
w.send("How often should the chain be lubricated?")
wait(lambda: fin)
cites = len(w.chat.widgets[-1].msg.citations)
child = w.services.documents().running
w.close()
print(json.dumps({{"heavy": heavy_loaded(), "cites": cites, "child": child, "report": done[0].indexed}}))
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["report"] == len(list(notes.iterdir())) and out["cites"] >= 1 and out["child"]
    for heavy in ("torch", "chromadb", "sentence_transformers"):
        assert heavy not in out["heavy"], out
