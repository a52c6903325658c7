"""Parsing every supported format, in the sandboxed worker, and hostile files failing cleanly."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from engine.docs.formats import parse_file
from engine.docs.sandbox import ParseSandbox
from tests.engine.docs.makers import deflated_bomb, encrypt_pdf, make_docx, make_pdf, make_zip_bomb_docx

LIMIT = 64 * 2**20


@pytest.fixture(scope="module")
def sandbox():
    sb = ParseSandbox(timeout_s=60, memory_mb=1024)
    yield sb
    sb.close()


def _texts(doc: dict) -> list[str]:
    return [b[3] for b in doc["blocks"]]


def test_pdf_keeps_page_numbers(tmp_path: Path, sandbox: ParseSandbox) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", ["Quarterly figures are up.\nSecond line here.", "Page two talks about costs."])
    result = sandbox.parse(pdf)
    assert result.ok, result.reason
    pages = {b[2]: b[3] for b in result.doc["blocks"]}
    assert "Quarterly figures are up." in pages[1]
    assert "costs" in pages[2]


def test_encrypted_pdf_is_skipped_as_encrypted(tmp_path: Path, sandbox: ParseSandbox) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", ["Secret salary table"])
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf")
    result = sandbox.parse(locked)
    assert (result.status, result.reason) == ("skipped", "encrypted (needs a password)")


def test_malformed_pdf_fails_with_reason(tmp_path: Path, sandbox: ParseSandbox) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nthis is not a pdf at all")
    result = sandbox.parse(bad)
    assert result.status == "failed"
    assert "PDF" in result.reason or "malformed" in result.reason
    # The worker survives for the next file.
    assert sandbox.parse(make_pdf(tmp_path / "ok.pdf", ["still fine"])).ok


def test_pdf_decompression_bomb_fails(tmp_path: Path, sandbox: ParseSandbox) -> None:
    # 1.6 MB on disk, 1.5 GB inflated: more than the worker's 1 GB memory limit.
    bomb = make_pdf(tmp_path / "bomb.pdf", ["x"], deflated_stream=deflated_bomb(1536))
    assert bomb.stat().st_size < 2_000_000
    result = sandbox.parse(bomb)
    assert result.status == "failed"
    assert "memory limit" in result.reason
    assert sandbox.parse(make_pdf(tmp_path / "ok.pdf", ["still fine"])).ok  # a fresh worker carries on


def test_docx_headings_and_tables(tmp_path: Path, sandbox: ParseSandbox) -> None:
    result = sandbox.parse(make_docx(tmp_path / "garden.docx"))
    assert result.ok, result.reason
    blocks = result.doc["blocks"]
    headings = [(b[1], b[3]) for b in blocks if b[0] == "heading"]
    assert headings == [(1, "Garden Handbook"), (2, "Watering rota"), (2, "Compost")]
    tables = [b[3] for b in blocks if b[0] == "table"]
    assert tables == ["Day | Volunteer\nMonday | Ingrid\nTuesday | Oskar"]


def test_zip_bomb_docx_fails_fast(tmp_path: Path, sandbox: ParseSandbox) -> None:
    bomb = make_zip_bomb_docx(tmp_path / "bomb.docx", make_docx(tmp_path / "g.docx"), megabytes=60)
    result = sandbox.parse(bomb)
    assert result.status == "failed"
    assert "zip bomb" in result.reason


def test_corrupt_docx_fails(tmp_path: Path, sandbox: ParseSandbox) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    result = sandbox.parse(bad)
    assert result.status == "failed" and "docx" in result.reason


def test_hanging_file_hits_the_time_limit_and_worker_restarts(tmp_path: Path) -> None:
    fifo = tmp_path / "stuck.txt"
    os.mkfifo(fifo)  # opening it for reading blocks forever: a genuinely hanging input
    with ParseSandbox(timeout_s=1.0) as sb:
        result = sb.parse(fifo)
        assert result.status == "failed"
        assert "time limit" in result.reason
        ok = tmp_path / "ok.txt"
        ok.write_text("after the hang, parsing goes on")
        after = sb.parse(ok)
        assert after.ok and _texts(after.doc) == ["after the hang, parsing goes on"]
        assert sb.restarts == 1


def test_memory_hungry_file_hits_the_memory_limit(tmp_path: Path) -> None:
    big = tmp_path / "nested.json"
    with open(big, "w") as fh:  # 6 MB of "[]," becomes ~2M list objects: >128 MB in Python
        fh.write("[" + "[]," * 2_000_000 + "[]]")
    with ParseSandbox(timeout_s=120, memory_mb=128) as sb:
        result = sb.parse(big)
        assert result.status == "failed"
        assert "128 MB" in result.reason and "memory" in result.reason


def test_text_over_size_limit_fails_without_reading(tmp_path: Path) -> None:
    log = tmp_path / "huge.log"
    with open(log, "wb") as fh:
        fh.truncate(3 * 2**30)  # a sparse 3 GB log file
    with ParseSandbox(timeout_s=30) as sb:
        result = sb.parse(log)
    assert result.status == "failed" and "too large" in result.reason


def test_unsupported_binary_and_empty_are_skipped(tmp_path: Path, sandbox: ParseSandbox) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    (tmp_path / "data.txt").write_bytes(b"abc\0\0\0binary")
    (tmp_path / "empty.md").write_text("")
    assert (sandbox.parse(tmp_path / "photo.png").status, sandbox.parse(tmp_path / "photo.png").reason) == \
        ("skipped", "unsupported file type '.png'")
    assert sandbox.parse(tmp_path / "data.txt").reason == "binary file (not text)"
    assert sandbox.parse(tmp_path / "empty.md").reason == "empty file"
    assert sandbox.parse(tmp_path / "missing.txt").status == "failed"


def test_html_main_content_headings_and_no_navigation(tmp_path: Path) -> None:
    html = tmp_path / "page.html"
    html.write_text("""<html><head><title>Guide</title><script>var x = 'nope';</script></head><body>
      <nav><a href="/">Home</a> navigation junk</nav>
      <div role="main"><section><h1>Install<a class="headerlink" href="#i">¶</a></h1>
      <p>Run the <code>installer</code> twice.</p>
      <ul><li>first item</li><li><p>second item</p></li></ul>
      <pre>pip install hearth
