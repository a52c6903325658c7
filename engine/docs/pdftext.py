"""PDF text with PDFium (``pypdfium2``): lines rebuilt from positioned text runs, in reading
order, without running headers, footers and page numbers, with line-end hyphens mended and the
PDF's own outline (bookmarks) turned into headings.

Runs inside the parse worker (see ``formats.py``). Why each step:

* **Lines from runs.** PDFium reports text as runs with boxes; runs that share a baseline form a
  line, read left to right. Spaces come from PDFium's own word breaks or from the gap between
  runs, so words are never glued (pypdf glued most words of one of our dev manuals together).
* **Reading order.** A page whose text falls into two side-by-side columns (a clear vertical
  gutter with wide text on both sides) is read column by column, band by band between
  full-width lines; anything else is read top to bottom, so table rows stay rows.
* **Running headers and footers.** A line in the top or bottom band of a page that repeats on
  several pages (digits ignored: "31 / 278") or is a bare page number is dropped: it is noise in
  every chunk and in BM25.
* **Hyphens.** "configu-" + "ration" is joined when the joined word occurs elsewhere in the
  document and the hyphenated form does not; compounds ("package-version") keep the hyphen.
* **Contents pages.** Table-of-contents entries (dot leaders and a page number) are dropped: as
  search results they crowd out the pages they point to.
* **Headings.** Outline entries are located on their page and become heading blocks, so every
  chunk carries its section trail; without an outline, short lines set clearly larger than the
  body text are taken as headings.

Pages are physical pages (1 = the first page of the file), the number a viewer's page box takes.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HYPHEN = "\ufffe"    # PDFium's mark for a hyphen at a line end (kept until mend_hyphens decides)
BAND = 0.085          # top/bottom share of the page height where running headers/footers live
MIN_REPEATS = 3       # a band line repeated on this many pages is a running header/footer
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
# A table-of-contents entry: dot leaders, then a page number ("2.3 Finding your way . . . . 33").
_TOC_ENTRY = re.compile(r"(?:\.\s?){6,}\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*$", re.I)
_WORD_CHARS = re.compile(r"[A-Za-zÀ-ÿ]+$")
_LEAD_WORD = re.compile(r"^([a-zà-ÿ]+)(.*)$", re.S)
_BULLET = re.compile(r"^(?:[•◦▪‣●○■–—*-]|\d{1,2}[.)]|[a-z][.)])\s")


Run = tuple[float, float, float, float, str]  # top, bottom, left, right, text (top-down y)


@dataclass
class Line:
    top: float        # distance from the top of the page (PDF y grows upwards; we flip it)
    bottom: float
    x0: float
    x1: float
    text: str
    height: float     # median run height: a stand-in for the font size
    heading: tuple[int, str] | None = None   # (level, title) when an outline entry starts here
    run_in: bool = False  # the heading starts this line ("Column The column(x) function ..."): keep the text


@dataclass
class PageText:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


# ---------------------------------------------------------------- lines from PDFium runs

def _runs(textpage: Any, page_h: float) -> list[Run]:
    """PDFium's own text lines (it breaks lines by position) with a box each. One call fetches
    the page's text; boxes come from a line's first and last characters (asking PDFium for the
    text of every run box instead was ~10x slower)."""
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # characters outside the BMP shift offsets: fall back to run boxes
        return _run_boxes(textpage, page_h)
    out = []
    for m in re.finditer(r"[^\r\n]+", text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a >= b:
            continue
        boxes = [textpage.get_charbox(i, loose=True) for i in {a, (a + b) // 2, b - 1}]
        boxes = [bx for bx in boxes if bx[3] > bx[1]] or boxes
        top = max(bx[3] for bx in boxes)
        bottom = min(bx[1] for bx in boxes)
        left = textpage.get_charbox(a, loose=True)[0]
        right = textpage.get_charbox(b - 1, loose=True)[2]
        out.append((page_h - top, page_h - bottom, left, max(left, right), text[a:b]))
    return out


def _run_boxes(textpage: Any, page_h: float) -> list[Run]:
    out = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top)
        if text and text.strip():
            out.append((page_h - top, page_h - bottom, left, right, text))
    return out


def _clean(text: str) -> str:
    # PDFium reports a hyphen at a line end as U+FFFE (or U+0002): whether it is a soft hyphen
    # or part of a compound is decided when the lines are joined (join_lines).
    text = text.replace("\x02", HYPHEN).replace("\r", " ").replace("\n", " ").replace("\x00", "")
    return unicodedata.normalize("NFKC", text.replace("\u00ad", "\x01")).replace("\x01", "\u00ad")


def _group_lines(runs: list[Run]) -> list[Line]:
    """Runs whose vertical extents overlap by half the smaller one sit on one line."""
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: ((r[0] + r[1]) / 2, r[2])):
        top, bottom = run[0], run[1]
        for line in reversed(lines[-3:]):
            lt, lb = min(r[0] for r in line), max(r[1] for r in line)
            overlap = min(bottom, lb) - max(top, lt)
            if overlap >= 0.5 * min(bottom - top, lb - lt):
                line.append(run)
                break
        else:
            lines.append([run])
    out = []
    for line in lines:
        line.sort(key=lambda r: r[2])
        parts: list[str] = []
        prev_right = None
        heights = [r[1] - r[0] for r in line]
        h = statistics.median(heights)
        for _top, _bottom, left, right, text in line:
            text = _clean(text)
            if parts and prev_right is not None and not parts[-1].endswith((" ", "\u00ad")) \
                    and not text.startswith(" ") and left - prev_right > 0.15 * h:
                parts.append(" ")
            parts.append(text)
            prev_right = right
        text = re.sub(r"[ \t]+", " ", "".join(parts)).strip()
        if text:
            out.append(Line(min(r[0] for r in line), max(r[1] for r in line), line[0][2],
                            max(r[3] for r in line), text, h))
    return out


def _gutter(runs: list[Run]) -> float | None:
    """The x of a gutter between two columns of running text, or None (one column, or a table:
    table cells are narrow, column lines are wide). Candidates are the right edges of runs in
    the middle of the text block; the one crossed by the fewest runs wins."""
    if len(runs) < 8:
        return None
    x0 = min(r[2] for r in runs)
    x1 = max(r[3] for r in runs)
    span = max(1.0, x1 - x0)
    edges = sorted({round(r[3], 1) + 0.5 for r in runs if x0 + 0.3 * span <= r[3] <= x0 + 0.7 * span})
    if not edges:
        return None
    crossing, gutter = min((sum(1 for r in runs if r[2] < g < r[3]), g) for g in edges)
    left = [r[3] - r[2] for r in runs if r[3] <= gutter]
    right = [r[3] - r[2] for r in runs if r[2] >= gutter]
    if crossing <= 0.2 * len(runs) and len(left) >= 4 and len(right) >= 4 \
            and statistics.median(left) >= 0.3 * span and statistics.median(right) >= 0.3 * span:
        return gutter
    return None


def _ordered_lines(runs: list[Run]) -> list[Line]:
    """Lines in reading order: two columns are read one after the other, band by band between
    full-width lines; otherwise top to bottom, left to right."""
    def grouped(part: list[Run]) -> list[Line]:
        return sorted(_group_lines(part), key=lambda ln: (round(ln.top, 0), ln.x0))

    gutter = _gutter(runs)
    if gutter is None:
        return grouped(runs)
    out: list[Line] = []
    band_l: list[Run] = []
    band_r: list[Run] = []
    for run in sorted(runs, key=lambda r: (r[0], r[2])):
        if run[2] < gutter < run[3]:  # full width: ends a band
            out += grouped(band_l) + grouped(band_r) + grouped([run])
            band_l, band_r = [], []
        elif run[3] <= gutter:
            band_l.append(run)
        else:
            band_r.append(run)
    return out + grouped(band_l) + grouped(band_r)


# ---------------------------------------------------------------- running headers and footers

def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _in_band(ln: Line, page: PageText) -> bool:
    return ln.bottom <= page.height * BAND or ln.top >= page.height * (1 - BAND)


def _lead(shape: str) -> str:
    return " ".join(shape.split()[:2])


def drop_toc_lines(pages: list[PageText]) -> None:
    """Table-of-contents entries point at content: as search results they only crowd it out."""
    for page in pages:
        page.lines = [ln for ln in page.lines if not _TOC_ENTRY.search(ln.text)]


def drop_running_lines(pages: list[PageText]) -> None:
    """Drop band lines that repeat across pages (whole line, digits ignored), that start like a
    numbered running header repeated on a tenth of the pages ("CHAPTER 5. BASICS ..."), or that
    are bare page numbers."""
    counts: Counter[str] = Counter()
    leads: Counter[str] = Counter()
    for page in pages:
        shapes = {_shape(ln.text) for ln in page.lines if _in_band(ln, page)}
        counts.update(shapes)
        leads.update({_lead(sh) for sh in shapes if "#" in _lead(sh)})
    repeated = {s for s, n in counts.items() if n >= MIN_REPEATS}
    lead_min = max(MIN_REPEATS, len(pages) // 10)
    running_leads = {s for s, n in leads.items() if n >= lead_min}
    for page in pages:
        page.lines = [ln for ln in page.lines
                      if not (_in_band(ln, page) and (_shape(ln.text) in repeated or _lead(_shape(ln.text)) in running_leads
                                                      or _PAGE_NUMBER.match(ln.text.strip())))]


# ---------------------------------------------------------------- headings

def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", unicodedata.normalize("NFKC", text).lower())


def place_outline(pages: list[PageText], outline: list[tuple[int, str, int, float | None]]) -> list[tuple[int, str, int]]:
    """Mark the line where each outline entry (level, title, page index, y) starts: a line that
    is the title (maybe numbered), else a line that begins with it (a run-in heading), else the
    first line at the entry's y. Returns the entries with no line (headings at the page top)."""
    unplaced = []
    for level, title, index, y in outline:
        if not (0 <= index < len(pages)) or not _key(title):
            continue
        page = pages[index]
        want = _key(title)
        title = " ".join(title.split())
        whole, run_in = [], []
        for i, ln in enumerate(page.lines):
            if ln.heading:
                continue
            k = _key(ln.text)
            distance = abs((page.height - y) - ln.top) if y is not None else 0.0
            if k == want or (k.endswith(want) and len(k) - len(want) <= 12) or \
                    (want.startswith(k) and len(k) >= 0.6 * len(want)):
                whole.append((distance, i))
            elif k.startswith(want) and _key(ln.text[:len(title) + 2]).startswith(want):
                run_in.append((distance, i))
        if whole or run_in:
            i = min(whole or run_in)[1]
            page.lines[i].heading = (level + 1, title)
            page.lines[i].run_in = not whole
            continue
        below = [i for i, ln in enumerate(page.lines) if y is not None and ln.top >= page.height - y - 4
                 and not ln.heading]
        if below:
            page.lines[below[0]].heading = (level + 1, title)
            page.lines[below[0]].run_in = True
        else:
            unplaced.append((level + 1, title, index))
    return unplaced


