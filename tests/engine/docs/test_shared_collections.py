"""Collections on a real Chroma server (`chroma run` on a temp path and a free loopback port),
used by the real `hearth` CLI in separate processes, each with its own HEARTH_HOME: one client
indexes and another searches; two clients index one folder without duplicates; a client killed
mid-index is re-run and the server converges; the server's embedder is used (one this client
cannot load is a clear error); a dead server is a clear error, not a traceback."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from engine.docs.server_store import server_collection_name
from tests.support.chroma_proxy import ChromaProxy
from tests.support.chroma_server import CHROMA, chroma_server, free_port

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]
TOPICS = ["bicycle chains want a dry lubricant in summer", "sourdough starter is fed twice a day",
          "the kayak is rinsed with fresh water after the sea", "the choir spent its budget on sheet music",
          "green tea is brewed at eighty degrees", "the boat engine oil is changed every fifty hours"]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def _env(home: Path) -> dict[str, str]:
    # no keyring in tests: no token is sent (the server here does not ask for one)
    return dict(os.environ, HEARTH_HOME=str(home), PYTHONPATH=str(REPO),
                PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")


def hearth(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          env=_env(home), timeout=900, cwd=REPO)


def hearth_bg(*args: str, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "engine", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(home), cwd=REPO)


def server_collection(url: str, name: str):  # type: ignore[no-untyped-def]
    import chromadb
    from chromadb.config import Settings

    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False))
    return client.get_collection(server_collection_name(name))


def local_chunks(home: Path, name: str) -> int:
    res = hearth("docs", "status", name, "--json", home=home)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    return int((data[0] if isinstance(data, list) else data)["chunks"])


def make_corpus(root: Path, files: int, paragraphs: int = 2) -> Path:
    (root / "sub").mkdir(parents=True, exist_ok=True)
    for i in range(files):
        body = "\n\n".join(f"Paragraph {p} of note {i}: {TOPICS[(i + p) % len(TOPICS)]}, as noted on day {i * 7 + p}. "
                           + "Further remarks follow. " * 30 for p in range(paragraphs))
        (root / ("sub" if i % 2 else "") / f"note{i:04d}.md").write_text(f"# Note {i}\n\n{body}\n")
    return root


def test_one_client_indexes_another_searches(tmp_path: Path, chroma_url: str) -> None:
    corpus = make_corpus(tmp_path / "team", 6)
    add = hearth("docs", "add", str(corpus), "--name", "handbook", "--server", chroma_url, "-q", home=tmp_path / "a")
    assert add.returncode == 0, add.stderr
    n = local_chunks(tmp_path / "a", "handbook")
    assert n > 0 and server_collection(chroma_url, "handbook").count() == n
    listed = hearth("docs", "list", home=tmp_path / "a")
    assert f"shared on {chroma_url}" in listed.stdout

    reader = tmp_path / "b"  # another person: never saw the folder, joins by name and server
    join = hearth("docs", "add", "--name", "handbook", "--server", chroma_url, "-q", home=reader)
    assert join.returncode == 0, join.stderr
    for mode in ("hybrid", "bm25", "vector"):
        res = hearth("search", "how often is the sourdough starter fed", "-c", "handbook", "--json",
                     "--mode", mode, home=reader)
        assert res.returncode == 0, res.stderr
        top = json.loads(res.stdout)["results"][0]
        assert "sourdough" in top["text"] and top["path"].endswith(".md") and not top["path"].startswith("/")
    assert server_collection(chroma_url, "handbook").count() == n  # searching wrote nothing

    # Same folder as a local collection: the same ranking (same vectors, BM25 on the same texts).
    local = hearth("docs", "add", str(corpus), "--name", "mine", "-q", home=tmp_path / "a")
    assert local.returncode == 0, local.stderr
    for question in ("sourdough starter", "what oil does the boat engine need", "kayak rinsed after the sea"):
        ranked = []
        for name, home in (("handbook", reader), ("mine", tmp_path / "a")):
            res = hearth("search", question, "-c", name, "--json", "--mode", "hybrid", "-k", "5", home=home)
            assert res.returncode == 0, res.stderr
            ranked.append([(r["path"], r["start"]) for r in json.loads(res.stdout)["results"]])
        assert ranked[0] == ranked[1], question

    forget = hearth("docs", "rm", "handbook", home=reader)  # one person leaves: the team keeps it
    assert forget.returncode == 0, forget.stderr
    assert server_collection(chroma_url, "handbook").count() == n


def test_two_clients_indexing_one_folder_make_no_duplicates(tmp_path: Path, chroma_url: str) -> None:
    corpus = make_corpus(tmp_path / "shared", 40)
    procs = [hearth_bg("docs", "add", str(corpus), "--name", "dup", "--server", chroma_url, "-q",
                       home=tmp_path / who) for who in ("c", "d")]
    for p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err
    n_c, n_d = local_chunks(tmp_path / "c", "dup"), local_chunks(tmp_path / "d", "dup")
    assert n_c == n_d > 0
    coll = server_collection(chroma_url, "dup")
    assert coll.count() == n_c
    ids = coll.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) == n_c


def _manifest_files(home: Path) -> int:
    db = next(home.rglob("manifest.sqlite3"))
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM files WHERE status='indexed'").fetchone()[0])


def test_client_killed_mid_index_rerun_converges(tmp_path: Path, chroma_url: str) -> None:
    corpus = make_corpus(tmp_path / "big", 300, paragraphs=4)
    home = tmp_path / "e"
    proc = hearth_bg("docs", "add", str(corpus), "--name", "crash", "--server", chroma_url, "-q", home=home)
    deadline = time.monotonic() + 600
    while True:  # kill once some chunks are on the server, well before the end
        try:
            if server_collection(chroma_url, "crash").count() > 0:
                break
        except Exception:  # noqa: BLE001 - not created yet
            pass
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert _manifest_files(home) < 300, "the client finished before it was killed: make the corpus bigger"

    again = hearth("docs", "reindex", "crash", "-q", home=home)
    assert again.returncode == 0, again.stderr
    assert _manifest_files(home) == 300
    n = local_chunks(home, "crash")
    coll = server_collection(chroma_url, "crash")
    assert coll.count() == n
    ids = coll.get(include=[])["ids"]
    assert len(set(ids)) == len(ids) == n
    res = hearth("search", "what oil does the boat engine need", "-c", "crash", "--json", home=home)
    assert res.returncode == 0, res.stderr
    assert "boat engine" in json.loads(res.stdout)["results"][0]["text"]


def test_collection_of_an_embedder_this_client_lacks_is_a_clear_error(tmp_path: Path, chroma_url: str) -> None:
    """A shared collection is searched with the embedder its server records; one this client
    cannot load is a clear error that writes nothing and lists nothing."""
    import chromadb
    from chromadb.config import Settings

    port = int(chroma_url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False))
    other = client.create_collection(server_collection_name("theirs"), embedding_function=None,
                                     metadata={"hearth_embedder": "intfloat/e5-large-v2", "hearth_dim": 1024})
    other.add(ids=["x"], embeddings=[[0.5] * 1024], documents=["their chunk"], metadatas=[{"path": "t.md"}])
    corpus = make_corpus(tmp_path / "mine", 2)
    home = tmp_path / "f"
    add = hearth("docs", "add", str(corpus), "--name", "theirs", "--server", chroma_url, "-q", home=home)
    assert add.returncode != 0
    assert "'intfloat/e5-large-v2'" in add.stderr and "cannot be loaded" in add.stderr
    assert "Traceback" not in add.stderr
    assert "theirs" not in hearth("docs", "list", home=home).stdout  # nothing half-made is left listed
    assert other.count() == 1  # nothing written


def test_shared_collection_adopts_the_embedder_its_server_records(tmp_path: Path, chroma_url: str) -> None:
    """Made by a client on float32, then added to by a client whose default is int8: the second
    client embeds its files and questions with float32 (the server's record), not its default."""
    corpus = make_corpus(tmp_path / "team", 4)
    first = tmp_path / "old-client"
    first.mkdir()
    (first / "config.toml").write_text('[documents]\nembedding_model = "all-MiniLM-L6-v2"\n')
    add = hearth("docs", "add", str(corpus), "--name", "mixed", "--server", chroma_url, "-q", home=first)
    assert add.returncode == 0, add.stderr
    assert server_collection(chroma_url, "mixed").metadata["hearth_embedder"] == "all-MiniLM-L6-v2"

    more = make_corpus(tmp_path / "more", 2)
    (more / "extra.md").write_text("# Extra\n\nThe greenhouse vents open when it passes twenty-five degrees.\n")
    second = tmp_path / "new-client"  # default settings: int8 for its own new collections
    add2 = hearth("docs", "add", str(more), "--name", "mixed", "--server", chroma_url, "-q", home=second)
    assert add2.returncode == 0, add2.stderr
    status = json.loads(hearth("docs", "status", "mixed", "--json", home=second).stdout)[0]
    assert status["embed_model"] == "all-MiniLM-L6-v2" and status["new_model"] != status["embed_model"]
    res = hearth("search", "when do the greenhouse vents open", "-c", "mixed", "--json", "--mode", "vector",
                 home=first)  # the float32 client finds what the other one indexed: same space
    assert res.returncode == 0, res.stderr
    assert "greenhouse" in json.loads(res.stdout)["results"][0]["text"]
    assert server_collection(chroma_url, "mixed").metadata["hearth_embedder"] == "all-MiniLM-L6-v2"


def test_server_down_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens
    corpus = make_corpus(tmp_path / "c", 1)
    home = tmp_path / "g"
    add = hearth("docs", "add", str(corpus), "--name", "gone", "--server", url, "-q", home=home)
    assert add.returncode != 0 and "cannot be reached" in add.stderr and "Traceback" not in add.stderr
    assert "gone" not in hearth("docs", "list", home=home).stdout  # nothing half-made is left listed


def test_joining_a_name_the_server_lacks_lists_what_it_has_and_adds_nothing(tmp_path: Path, chroma_url: str) -> None:
    made = hearth("docs", "add", str(make_corpus(tmp_path / "c", 1)), "--name", "garden log", "--server",
                  chroma_url, "-q", home=tmp_path / "maker")
    assert made.returncode == 0, made.stderr
    home = tmp_path / "joiner"
    join = hearth("docs", "add", "--name", "garden logs", "--server", chroma_url, "-q", home=home)
    assert join.returncode != 0 and "Traceback" not in join.stderr
    assert "no shared collection called 'garden logs'" in join.stderr and "'garden log'" in join.stderr
    assert "garden" not in hearth("docs", "list", home=home).stdout
    import chromadb
    from chromadb.config import Settings

    port = int(chroma_url.rsplit(":", 1)[1])
    names = [str(getattr(c, "name", c)) for c in chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)).list_collections()]
    assert server_collection_name("garden logs") not in names  # a mistyped join created nothing there


