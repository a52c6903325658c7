"""The https path of Hearth's Chroma client, as a team runs it: ``chroma run`` on loopback behind
a TLS-terminating proxy that checks a bearer token (tests/support/chroma_proxy.py), with a
certificate from a private CA made by the test.

- A CA Hearth does not trust is refused, in words that name SSL_CERT_FILE; no request (so no
  token) reaches the proxy.
- With SSL_CERT_FILE naming the CA, indexing and searching a shared collection work.
- The token travels only over TLS and never reaches Chroma or its data directory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

from engine.config import Config, DocumentSettings
from engine.core import Core
from engine.errors import IndexError_
from engine.paths import Paths
from tests.support.chroma_proxy import ChromaProxy, TestCA, make_ca
from tests.support.chroma_server import CHROMA, chroma_server

pytestmark = pytest.mark.slow
TOKEN = "tls-only-token-5d1c"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    data = tmp_path_factory.mktemp("chroma-tls")
    with chroma_server(data) as url:
        yield url, data


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def proxy(chroma: tuple[str, Path], ca: TestCA) -> Iterator[ChromaProxy]:
    with ChromaProxy(chroma[0], token=TOKEN, tls=ca) as p:
        assert p.url.startswith("https://127.0.0.1:")
        yield p


def _service(home: Path) -> object:
    from engine.docs.service import DocumentService

    return DocumentService(Paths(home, home / "data", home / "logs"), DocumentSettings())


def _corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "vpn.md").write_text("# Office VPN\n\nThe VPN gateway is vpn.example.lan on UDP port 51820.\n")
    (root / "printers.txt").write_text("The second floor printer is at 10.0.4.20 and takes A3 paper.\n")
    return root


def test_an_untrusted_certificate_is_refused_and_no_token_is_sent(proxy: ChromaProxy, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    core = Core(Config())
    core.chroma_servers.set_token(proxy.url, TOKEN)
    check = core.chroma_servers.test(proxy.url)
    assert not check.ok and not check.reachable, check
    assert "certificate Hearth cannot verify" in check.problem and "SSL_CERT_FILE" in check.problem
    with pytest.raises(IndexError_, match="certificate Hearth cannot verify"):
        _service(tmp_path / "h").add("vpn notes", [_corpus(tmp_path / "c")], server=proxy.url)
    deadline = time.monotonic() + 10  # the proxy's thread counts a failed handshake after the client gave up
    while proxy.handshake_failures < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proxy.seen == [] and proxy.handshake_failures >= 2  # refused in the handshake, before any header


def test_trusting_the_ca_with_ssl_cert_file_indexes_and_searches_over_https(
        proxy: ChromaProxy, ca: TestCA, chroma: tuple[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_pem))
    core = Core(Config())
    check = core.chroma_servers.test(proxy.url, token="wrong")
    assert check.reachable and check.token == "refused"  # TLS fine, token checked behind it
    core.chroma_servers.set_token(proxy.url, TOKEN)
    check = core.chroma_servers.test(proxy.url)
    assert check.ok and check.token == "accepted", check
    docs = _service(tmp_path / "h")
    report = docs.add("vpn notes", [_corpus(tmp_path / "c")], server=proxy.url)
    assert report.indexed == 2 and not report.failed
    docs2 = _service(tmp_path / "h2")  # another client joins the same shared collection
    docs2.add("vpn notes", [], server=proxy.url)
    hits = docs2.search("vpn notes", "which UDP port does the VPN gateway use", top_k=1)
    assert hits and "51820" in hits[0].text
    assert core.chroma_servers.test(proxy.url).collections == ["vpn notes"]  # its name, as people gave it
    # the token travelled on every request, and only over TLS
    assert proxy.seen and all(proxy.over_tls)
    assert sum(h == f"Bearer {TOKEN}" for h in proxy.seen) >= 5
    # the proxy kept it: neither Chroma's data nor its log holds it
    data_dir = chroma[1]
    leaks = [p for p in data_dir.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert leaks == []


def test_an_http_address_for_the_tls_port_fails_and_nothing_is_forwarded(proxy: ChromaProxy) -> None:
    # (plain http is allowed here only because the address is loopback; off this computer it is
    # refused before any connection, see test_chroma_server_ops.py)
    plain = proxy.url.replace("https://", "http://")
    check = Core(Config()).chroma_servers.test(plain, token=TOKEN)
    assert not check.ok and "cannot be reached" in check.problem
    assert proxy.seen == []  # the proxy speaks TLS only: nothing was read as a request
