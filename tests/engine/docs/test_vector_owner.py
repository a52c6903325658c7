"""One owner of chromadb per process: threads that open the index at once all get the one store.

Before this, the app's warm-up and the first document question opened chromadb on two threads at
the same moment and the question failed ("KeyError: '…/index/chroma'", "'RustBindingsAPI' object
has no attribute 'bindings'") on 3 of 3 launches.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.config import DocumentSettings
from engine.docs.service import DocumentService
from engine.docs.vectors import _chroma_error
from engine.paths import Paths

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]

_MAKE = """
import sys
from pathlib import Path
from engine.docs.vectors import VectorStore
store = VectorStore(Path(sys.argv[1]))
store.upsert(1, ["a", "b"], [[0.1] * 8, [0.2] * 8], [{"path": "x"}, {"path": "y"}])
"""


def _existing_index(home: Path) -> Paths:
    """An index written by another process, so this process opens it cold (as the app does)."""
    paths = Paths(home, home / "data", home / "logs")
    subprocess.run([sys.executable, "-c", _MAKE, str(paths.index_dir / "chroma")], check=True, timeout=120,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    return paths


@pytest.mark.parametrize("attempt", range(3))
def test_threads_opening_the_index_at_once_all_succeed(tmp_path: Path, attempt: int) -> None:
    paths = _existing_index(tmp_path / f"home{attempt}")
    services = [DocumentService(paths, DocumentSettings()) for _ in range(4)]  # e.g. after a settings change
    start = threading.Barrier(len(services))
    results: list[object] = []

    def open_and_count(docs: DocumentService) -> None:
        start.wait()
        try:
            results.append(docs.vectors.count(1))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            results.append(exc)

    threads = [threading.Thread(target=open_and_count, args=(d,)) for d in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [2, 2, 2, 2]
    assert len({id(d.vectors) for d in services}) == 1  # one owner
    for d in services:
        d.close()


def test_an_open_failure_does_not_advise_reindexing() -> None:
    err = _chroma_error(KeyError("/home/me/.local/share/hearth/index/chroma"), opening=True)
    assert "could not be opened" in err.message
    assert "re-index" in err.hint and "no need" in err.hint and "remove the collection and add" not in err.hint


def test_warm_up_opens_the_store_and_creates_nothing(tmp_path: Path) -> None:
    paths = _existing_index(tmp_path / "home")
    with DocumentService(paths, DocumentSettings()) as docs:
        docs.vectors.warm_up()
        names = [getattr(c, "name", c) for c in docs.vectors.client.list_collections()]
    assert names == ["hearth-c1"]  # the warm-up used to leave an empty 'hearth-c0' behind