def guess_headings(pages: list[PageText]) -> None:
    """No outline: short lines set at least 20% larger than the body text are headings."""
    heights = [round(ln.height, 1) for p in pages for ln in p.lines for _ in range(max(1, len(ln.text) // 20))]
    if not heights:
        return
    body = Counter(heights).most_common(1)[0][0]
    sizes = sorted({round(ln.height, 1) for p in pages for ln in p.lines if ln.height >= 1.2 * body}, reverse=True)
    level_of = {s: min(i + 1, 6) for i, s in enumerate(sizes[:6])}
    for p in pages:
        for ln in p.lines:
            size = round(ln.height, 1)
            if size in level_of and len(ln.text) <= 90 and not ln.text.rstrip().endswith((".", ",", ";")) \
                    and any(c.isalpha() for c in ln.text):
                ln.heading = (level_of[size], ln.text)


# ---------------------------------------------------------------- hyphens and blocks

def vocabulary(pages: list[PageText]) -> set[str]:
    words: set[str] = set()
    for p in pages:
        for ln in p.lines:
            # words split at a line end are left out: only whole words vouch for a mend
            text = re.sub(r"[A-Za-zÀ-ÿ]*" + HYPHEN + r"\s*[A-Za-zÀ-ÿ]*", " ", ln.text)
            words.update(w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{3,}", text))
            words.update(w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{2,}(?:-[A-Za-zÀ-ÿ]{2,})+", text))
    return words


def join_lines(prev: str, nxt: str) -> str:
    """Join two lines of one paragraph; a hyphen at the line end becomes the HYPHEN mark."""
    if prev.endswith("\u00ad"):
        return prev[:-1] + nxt
    if prev.endswith(HYPHEN) or (prev.endswith("-") and prev[-2:-1].isalpha()):
        return prev[:-1] + HYPHEN + nxt
    return prev + "\n" + nxt


_MARKED = re.compile(r"([A-Za-zÀ-ÿ]*)" + HYPHEN + r"\s*([A-Za-zÀ-ÿ]*)")


def mend_hyphens(text: str, vocab: set[str]) -> str:
    """"configu" + "ration" becomes "configuration" when the document uses that word and not
    the hyphenated form; otherwise the hyphen stays ("well-known", "package-version")."""
    def fix(m: re.Match[str]) -> str:
        head, tail = m.group(1), m.group(2)
        joined = (head + tail).lower()
        if head and tail and tail[0].islower() and joined in vocab and f"{head}-{tail}".lower() not in vocab:
            return head + tail
        return f"{head}-{tail}"
    return _MARKED.sub(fix, text) if HYPHEN in text else text


def page_blocks(page: PageText, vocab: set[str]) -> list[list]:
    """Headings and paragraphs of one page: a paragraph ends at a larger vertical gap, a bullet,
    or a heading."""
    blocks: list[list] = []
    lines = page.lines
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:]) if b.top >= a.bottom - 1]
    usual = statistics.median(gaps) if gaps else 2.0
    current = ""
    prev: Line | None = None

    def flush() -> None:
        nonlocal current
        text = mend_hyphens(current.replace("\u00ad", ""), vocab).strip()
        if text:
            blocks.append(["text", 0, page.number, text])
        current = ""

    for ln in lines:
        if ln.heading:
            flush()
            blocks.append(["heading", ln.heading[0], page.number, ln.heading[1]])
            prev = None
            if not ln.run_in:
                continue
        new_para = prev is None or (ln.top - prev.bottom) > max(usual * 1.8, 0.45 * ln.height) \
            or ln.top < prev.top - 1 or bool(_BULLET.match(ln.text))
        if new_para:
            flush()
            current = ln.text
        else:
            current = join_lines(current, ln.text)
        prev = ln
    flush()
    return blocks


# ---------------------------------------------------------------- the document

def _outline(doc: Any) -> list[tuple[int, str, int, float | None]]:
    out = []
    try:
        for item in doc.get_toc(max_depth=8):
            dest = item.get_dest()
            index = dest.get_index() if dest is not None else None
            if index is None:
                continue
            y = None
            try:
                _mode, view = dest.get_view()
                y = float(view[1]) if len(view) > 1 and view[1] else None
            except Exception:
                pass
            out.append((int(item.level), item.get_title() or "", int(index), y))
    except Exception:  # a broken outline is no reason to refuse the text
        return []
    return out


def read_pages(doc: Any) -> list[PageText]:
    pages = []
    for i in range(len(doc)):
        page = doc[i]
        try:
            width, height = page.get_size()
            textpage = page.get_textpage()
            try:
                lines = _ordered_lines(_runs(textpage, height))
            finally:
                textpage.close()
        finally:
            page.close()
        pages.append(PageText(i + 1, width, height, lines))
    return pages


def extract(path: Path) -> dict[str, Any]:
    """``{"title", "blocks"}`` like every parser in ``formats.py``. Raises what pypdfium2 raises
    (the caller turns it into Skip/Fail)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        pages = read_pages(doc)
        outline = _outline(doc)
        title = ""
        try:
            title = str(doc.get_metadata_dict().get("Title") or "")
        except Exception:
            pass
    finally:
        doc.close()
    drop_running_lines(pages)
    drop_toc_lines(pages)
    unplaced: list[tuple[int, str, int]] = place_outline(pages, outline) if outline else []
    if not outline:
        guess_headings(pages)
    vocab = vocabulary(pages)
    blocks: list[list] = []
    for page in pages:
        for level, text, index in unplaced:
            if index == page.number - 1:
                blocks.append(["heading", level, page.number, text])
        blocks.extend(page_blocks(page, vocab))
    return {"title": " ".join(title.split()), "blocks": blocks}
