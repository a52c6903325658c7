"""Folders hold things that must not be read: links to files elsewhere, huge files of no type we
index. And the parse worker must start where ``resource`` does not exist (Windows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import DocumentSettings
from engine.docs import indexer
from engine.docs.service import DocumentService
from engine.docs.walk import walk_roots
from engine.paths import Paths

REPO = Path(__file__).resolve().parents[3]
SECRET = "private key material that lives outside the shared folder"


def _service(home: Path) -> DocumentService:
    return DocumentService(Paths(home, home / "data", home / "logs"), DocumentSettings(chunk_tokens=64, chunk_overlap=16))


def _folder_with_links(tmp_path: Path) -> Path:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "id_rsa.txt").write_text(SECRET + "\n")
    (outside / "more").mkdir()
    (outside / "more" / "notes.txt").write_text(SECRET + " (in a linked folder)\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "readme.txt").write_text("The shared folder holds the garden plan: tomatoes by the south wall.\n")
    (shared / "sub").mkdir()
    os.symlink(shared / "readme.txt", shared / "sub" / "readme-link.txt")  # inside the root: fine
    os.symlink(outside / "id_rsa.txt", shared / "looks-harmless.txt")       # outside: refused
    os.symlink(outside / "more", shared / "linked-folder")                    # folders are not followed
    return shared


def test_walk_marks_links_that_leave_the_root(tmp_path: Path) -> None:
    shared = _folder_with_links(tmp_path)
    found = {Path(f.path).name: f.skip for f in walk_roots([str(shared)], [])}
    assert set(found) == {"readme.txt", "readme-link.txt", "looks-harmless.txt"}
    assert found["readme.txt"] == "" and found["readme-link.txt"] == ""
    assert "outside this collection's folder" in found["looks-harmless.txt"]


@pytest.mark.slow
def test_links_leading_outside_are_not_indexed_and_are_reported(tmp_path: Path, monkeypatch) -> None:
    shared = _folder_with_links(tmp_path)
    opened: list[str] = []
    real = indexer.sha256_file
    monkeypatch.setattr(indexer, "sha256_file", lambda p: opened.append(p) or real(p))
    with _service(tmp_path / "home") as docs:
        report = docs.add("shared", [shared])
        assert [Path(p).name for p, _ in report.skipped] == ["looks-harmless.txt"]
        assert all(SECRET not in h.text for h in docs.search("shared", "private key material", mode="bm25"))
        assert docs.search("shared", "tomatoes garden plan", mode="bm25")
    assert not any(Path(p).name == "looks-harmless.txt" for p in opened)  # never even read


@pytest.mark.slow
def test_unsupported_big_file_is_skipped_by_type_without_being_read(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "stuff"
    folder.mkdir()
    with open(folder / "disk.img", "wb") as fh:  # 2 GiB, sparse: costs nothing unless read
        fh.truncate(2 * 1024**3)
    (folder / "note.txt").write_text("A short note about the boiler service in March.\n")
    opened: list[str] = []
    real = indexer.sha256_file
    monkeypatch.setattr(indexer, "sha256_file", lambda p: opened.append(p) or real(p))
    with _service(tmp_path / "home") as docs:
        report = docs.add("stuff", [folder])
    assert [(Path(p).name, "unsupported file type" in r) for p, r in report.skipped] == [("disk.img", True)]
    assert [Path(p).name for p in opened] == ["note.txt"]


_WITHOUT_RESOURCE = (
    "import sys, runpy\n"
    "sys.modules['resource'] = None  # import resource -> ImportError, as on Windows\n"
    "sys.argv = ['parse_worker', '256']\n"
    "runpy.run_module('engine.docs.parse_worker', run_name='__main__')\n")


def test_parse_worker_runs_where_resource_does_not_exist(tmp_path: Path) -> None:
    doc = tmp_path / "plain.md"
    doc.write_text("# Title\n\nSome text worth indexing.\n")
    request = json.dumps({"path": str(doc), "max_text_bytes": 1 << 20}) + "\n"
    proc = subprocess.run([sys.executable, "-c", _WITHOUT_RESOURCE], input=request.encode(), capture_output=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr.decode()
    response = json.loads(proc.stdout.decode().splitlines()[0])
    assert response["status"] == "ok" and "Some text worth indexing." in json.dumps(response["doc"])
