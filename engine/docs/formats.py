"""Parsers: one function per file format, each turning a file into structured blocks.

This module runs **inside the parse worker process** (see ``sandbox.py``), never in the app:
a hostile file can only take the worker down. Parsers return plain JSON-able data so results
cross the process boundary unchanged:

    {"title": str, "blocks": [[kind, level, page, text], ...]}

``kind`` is ``heading`` (with ``level`` 1-6), ``text``, ``code`` or ``table``; ``page`` is the
1-based page for paged formats (PDF), else ``None``. A file that cannot be indexed raises
:class:`Skip` (not an error: encrypted, unsupported, empty) or :class:`Fail` (broken, hostile).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any, Callable

Block = list  # [kind, level, page, text]


class Skip(Exception):
    """The file is deliberately not indexed; the message is the reason shown to the person."""


class Fail(Exception):
    """The file could not be parsed; the message is the reason shown to the person."""


TEXT_EXT = {".txt", ".text", ".log"}
MARKDOWN_EXT = {".md", ".markdown"}
RST_EXT = {".rst"}
HTML_EXT = {".html", ".htm", ".xhtml"}
CODE_EXT = {
    ".py", ".pyi", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".java", ".kt", ".c", ".h", ".cc", ".cpp",
    ".hpp", ".cs", ".go", ".rs", ".rb", ".php", ".swift", ".scala", ".sh", ".bash", ".zsh", ".ps1",
    ".sql", ".r", ".lua", ".pl", ".css", ".scss", ".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf",
    ".xml", ".tex", ".mk", ".cmake", ".gradle", ".dart", ".ex", ".exs", ".hs", ".ml", ".vue",
}
PLAIN_NAMES = {"readme", "license", "copying", "makefile", "dockerfile", "changelog", "authors", "notice"}

# Limits that protect the worker before the memory limit has to (fast, clear messages).
MAX_ZIP_UNCOMPRESSED = 512 * 1024 * 1024   # declared size of all members of a docx/epub
MAX_ZIP_RATIO = 200                          # uncompressed/compressed: beyond this it is a bomb
MAX_CSV_ROWS = 200_000


def supported(path: Path) -> bool:
    ext = path.suffix.lower()
    return (ext in TEXT_EXT | MARKDOWN_EXT | RST_EXT | HTML_EXT | CODE_EXT
            or ext in {".pdf", ".docx", ".csv", ".tsv", ".json", ".jsonl", ".epub"}
            or (ext == "" and path.name.lower() in PLAIN_NAMES))


# ---------------------------------------------------------------- text helpers

def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise Skip("binary file (not text)")
    for enc in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    # Legacy 8-bit text: decode losslessly rather than refusing it.
    return data.decode("cp1252", errors="replace")


def _paragraphs(text: str, kind: str = "text") -> list[Block]:
    return [[kind, 0, None, p.strip("\n")] for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def parse_text(path: Path) -> dict[str, Any]:
    return {"title": path.stem, "blocks": _paragraphs(_read_text(path))}


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def parse_markdown(path: Path) -> dict[str, Any]:
    blocks: list[Block] = []
    buf: list[str] = []
    in_fence = False

    def flush(kind: str = "text") -> None:
        if buf:
            blocks.extend(_paragraphs("\n".join(buf), kind) if kind == "text" else [[kind, 0, None, "\n".join(buf)]])
            buf.clear()

    for line in _read_text(path).splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            if in_fence:
                buf.append(line)
                flush("code")
            else:
                flush()
                buf.append(line)
            in_fence = not in_fence
            continue
        m = None if in_fence else _MD_HEADING.match(line)
        if m:
            flush()
            blocks.append(["heading", len(m.group(1)), None, m.group(2)])
        else:
            buf.append(line)
    flush("code" if in_fence else "text")
    return {"title": path.stem, "blocks": blocks}


_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:.])\1{2,}\s*$")


def parse_rst(path: Path) -> dict[str, Any]:
    """reST headings are a title line underlined (optionally overlined) with punctuation;
    the level follows the order in which underline characters first appear."""
    lines = _read_text(path).splitlines()
    levels: dict[str, int] = {}
    blocks: list[Block] = []
    buf: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and not _RST_UNDERLINE.match(line) and _RST_UNDERLINE.match(nxt) \
                and len(nxt.strip()) >= len(line.strip()) * 0.6:
            if buf and _RST_UNDERLINE.match(buf[-1]):
                buf.pop()  # overline
            blocks.extend(_paragraphs("\n".join(buf)))
            buf = []
            level = levels.setdefault(nxt.strip()[0], len(levels) + 1)
            blocks.append(["heading", min(level, 6), None, line.strip()])
            i += 2
            continue
        buf.append(line)
        i += 1
    blocks.extend(_paragraphs("\n".join(buf)))
    return {"title": path.stem, "blocks": blocks}


_PY_DEF = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)")


def parse_code(path: Path) -> dict[str, Any]:
    """Source code: paragraphs between blank lines; top-level Python defs/classes become headings
    so a chunk cites the function it comes from."""
    text = _read_text(path)
    blocks: list[Block] = []
    for para in _paragraphs(text, "code"):
        m = _PY_DEF.match(para[3]) if path.suffix in (".py", ".pyi") else None
        if m:
            blocks.append(["heading", 2, None, m.group(1)])
        blocks.append(para)
    return {"title": path.name, "blocks": blocks}


# ---------------------------------------------------------------- HTML

_SKIP_TAGS = {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "form",
              "iframe", "object", "embed", "button", "select", "aside"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEAF_BLOCKS = {"p", "li", "dt", "dd", "blockquote", "figcaption", "caption", "address", "summary"}
_CONTAINERS = {"div", "section", "article", "main", "body", "ul", "ol", "dl", "details", "figure",
               "tbody", "thead", "html", "center", "span", "td", "th"}
_BLOCK_TAGS = _LEAF_BLOCKS | _CONTAINERS | set(_HEADINGS) | {"pre", "table", "tr", "hr", "br"}
_WS = re.compile(r"[ \t\r\f\v]+")


def _inline_text(node: Any) -> str:
    text = node.text(deep=True, separator="", strip=False)
    text = text.replace("\u00b6", "")  # Sphinx permalink pilcrows
    return _WS.sub(" ", text.replace("\n", " ")).strip()


def _has_block_child(node: Any) -> bool:
    child = node.child
    while child is not None:
        if child.tag in _BLOCK_TAGS and child.tag not in ("span", "br"):
            return True
        child = child.next
    return False


def _html_blocks(node: Any, blocks: list[Block]) -> None:
    """Walk the DOM in order, emitting headings, paragraphs, code and table rows once each."""
    inline: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", " ".join(inline)).strip()
        if text:
            blocks.append(["text", 0, None, text])
        inline.clear()

    child = node.child
    while child is not None:
        tag = child.tag
        if tag == "-text":
            inline.append(child.text_content or "")
        elif tag in _SKIP_TAGS or tag in ("-comment", "head", "title", "meta", "link") \
                or "headerlink" in (child.attributes.get("class") or ""):
            pass
        elif tag in _HEADINGS:
            flush()
            text = _inline_text(child)
            if text:
                blocks.append(["heading", _HEADINGS[tag], None, text])
        elif tag == "pre":
            flush()
            text = child.text(deep=True, separator="", strip=False).strip("\n")
            if text.strip():
                blocks.append(["code", 0, None, text])
        elif tag == "table":
            flush()
            rows = []
            for tr in child.css("tr"):
                cells = [_inline_text(c) for c in tr.iter() if c.tag in ("td", "th")]
                if any(cells):
                    rows.append(" | ".join(cells))
            if rows:
                blocks.append(["table", 0, None, "\n".join(rows)])
        elif tag in _LEAF_BLOCKS and not _has_block_child(child):
            flush()
            text = _inline_text(child)
            if text:
                blocks.append(["text", 0, None, text])
        elif tag in _BLOCK_TAGS:
            flush()
            _html_blocks(child, blocks)
        else:  # inline element (a, em, code, span ...)
            inline.append(child.text(deep=True, separator="", strip=False))
        child = child.next
    flush()


def html_to_doc(html: str, fallback_title: str) -> dict[str, Any]:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    title_node = tree.css_first("title")
    title = _inline_text(title_node) if title_node else fallback_title
    root = (tree.css_first("[role=main]") or tree.css_first("main") or tree.css_first("article")
            or tree.css_first("div.body") or tree.body or tree.root)
    blocks: list[Block] = []
    if root is not None:
        _html_blocks(root, blocks)
    return {"title": title or fallback_title, "blocks": blocks}


def parse_html(path: Path) -> dict[str, Any]:
    return html_to_doc(_read_text(path), path.stem)


# ---------------------------------------------------------------- PDF

def parse_pdf(path: Path) -> dict[str, Any]:
    """PDFium through ``pdftext`` (reading order, no running headers, mended hyphens, outline
    headings); pypdf where pypdfium2 is not installed or HEARTH_PDF_EXTRACTOR=pypdf asks for it
    (benchmarks compare the two)."""
    if os.environ.get("HEARTH_PDF_EXTRACTOR") == "pypdf":
        return parse_pdf_pypdf(path)
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return parse_pdf_pypdf(path)
    from pypdfium2 import PdfiumError

    from engine.docs import pdftext

    try:
        doc = pdftext.extract(path)
    except PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise Skip("encrypted (needs a password)") from exc
        raise Fail(f"not a readable PDF ({exc})") from exc
    if not doc["blocks"]:
        raise Skip("no text layer (scanned images only?)")
    return {"title": doc["title"] or path.stem, "blocks": doc["blocks"]}


def parse_pdf_pypdf(path: Path) -> dict[str, Any]:
    """The previous extractor, kept for comparison (bench/data/pdf_extractors.py) and as a fallback."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" only to restrict printing: they open with an empty password.
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise Skip("encrypted (needs a password)")
        blocks: list[Block] = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            for para in _paragraphs(text.replace("\x00", "")):
                para[2] = number
                blocks.append(para)
        title = ""
        try:
            title = str((reader.metadata or {}).get("/Title") or "")
        except Exception:
            pass
    except (Skip, Fail):
        raise
    except (PdfReadError, PyPdfError) as exc:
        raise Fail(f"not a readable PDF ({exc})") from exc
    if not blocks:
        raise Skip("no text layer (scanned images only?)")
    return {"title": title or path.stem, "blocks": blocks}


