"""PDF text as a person reads the page: reading order, no running headers or page numbers,
mended hyphens, outline headings, physical page numbers. Real PDFs written by makers.py and
read by PDFium through the parse worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.docs.sandbox import ParseSandbox
from tests.engine.docs.makers import make_layout_pdf

BODY = 11


@pytest.fixture(scope="module")
def sandbox():
    sb = ParseSandbox(timeout_s=60, memory_mb=1024)
    yield sb
    sb.close()


def _page(header: str, footer: str, lines: list[str], *, x: float = 72, top: float = 700) -> list:
    items = [(72, 760, header, 9), (300, 40, footer, 9)]
    items += [(x, top - 14 * i, text, BODY) for i, text in enumerate(lines)]
    return items


def _text(doc: dict) -> str:
    return "\n\n".join(b[3] for b in doc["blocks"])


def _parse(sandbox: ParseSandbox, path: Path) -> dict:
    result = sandbox.parse(path)
    assert result.ok, result.reason
    return result.doc


def test_running_headers_footers_and_page_numbers_are_dropped(tmp_path: Path, sandbox: ParseSandbox) -> None:
    pages = [_page("Garden Handbook", f"{n} / 5", [f"Page {n} explains how to prune shrub number {n}."])
             for n in range(1, 6)]
    doc = _parse(sandbox, make_layout_pdf(tmp_path / "garden.pdf", pages))
    text = _text(doc)
    assert "Garden Handbook" not in text and "/ 5" not in text
    for n in range(1, 6):
        assert f"prune shrub number {n}." in text
    # physical page numbers: block n comes from the n-th page of the file
    assert {b[2] for b in doc["blocks"] if f"number {b[2]}." in b[3]} == {1, 2, 3, 4, 5}


def test_a_line_that_only_looks_like_a_header_once_is_kept(tmp_path: Path, sandbox: ParseSandbox) -> None:
    pages = [_page("Garden Handbook", str(n), ["Body text."]) for n in range(1, 4)]
    pages[1].append((72, 770, "Warning: frost expected tonight", 9))  # top band, but only once
    text = _text(_parse(sandbox, make_layout_pdf(tmp_path / "frost.pdf", pages)))
    assert "Warning: frost expected tonight" in text


def test_two_columns_are_read_column_by_column(tmp_path: Path, sandbox: ParseSandbox) -> None:
    left = [f"Left column sentence {i} about compost heaps and their care." for i in range(10)]
    right = [f"Right column sentence {i} about rain barrels and gutters." for i in range(10)]
    items = [(72, 720, "Full width title line spanning the whole page from margin to margin", 14)]
    items += [(72, 690 - 14 * i, t, 9) for i, t in enumerate(left)]
    items += [(320, 690 - 14 * i, t, 9) for i, t in enumerate(right)]
    text = _text(_parse(sandbox, make_layout_pdf(tmp_path / "columns.pdf", [items])))
    order = [text.index(t) for t in left + right]
    assert order == sorted(order), "the right column was interleaved with the left one"
    assert text.index("Full width title") < order[0]


def test_table_rows_stay_rows(tmp_path: Path, sandbox: ParseSandbox) -> None:
    rows = [("Monday", "Ingrid"), ("Tuesday", "Oskar"), ("Wednesday", "Maja"), ("Thursday", "Lars"),
            ("Friday", "Sven"), ("Saturday", "Ebba"), ("Sunday", "Nils"), ("Holiday", "Greta")]
    items = [(72, 700 - 16 * i, a, BODY) for i, (a, _b) in enumerate(rows)]
    items += [(400, 700 - 16 * i, b, BODY) for i, (_a, b) in enumerate(rows)]
    text = " ".join(_text(_parse(sandbox, make_layout_pdf(tmp_path / "rota.pdf", [items]))).split())
    for a, b in rows:
        assert f"{a} {b}" in text


def test_hyphenated_line_ends_are_mended_but_compounds_kept(tmp_path: Path, sandbox: ParseSandbox) -> None:
    lines = ["The configuration file is read at start. Edit the configu-",
             "ration to change the watering schedule of the well-",
             "known garden. A well-known trick is mulch."]
    text = _text(_parse(sandbox, make_layout_pdf(tmp_path / "hyphen.pdf", [_page("H", "1", lines)])))
    flat = " ".join(text.split())
    assert "Edit the configuration to change" in flat
    assert "the well-known garden" in flat


def test_outline_entries_become_headings_on_their_page(tmp_path: Path, sandbox: ParseSandbox) -> None:
    p1 = [(72, 700, "1 Watering", 16), (72, 670, "Water the beds early in the morning.", BODY)]
    p2 = [(72, 700, "Some text that continues the watering chapter.", BODY),
          (72, 600, "2 Compost", 16), (72, 570, "Turn the compost heap every two weeks.", BODY)]
    pdf = make_layout_pdf(tmp_path / "outline.pdf", [p1, p2], outline=[("Watering", 0, 710), ("Compost", 1, 610)],
                          title="Garden Handbook")
    doc = _parse(sandbox, pdf)
    assert doc["title"] == "Garden Handbook"
    heads = [(b[2], b[3]) for b in doc["blocks"] if b[0] == "heading"]
    assert heads == [(1, "Watering"), (2, "Compost")]
    kinds = [(b[0], b[3][:10]) for b in doc["blocks"] if b[2] == 2]
    assert kinds == [("text", "Some text "), ("heading", "Compost"), ("text", "Turn the c")]


def test_without_an_outline_large_short_lines_are_headings(tmp_path: Path, sandbox: ParseSandbox) -> None:
    body = [f"Line {i} of ordinary body text about planting bulbs in autumn." for i in range(12)]
    items = [(72, 720, "Planting bulbs", 18)] + [(72, 690 - 14 * i, t, BODY) for i, t in enumerate(body)]
    doc = _parse(sandbox, make_layout_pdf(tmp_path / "bulbs.pdf", [items]))
    assert [b[3] for b in doc["blocks"] if b[0] == "heading"] == ["Planting bulbs"]


def test_chunks_carry_the_outline_heading_path(tmp_path: Path, sandbox: ParseSandbox) -> None:
    from engine.docs.chunking import chunk_document

    p1 = [(72, 700, "Watering", 16), (72, 670, "Water the beds early in the morning.", BODY)]
    doc = _parse(sandbox, make_layout_pdf(tmp_path / "c.pdf", [p1], outline=[("Watering", 0, 710)],
                                          title="Garden Handbook"))
    _text_, chunks = chunk_document(doc, 200, 40)
    assert chunks[0].heading == "Watering" and chunks[0].page == 1
    assert "Garden Handbook" in chunks[0].embed_text and "Watering" in chunks[0].embed_text


def test_contents_entries_are_dropped(tmp_path: Path, sandbox: ParseSandbox) -> None:
    toc = [(72, 700 - 14 * i, f"{i + 1}.2 Section about topic {i} . . . . . . . . . . . . . . . . {10 + i}", BODY)
           for i in range(6)]
    body = [(72, 700, "Pruning roses is best done in late winter.", BODY)]
    text = _text(_parse(sandbox, make_layout_pdf(tmp_path / "toc.pdf", [toc, body])))
    assert "Section about topic" not in text and "Pruning roses" in text
