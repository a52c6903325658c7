"""``core.chroma_servers`` and `hearth docs server-key|server-test` against a real ``chroma run``
on loopback, behind the token-checking proxy a team puts in front of it
(tests/support/chroma_proxy.py): the token in the keyring, the connection test's words
(reachable, token accepted / refused / missing, shared collections, zone), the per-address
plain-http permission. A server problem is a result, never an exception."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import pytest

from engine.cli.main import main
from engine.cloud.keys import CHROMA_SERVER_SERVICE
from engine.config import Config, load_config
from engine.core import Core
from engine.docs.server_store import NAME_KEY, server_collection_name, shared_collection_names
from tests.support.chroma_proxy import ChromaProxy
from tests.support.chroma_server import CHROMA, chroma_server, free_port

pytestmark = pytest.mark.slow
TOKEN = "chroma-team-7f3"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    with chroma_server(tmp_path_factory.mktemp("chroma-ops")) as url:
        import chromadb
        from chromadb.config import Settings

        client = chromadb.HttpClient(host="127.0.0.1", port=int(url.rsplit(":", 1)[1]),
                                     settings=Settings(anonymized_telemetry=False))
        client.get_or_create_collection(server_collection_name("team handbook"), metadata={NAME_KEY: "team handbook"})
        client.get_or_create_collection(server_collection_name("old one"))  # made before names were recorded
        client.get_or_create_collection("someone-elses")  # not made by Hearth
        yield url


@pytest.fixture
def proxy(chroma_url: str) -> Iterator[ChromaProxy]:
    with ChromaProxy(chroma_url, token=TOKEN) as p:
        yield p


def test_token_is_stored_per_address_in_the_keyring(proxy: ChromaProxy, memory_keyring_backend) -> None:
    ops = Core(Config()).chroma_servers
    assert not ops.has_token(proxy.url)
    ops.set_token(proxy.url + "/", TOKEN)  # stored under the address, slash or not
    assert ops.has_token(proxy.url)
    assert memory_keyring_backend.store == {(CHROMA_SERVER_SERVICE, proxy.url): TOKEN}
    assert ops.delete_token(proxy.url) and not ops.has_token(proxy.url)
    assert not ops.delete_token(proxy.url)


def test_connection_test_reports_the_token_and_the_shared_collections(proxy: ChromaProxy) -> None:
    ops = Core(Config()).chroma_servers
    missing = ops.test(proxy.url)
    assert not missing.ok and missing.reachable and missing.token == "missing"
    assert "needs a token and none is stored" in missing.problem and missing.summary().startswith("Connected, but")
    refused = ops.test(proxy.url, token="wrong")
    assert not refused.ok and refused.reachable and refused.token == "refused"
    assert "refused Hearth's token" in refused.problem and "<" not in refused.problem  # no HTML page
    ops.set_token(proxy.url, TOKEN)
    check = ops.test(proxy.url)
    assert check.ok and check.token == "accepted", check
    assert check.collections == ["old-one", "team handbook"] and check.other_collections == 1
    assert check.zone == "this machine" and check.zone_text == "this computer"
    words = check.summary()
    assert "token was accepted" in words and "team handbook" in words and "1 not made by Hearth" in words
    assert all(h in ("", "Bearer wrong", f"Bearer {TOKEN}") for h in proxy.seen)


def test_a_server_without_token_checks_says_so(chroma_url: str) -> None:
    ops = Core(Config()).chroma_servers
    assert ops.test(chroma_url).token == "not needed"
    check = ops.test(chroma_url, token="anything")
    assert check.ok and check.token == "not needed" and "asks for no token" in check.summary()


def test_server_down_and_plain_http_are_results_not_exceptions() -> None:
    ops = Core(Config()).chroma_servers
    down = ops.test(f"http://127.0.0.1:{free_port()}")
    assert not down.ok and not down.reachable and "cannot be reached" in down.problem
    assert down.summary().startswith("Not connected:")
    far = ops.test("http://192.0.2.7:8000")  # TEST-NET: refused before any connection
    assert not far.ok and not far.reachable and "plain http://" in far.problem
    assert "Allow plain http to this server" in far.problem
    assert far.zone == "server" and far.zone_text == "192.0.2.7 (a team server)"
    assert ops.test("chroma.example.lan").problem.startswith("The Chroma server address")


def test_plain_http_is_allowed_for_one_address_and_saved() -> None:
    core = Core.from_settings()
    ops = core.chroma_servers
    assert ops.address_problem("http://192.0.2.7:8000")
    assert ops.allow_plain_http("http://192.0.2.7:8000/") is not None
    assert ops.allow_plain_http("http://192.0.2.7:8000") is None  # already allowed
    assert ops.address_problem("http://192.0.2.7:8000") is None
    assert ops.address_problem("http://192.0.2.8:8000")  # only that address
    assert load_config().config.documents.chroma_http_allowed == ["http://192.0.2.7:8000"]


def test_shared_collection_names() -> None:
    names = [(server_collection_name("Team notes"), None), (server_collection_name("x"), {NAME_KEY: "x"}),
             (server_collection_name("!!"), {}), ("other", {NAME_KEY: "other"}),
             (server_collection_name("a b"), {NAME_KEY: "forged"})]  # a name that does not match is not believed
    assert shared_collection_names(names) == ["(unnamed)", "a-b", "Team-notes", "x"]


def test_cli_server_key_and_server_test_go_through_the_core(proxy: ChromaProxy, capsys, monkeypatch,
                                                            memory_keyring_backend) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    assert main(["docs", "server-key", proxy.url]) == 0
    assert "stored in the system keyring" in capsys.readouterr().out
    assert memory_keyring_backend.store[(CHROMA_SERVER_SERVICE, proxy.url)] == TOKEN
    assert main(["docs", "server-test", proxy.url]) == 0
    out = capsys.readouterr().out
    assert "Zone: this computer" in out and "token was accepted" in out and "team handbook" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert main(["docs", "server-test", proxy.url, "--token-stdin"]) == 1
    assert "refused Hearth's token" in capsys.readouterr().out
    assert main(["docs", "server-key", proxy.url, "--delete"]) == 0 and "Token removed" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["docs", "server-key", proxy.url]) == 1  # an empty token is refused, in words
    assert "empty" in capsys.readouterr().err


def test_cli_server_test_json(tmp_path: Path, capsys) -> None:
    import json

    assert main(["docs", "server-test", f"http://127.0.0.1:{free_port()}", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["reachable"] is False and "cannot be reached" in data["problem"]