# ---------------------------------------------------------------- zip containers (docx, epub)

def check_zip(path: Path) -> zipfile.ZipFile:
    """Open a zip container after refusing bombs by their declared sizes (which zipfile enforces)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Fail(f"not a valid {path.suffix.lstrip('.')} file (broken zip container)") from exc
    total = sum(i.file_size for i in zf.infolist())
    packed = max(1, sum(i.compress_size for i in zf.infolist()))
    if total > MAX_ZIP_UNCOMPRESSED:
        raise Fail(f"expands to {total // 2**20} MB when unpacked (limit {MAX_ZIP_UNCOMPRESSED // 2**20} MB): "
                   "possible zip bomb")
    if total > 8 * 2**20 and total / packed > MAX_ZIP_RATIO:
        raise Fail(f"compression ratio {total // packed}:1 is implausible: possible zip bomb")
    return zf


def parse_docx(path: Path) -> dict[str, Any]:
    import docx
    from docx.table import Table

    check_zip(path).close()
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises assorted errors for broken packages
        raise Fail(f"not a readable Word document ({type(exc).__name__}: {exc})") from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = []
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat: keep each text once per row
                    t = cell.text.strip()
                    if not cells or cells[-1] != t:
                        cells.append(t)
                if any(cells):
                    rows.append(" | ".join(cells))
            if rows:
                blocks.append(["table", 0, None, "\n".join(rows)])
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        m = re.match(r"(?i)heading\s*(\d)", style)
        if m:
            blocks.append(["heading", min(int(m.group(1)), 6), None, text])
        elif style.lower() == "title":
            blocks.append(["heading", 1, None, text])
        else:
            blocks.append(["text", 0, None, text])
    title = document.core_properties.title or path.stem
    return {"title": title, "blocks": blocks}


def parse_epub(path: Path) -> dict[str, Any]:
    """EPUB: the spine's XHTML files in reading order, each parsed as HTML."""
    import posixpath
    import xml.etree.ElementTree as ET

    zf = check_zip(path)
    try:
        container = ET.fromstring(zf.read("META-INF/container.xml"))
        opf_path = next(e.attrib["full-path"] for e in container.iter() if e.tag.endswith("rootfile"))
        opf = ET.fromstring(zf.read(opf_path))
    except (KeyError, StopIteration, ET.ParseError) as exc:
        raise Fail("not a valid EPUB (missing or broken package file)") from exc
    base = posixpath.dirname(opf_path)
    manifest = {e.attrib.get("id"): e.attrib.get("href") for e in opf.iter() if e.tag.endswith("item")}
    spine = [e.attrib.get("idref") for e in opf.iter() if e.tag.endswith("itemref")]
    title = next((e.text for e in opf.iter() if e.tag.endswith("title") and e.text), path.stem)
    blocks: list[Block] = []
    for idref in spine:
        href = manifest.get(idref)
        if not href:
            continue
        try:
            html = zf.read(posixpath.join(base, href)).decode("utf-8", errors="replace")
        except KeyError:
            continue
        blocks.extend(html_to_doc(html, title)["blocks"])
    return {"title": title, "blocks": blocks}