def test_a_joined_collection_whose_server_went_away_is_a_clear_error(tmp_path: Path, chroma_url: str) -> None:
    home = tmp_path / "h"
    with ChromaProxy(chroma_url) as proxy:
        add = hearth("docs", "add", str(make_corpus(tmp_path / "c", 1)), "--name", "short lived", "--server",
                     proxy.url, "-q", home=home)
        assert add.returncode == 0, add.stderr
    res = hearth("search", "anything", "-c", "short lived", home=home)  # the proxy (its server) is gone
    assert res.returncode != 0 and "cannot be reached" in res.stderr and "Traceback" not in res.stderr


def test_plain_http_to_another_computer_is_refused(tmp_path: Path) -> None:
    res = hearth("docs", "add", str(make_corpus(tmp_path / "c", 1)), "--name", "far", "--server",
                 "http://10.9.8.7:8000", "-q", home=tmp_path / "h")
    assert res.returncode != 0 and "plain http" in res.stderr and "Traceback" not in res.stderr


def test_chunk_ids_depend_on_relative_path_and_text_only() -> None:
    from engine.docs.indexer import server_chunk_ids, shared_rel

    ids = server_chunk_ids("hearth-x", "sub/a.md", ["one", "two", "one"])
    assert len(set(ids)) == 3  # a repeated passage is a second chunk, not an overwrite
    assert ids == server_chunk_ids("hearth-x", "sub/a.md", ["one", "two", "one"])
    assert server_chunk_ids("hearth-x", "sub/a.md", ["zero", "one"])[1] == ids[0]  # an edit above keeps it
    assert server_chunk_ids("hearth-y", "sub/a.md", ["one"])[0] != ids[0]  # per collection
    assert shared_rel("/home/ann/team/sub/a.md", "/home/ann/team") == shared_rel("/srv/bob/t/sub/a.md", "/srv/bob/t")


