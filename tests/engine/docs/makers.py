"""Build real test documents in tmp_path: PDFs (hand-written PDF syntax, read by pypdf),
DOCX (python-docx), zip bombs, and so on. Nothing here is a mock: every file is a real file
of its format."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(path: Path, pages: list[str], *, compress: bool = False, raw_stream: bytes | None = None,
             deflated_stream: bytes | None = None) -> Path:
    """A minimal valid PDF with one Helvetica text page per entry (lines split on \\n)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3
    first_page_id = 4
    kids = " ".join(f"{first_page_id + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        content_id = first_page_id + 2 * i + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font_id} 0 R >> >> "
                       f"/Contents {content_id} 0 R >>".encode())
        if raw_stream is not None:
            stream = raw_stream
        else:
            ops = ["BT /F1 12 Tf 72 720 Td 14 TL"]
            for line in text.split("\n"):
                ops.append(f"({_pdf_escape(line)}) Tj T*")
            ops.append("ET")
            stream = "\n".join(ops).encode("latin-1")
        if deflated_stream is not None:
            data = deflated_stream
            objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        elif compress:
            data = zlib.compress(stream, 9)
            objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        else:
            objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def deflated_bomb(megabytes: int) -> bytes:
    """A content stream that inflates to ``megabytes`` MB of blanks after one text operator,
    compressed piecewise so building it needs little memory (about 1 KB per MB)."""
    co = zlib.compressobj(9)
    parts = [co.compress(b"BT /F1 12 Tf (a) Tj ET\n")]
    block = b" " * (1 << 20)
    parts.extend(co.compress(block) for _ in range(megabytes))
    parts.append(co.flush())
    return b"".join(parts)


def encrypt_pdf(src: Path, dst: Path, password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Garden Handbook", level=1)
    d.add_paragraph("This handbook explains how the community garden is run.")
    d.add_heading("Watering rota", level=2)
    d.add_paragraph("Tomatoes are watered every evening by the person on the rota.")
    table = d.add_table(rows=3, cols=2)
    for r, (day, who) in enumerate([("Day", "Volunteer"), ("Monday", "Ingrid"), ("Tuesday", "Oskar")]):
        table.cell(r, 0).text = day
        table.cell(r, 1).text = who
    d.add_heading("Compost", level=2)
    d.add_paragraph("Compost bins are turned on the first Saturday of the month.")
    d.save(str(path))
    return path


def make_zip_bomb_docx(path: Path, src_docx: Path, megabytes: int = 100) -> Path:
    """A docx whose extra part inflates to ``megabytes`` of zeros (ratio ~1000:1)."""
    with zipfile.ZipFile(src_docx) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        block = b"\0" * (1 << 20)
        with zout.open("word/media/bomb.bin", "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(block)
    return path


def make_layout_pdf(path: Path, pages: list[list[tuple[float, float, str, float]]],
                    outline: list[tuple[str, int, float]] = (), title: str = "") -> Path:  # type: ignore[assignment]
    """A PDF with text placed at positions: each page is a list of (x, y, text, font size) on a
    612x792 page (y from the bottom, as in PDF). ``outline`` lists bookmarks as
    (title, page index, y): one flat level, each pointing at its page and height."""
    objects: list[bytes] = []
    n = len(pages)
    page_ids = [4 + 2 * i for i in range(n)]
    first_outline = 4 + 2 * n
    catalog = b"<< /Type /Catalog /Pages 2 0 R" + (f" /Outlines {first_outline} 0 R".encode() if outline else b"") + b" >>"
    objects.append(catalog)
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {n} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, items in enumerate(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {page_ids[i] + 1} 0 R >>".encode())
        ops = [f"BT /F1 {size:g} Tf 1 0 0 1 {x:g} {y:g} Tm ({_pdf_escape(text)}) Tj ET" for x, y, text, size in items]
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    if outline:
        items_ids = [first_outline + 1 + k for k in range(len(outline))]
        objects.append(f"<< /Type /Outlines /First {items_ids[0]} 0 R /Last {items_ids[-1]} 0 R "
                       f"/Count {len(outline)} >>".encode())
        for k, (text, page_index, y) in enumerate(outline):
            links = (f" /Prev {items_ids[k - 1]} 0 R" if k else "") + \
                    (f" /Next {items_ids[k + 1]} 0 R" if k + 1 < len(outline) else "")
            objects.append(f"<< /Title ({_pdf_escape(text)}) /Parent {first_outline} 0 R{links} "
                           f"/Dest [{page_ids[page_index]} 0 R /XYZ 0 {y:g} 0] >>".encode())
    info_id = len(objects) + 1
    objects.append(f"<< /Title ({_pdf_escape(title)}) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    path.write_bytes(bytes(out))
    return path
