"""The first document question right after launch, with a collection indexed in an earlier session.

Choosing the collection starts the warm-up (embedder + vector store on the docs thread) while the
question opens the same store on the model thread. Before chromadb had one owner per process,
that first answer failed with "The vector index failed (KeyError: '…/index/chroma')" on 3 of 3
launches, and the banner advised re-indexing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine.config import save_config
from tests.desktop.conftest import open_window, test_config, wait_until

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
BIKE = ("Bicycle maintenance. The chain should be cleaned and lubricated every 300 kilometres, "
        "or after any ride in the rain.")


@pytest.fixture
def indexed_home(tmp_path: Path, hearth_home: Path) -> Path:
    """A collection indexed by an earlier `hearth docs add` (another process), as a user has it."""
    corpus = tmp_path / "launch-corpus"
    corpus.mkdir()
    (corpus / "bikes.md").write_text(f"# Workshop\n\n## Bikes\n\n{BIKE}\n")
    (corpus / "kayak.txt").write_text("Rinse the kayak with fresh water after paddling in the sea.\n")
    save_config(test_config(documents={"chunk_tokens": 64, "chunk_overlap": 16}))
    subprocess.run([sys.executable, "-m", "engine", "docs", "add", "--name", "workshop", "--quiet", str(corpus)],
                   check=True, timeout=300, env={**os.environ, "HEARTH_HOME": str(hearth_home), "PYTHONPATH": str(REPO)})
    return hearth_home


def test_first_document_question_after_launch_is_answered(qapp, indexed_home: Path, qtbot) -> None:
    w = open_window(test_config(documents={"chunk_tokens": 64, "chunk_overlap": 16}))
    try:
        wait_until(lambda: w.composer.collection.findData("workshop") >= 0, 60, "the collection picker")
        w.new_chat()
        w.composer.collection.setCurrentIndex(w.composer.collection.findData("workshop"))  # starts the warm-up
        w.composer.input.setPlainText("How often should the bicycle chain be lubricated?")
        with qtbot.waitSignal(w.turn_finished, timeout=240_000):
            qtbot.keyClick(w.composer.input, Qt.Key.Key_Return)  # at once, while the warm-up runs
        assert [b.message.text() for b in w.banners.banners()] == []
        bot = w.chat.widgets[-1]
        assert bot.msg.status == "complete", bot.msg
        assert [Path(c.path).name for c in bot.msg.citations][:1] == ["bikes.md"]
    finally:
        w.close()