def test_token_from_the_keyring_is_sent_as_a_bearer_header(tmp_path: Path, chroma_url: str) -> None:
    import keyring

    from engine.cloud.keys import CHROMA_SERVER_SERVICE, endpoint_name
    from engine.config import DocumentSettings
    from engine.docs.service import DocumentService
    from engine.errors import IndexError_
    from engine.paths import Paths
    from tests.support.memory_keyring import MemoryKeyring

    proxy = ChromaProxy(chroma_url, token="s3cret")
    old = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        corpus = make_corpus(tmp_path / "t", 2)
        home = tmp_path / "k"
        docs = DocumentService(Paths(home, home / "data", home / "logs"), DocumentSettings())
        with pytest.raises(IndexError_, match="needs a token and none is stored"):  # no token stored yet
            docs.add("locked", [corpus], server=proxy.url)
        assert "" in proxy.seen
        ring.set_password(CHROMA_SERVER_SERVICE, endpoint_name(proxy.url), "s3cret")
        docs = DocumentService(Paths(home, home / "data", home / "logs"), DocumentSettings())
        report = docs.add("locked", [corpus], server=proxy.url)  # the refused attempt left nothing to resume
        assert report.indexed == 2 and "Bearer s3cret" in proxy.seen
        assert docs.search("locked", "sourdough starter", top_k=1, mode="hybrid")
        assert server_collection(chroma_url, "locked").count() == report.chunks_added
    finally:
        keyring.set_keyring(old)
        proxy.close()


