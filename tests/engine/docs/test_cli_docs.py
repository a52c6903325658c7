"""`hearth docs ...` and `hearth search ...` as a person runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.docs.makers import make_pdf

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]


def hearth(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HEARTH_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          env=env, timeout=900, cwd=REPO)  # generous: CI machines may be busy


def test_docs_add_search_json_and_queries(tmp_path: Path, hearth_home: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "tea.md").write_text("# Tea\n\n## Brewing\n\nGreen tea is brewed at 80 degrees for two minutes.\n")
    make_pdf(corpus / "sub" / "boat.pdf", ["Cover page", "The boat engine needs new oil every fifty hours."])
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))

    add = hearth("docs", "add", str(corpus), "--name", "home", home=hearth_home)
    assert add.returncode == 0, add.stderr
    assert "home: 2 indexed" in add.stdout and "skipped: " in add.stdout and "unsupported file type '.png'" in add.stdout

    res = hearth("search", "how hot should the water be for green tea", "--collection", "home", "--json",
                 "--top-k", "2", home=hearth_home)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    top = data["results"][0]
    assert top["path"] == "tea.md" and top["heading"] == "Tea > Brewing" and "80 degrees" in top["text"]
    assert top["page"] is None and isinstance(top["score"], float) and len(data["results"]) == 2

    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"id": "q1", "question": "when to change the boat engine oil"}) + "\n\n"
                       + json.dumps({"id": "q2", "question": "green tea brewing time"}) + "\n")
    many = hearth("search", "--json", "--queries", str(queries), home=hearth_home)  # one collection: implied
    assert many.returncode == 0, many.stderr
    lines = [json.loads(line) for line in many.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2"]
    assert lines[0]["results"][0]["path"] == "sub/boat.pdf" and lines[0]["results"][0]["page"] == 2
    assert lines[1]["results"][0]["path"] == "tea.md"

    plain = hearth("search", "boat oil", "-c", "home", home=hearth_home)
    assert plain.returncode == 0 and "[1] sub/boat.pdf, page 2" in plain.stdout

    status = json.loads(hearth("docs", "status", "home", "--json", home=hearth_home).stdout)[0]
    assert (status["files_indexed"], status["files_skipped"], status["state"]) == (2, 1, "ready")
    assert isinstance(status["last_indexed"], float)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(status["last_indexed"]))
    assert f"  last indexed: {when}" in hearth("docs", "status", "home", home=hearth_home).stdout
    assert f"ready, last indexed {when}" in hearth("docs", "list", home=hearth_home).stdout

    again = hearth("docs", "reindex", "home", "-q", home=hearth_home)
    assert again.returncode == 0 and "0 indexed, 3 unchanged" in again.stdout

    missing = hearth("search", "x", "--collection", "nope", home=hearth_home)
    assert missing.returncode == 1 and "no document collection called 'nope'" in missing.stderr

    bad_lines = tmp_path / "bad.jsonl"
    bad_lines.write_text("not json\n")
    bad = hearth("search", "--queries", str(bad_lines), "-c", "home", home=hearth_home)
    assert bad.returncode == 1 and "line 1 is not a JSON object" in bad.stderr

    rm = hearth("docs", "rm", "home", home=hearth_home)
    assert rm.returncode == 0 and "Removed the collection 'home'" in rm.stdout
    assert "No collections yet" in hearth("docs", "list", home=hearth_home).stdout


def test_progress_line_reports_bytes_and_chunks_not_file_rate() -> None:
    import io

    from engine.cli.doc_cmds import _ProgressBar
    from engine.docs.indexer import Progress

    out = io.StringIO()
    bar = _ProgressBar(out)
    bar(Progress(0, 0, 0, 0.0, None, "", "scanning"))
    bar.last = 0.0  # print the next line even though it comes at once
    bar(Progress(3, 10, 120, 0.0, 42.0, "/docs/manual.pdf", "indexing", 3 * 2**20, 12 * 2**20, 15.5))
    lines = out.getvalue().splitlines()
    assert lines[0] == "scanning…"
    assert "3/10 files" in lines[1] and "3.0 MB of 12.0 MB" in lines[1] and "15.5 chunks/s" in lines[1]
    assert "ETA 42s" in lines[1] and "files/s" not in lines[1]
    assert lines[1].startswith("[######")  # a quarter of the bytes: the bar follows bytes, not files


def test_docs_share_and_unshare(tmp_path: Path, hearth_home: Path) -> None:
    """The command the API's and the MCP server's hints name: it edits [sharing] in the settings."""
    from engine.config import load_config
    from engine.paths import get_paths

    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "pump.md").write_text("# Pump\n\nThe garden pump needs a new washer each spring.\n")
    assert hearth("docs", "add", str(corpus), "--name", "garden", home=hearth_home).returncode == 0

    missing = hearth("docs", "share", "nosuch", home=hearth_home)
    assert missing.returncode != 0 and "There is no collection named 'nosuch'" in missing.stderr
    assert load_config(get_paths()).config.sharing.collections == []  # nothing written

    shared = hearth("docs", "share", "garden", home=hearth_home)
    assert shared.returncode == 0, shared.stderr
    assert "hearth:docs/garden" in shared.stdout and "cloud" in shared.stdout  # says who reads it
    assert load_config(get_paths()).config.sharing.collections == ["garden"]
    assert hearth("docs", "share", "garden", home=hearth_home).returncode == 0  # twice: listed once
    assert load_config(get_paths()).config.sharing.collections == ["garden"]

    assert hearth("docs", "unshare", "garden", home=hearth_home).returncode == 0
    assert load_config(get_paths()).config.sharing.collections == []


def test_status_names_the_embedder_and_rebuild_switches_it(tmp_path: Path, hearth_home: Path) -> None:
    """A collection built with float32 keeps it after the settings change (the status says so and
    how to switch); `reindex NAME --rebuild` switches it to the settings' embedder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tea.md").write_text("# Tea\n\nGreen tea is brewed at 80 degrees for two minutes.\n")
    config = hearth_home / "config.toml"
    config.write_text('[documents]\nembedding_model = "all-MiniLM-L6-v2"\n')
    assert hearth("docs", "add", str(corpus), "--name", "t", "-q", home=hearth_home).returncode == 0
    config.write_text('[documents]\nembedding_model = "test-not-installed-model"\n')

    status = hearth("docs", "status", "t", home=hearth_home)
    assert status.returncode == 0, status.stderr
    assert "[ready] embedding model all-MiniLM-L6-v2" in status.stdout
    assert "new collections use test-not-installed-model" in status.stdout
    assert "hearth docs reindex t --rebuild" in status.stdout
    res = hearth("search", "green tea temperature", "-c", "t", "--json", home=hearth_home)
    assert res.returncode == 0 and json.loads(res.stdout)["results"][0]["path"] == "tea.md"

    bad = hearth("docs", "reindex", "t", "--rebuild", home=hearth_home)  # that model cannot load here
    assert bad.returncode != 0 and "test-not-installed-model" in bad.stderr and "Traceback" not in bad.stderr
    assert json.loads(hearth("docs", "status", "t", "--json", home=hearth_home).stdout)[0]["chunks"] == 1

    config.write_text('[documents]\nembedding_model = "all-MiniLM-L6-v2-int8"\n')
    rebuilt = hearth("docs", "reindex", "t", "--rebuild", home=hearth_home)
    assert rebuilt.returncode == 0 and "rebuilt" in rebuilt.stdout, rebuilt.stderr
    after = json.loads(hearth("docs", "status", "t", "--json", home=hearth_home).stdout)[0]
    assert after["embed_model"] == after["new_model"] and after["chunks"] == 1