hearth --version</pre>
      <table><tr><th>OS</th><th>Step</th></tr><tr><td>Linux</td><td>apt</td></tr></table>
      <h2>Upgrade</h2><p>Just reinstall.</p></section></div>
      <footer>copyright footer</footer></body></html>""")
    doc = parse_file(html, LIMIT)
    assert doc["title"] == "Guide"
    assert doc["blocks"] == [
        ["heading", 1, None, "Install"],
        ["text", 0, None, "Run the installer twice."],
        ["text", 0, None, "first item"],
        ["text", 0, None, "second item"],
        ["code", 0, None, "pip install hearth\nhearth --version"],
        ["table", 0, None, "OS | Step\nLinux | apt"],
        ["heading", 2, None, "Upgrade"],
        ["text", 0, None, "Just reinstall."],
    ]


def test_markdown_rst_csv_json_code(tmp_path: Path) -> None:
    md = tmp_path / "notes.md"
    md.write_text("# Title\n\nIntro para.\n\n## Part\n\n```\n# not a heading\n```\n\nEnd.\n")
    assert parse_file(md, LIMIT)["blocks"] == [
        ["heading", 1, None, "Title"], ["text", 0, None, "Intro para."], ["heading", 2, None, "Part"],
        ["code", 0, None, "```\n# not a heading\n```"], ["text", 0, None, "End."]]

    rst = tmp_path / "doc.rst"
    rst.write_text("Top\n===\n\nBody one.\n\nSub\n---\n\nBody two.\n")
    assert [b[:2] + [b[3]] for b in parse_file(rst, LIMIT)["blocks"]] == [
        ["heading", 1, "Top"], ["text", 0, "Body one."], ["heading", 2, "Sub"], ["text", 0, "Body two."]]

    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,city\nAda,London\nLinus,Helsinki\n")
    assert _texts(parse_file(csv_file, LIMIT)) == ["name | city", "name: Ada; city: London", "name: Linus; city: Helsinki"]

    js = tmp_path / "conf.json"
    js.write_text(json.dumps({"server": {"port": 8080, "hosts": ["a", "b"]}}))
    assert _texts(parse_file(js, LIMIT)) == ["server.port: 8080\nserver.hosts[0]: a\nserver.hosts[1]: b"]

    py = tmp_path / "tool.py"
    py.write_text("import os\n\n\ndef frobnicate(x):\n    return x\n")
    blocks = parse_file(py, LIMIT)["blocks"]
    assert ["heading", 2, None, "frobnicate"] in blocks

    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    from engine.docs.formats import Fail

    with pytest.raises(Fail, match="not valid JSON"):
        parse_file(bad, LIMIT)


def test_epub_spine_in_order(tmp_path: Path) -> None:
    epub = tmp_path / "book.epub"
    with zipfile.ZipFile(epub, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", '<container><rootfiles><rootfile full-path="OEBPS/c.opf"/></rootfiles></container>')
        z.writestr("OEBPS/c.opf", '<package><metadata><title>A Book</title></metadata><manifest>'
                   '<item id="a" href="one.xhtml"/><item id="b" href="two.xhtml"/></manifest>'
                   '<spine><itemref idref="b"/><itemref idref="a"/></spine></package>')
        z.writestr("OEBPS/one.xhtml", "<html><body><h1>Chapter Two</h1><p>Later text.</p></body></html>")
        z.writestr("OEBPS/two.xhtml", "<html><body><h1>Chapter One</h1><p>Early text.</p></body></html>")
    doc = parse_file(epub, LIMIT)
    assert doc["title"] == "A Book"
    assert _texts(doc) == ["Chapter One", "Early text.", "Chapter Two", "Later text."]