def test_a_proxy_error_page_is_reported_by_its_status_not_its_html() -> None:
    from engine.net import chroma_server_error

    page = ("<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n"
            "<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body></html>")
    err = chroma_server_error(ValueError(page), "https://docs.example.test:8444", token_sent=True)
    assert "refused Hearth's token" in err.message and "401 Authorization Required" in err.message
    assert "<" not in err.message and "nginx" not in err.message


def test_server_that_never_answers_is_an_error_in_seconds(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        t0 = time.monotonic()
        res = hearth("docs", "add", str(make_corpus(tmp_path / "c", 1)), "--name", "stuck", "--server", url, "-q",
                     home=tmp_path / "s")
    assert res.returncode != 0 and "did not answer" in res.stderr and "Traceback" not in res.stderr
    assert time.monotonic() - t0 < 60


def test_chroma_url_setting_places_new_collections_only(tmp_path: Path, chroma_url: str) -> None:
    from engine.config import DocumentSettings
    from engine.docs.service import DocumentService
    from engine.errors import IndexError_
    from engine.paths import Paths

    home = tmp_path / "u"
    paths = Paths(home, home / "data", home / "logs")
    corpus = make_corpus(tmp_path / "docs", 2)
    local = DocumentService(paths, DocumentSettings())
    local.add("before", [corpus])  # made while no server was set
    with pytest.raises(IndexError_, match="Nothing to add"):  # a new local collection needs a folder
        local.add("empty", [])
    docs = DocumentService(paths, DocumentSettings(chroma_url=chroma_url + "/"))
    docs.add("after", [corpus])
    docs.add("before", [])  # an existing collection stays where it is (and no paths = bring up to date)
    assert docs.status("after").server == chroma_url and docs.status("before").server == ""
    assert server_collection(chroma_url, "after").count() == docs.status("after").chunks