# ---------------------------------------------------------------- data files

def parse_csv(path: Path) -> dict[str, Any]:
    """Each row becomes "column: value" pairs so a chunk stays meaningful without its header."""
    text = _read_text(path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|") if path.suffix != ".tsv" else csv.excel_tab
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise Skip("empty file")
    except csv.Error as exc:
        raise Fail(f"not valid CSV ({exc})") from exc
    blocks: list[Block] = [["table", 0, None, " | ".join(header)]]
    try:
        for n, row in enumerate(reader):
            if n >= MAX_CSV_ROWS:
                break
            if any(c.strip() for c in row):
                pairs = [f"{h}: {v}" if h else v for h, v in zip(header, row)] + row[len(header):]
                blocks.append(["table", 0, None, "; ".join(pairs)])
    except csv.Error as exc:
        raise Fail(f"not valid CSV ({exc})") from exc
    return {"title": path.stem, "blocks": blocks}


def _flatten_json(value: Any, prefix: str, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten_json(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flatten_json(v, f"{prefix}[{i}]", out)
    else:
        out.append(f"{prefix}: {value}" if prefix else str(value))


def parse_json(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        values = ([json.loads(line) for line in text.splitlines() if line.strip()]
                  if path.suffix == ".jsonl" else [json.loads(text)])
    except (json.JSONDecodeError, RecursionError) as exc:
        raise Fail(f"not valid JSON ({exc})") from exc
    blocks: list[Block] = []
    for value in values:
        lines: list[str] = []
        _flatten_json(value, "", lines)
        # Group leaf lines into paragraphs of ~20 so each block stays a sensible size.
        for i in range(0, len(lines), 20):
            blocks.append(["text", 0, None, "\n".join(lines[i:i + 20])])
    return {"title": path.stem, "blocks": blocks}


# ---------------------------------------------------------------- dispatch

def parser_for(path: Path) -> Callable[[Path], dict[str, Any]]:
    ext = path.suffix.lower()
    if ext == ".pdf":
        return parse_pdf
    if ext == ".docx":
        return parse_docx
    if ext == ".epub":
        return parse_epub
    if ext in HTML_EXT:
        return parse_html
    if ext in MARKDOWN_EXT:
        return parse_markdown
    if ext in RST_EXT:
        return parse_rst
    if ext in (".csv", ".tsv"):
        return parse_csv
    if ext in (".json", ".jsonl"):
        return parse_json
    if ext in CODE_EXT:
        return parse_code
    if ext in TEXT_EXT or (ext == "" and path.name.lower() in PLAIN_NAMES):
        return parse_text
    if ext == ".doc":
        raise Skip("old Word .doc format is not supported (save it as .docx)")
    raise Skip(f"unsupported file type '{ext or path.name}'")


def parse_file(path: Path, max_text_bytes: int) -> dict[str, Any]:
    """Parse one file (in the worker). Raises Skip/Fail with a reason for the person."""
    if not path.exists():
        raise Fail("file not found")
    parser = parser_for(path)
    st = path.stat()
    size = st.st_size
    if size == 0 and stat.S_ISREG(st.st_mode):
        raise Skip("empty file")
    if parser in (parse_text, parse_markdown, parse_rst, parse_code, parse_html, parse_csv, parse_json) \
            and size > max_text_bytes:
        raise Fail(f"too large to index ({size / 2**20:.0f} MB of text; limit {max_text_bytes // 2**20} MB)")
    doc = parser(path)
    if not any(b[3].strip() for b in doc["blocks"]):
        raise Skip("no text found")
    return doc
