"""Structure-aware chunking: headings, paragraphs and pages set the boundaries, a token budget
sets the size, and neighbouring chunks of one section overlap.

The parsed blocks are joined into one document text (blocks separated by a blank line); every
chunk is an exact slice ``text[start:end]`` of it, so offsets in citations are exact. Each
chunk keeps its page (paged formats), its heading trail ("Guide > Install > Linux") and an
``embed_text`` — the chunk prefixed with its context — which is what gets embedded and
keyword-indexed (a paragraph saying "use it like this" is findable by its section title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.docs.textproc import count_tokens

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[\"'(\[A-Z0-9`*_-])")
_LINE_END = re.compile(r"\n+")


@dataclass(frozen=True)
class Chunk:
    text: str
    start: int
    end: int
    page: int | None
    heading: str          # heading trail "A > B > C" ("" when the document has none)
    embed_text: str       # context + text: what the embedder and BM25 see


@dataclass
class _Piece:
    start: int
    end: int
    tokens: int
    trail: tuple[str, ...]
    page: int | None
    heading: bool


def document_text(doc: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
    """Join the blocks into the document text; return it with each block's (start, end)."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for _kind, _level, _page, text in doc.get("blocks", []):
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(text)
        spans.append((pos, pos + len(text)))
        pos += len(text)
    return "".join(parts), spans


def _split_span(text: str, start: int, end: int, budget: int, code: bool) -> list[tuple[int, int]]:
    """Split text[start:end] into pieces of at most ``budget`` tokens at sentence (or line) ends."""
    if count_tokens(text[start:end]) <= budget:
        return [(start, end)]
    boundary = _LINE_END if code else _SENTENCE_END
    cuts = [start] + [m.end() for m in boundary.finditer(text, start, end)] + [end]
    pieces: list[tuple[int, int]] = []
    for a, b in zip(cuts, cuts[1:]):
        if b <= a:
            continue
        if count_tokens(text[a:b]) <= budget:
            pieces.append((a, b))
            continue
        # One enormous sentence or line: cut between words.
        words = [m.end() for m in re.finditer(r"\S+\s*", text[a:b])]
        piece_start, acc = a, 0
        for w_end in words:
            acc += 1
            if acc >= budget * 0.75:
                pieces.append((piece_start, a + w_end))
                piece_start, acc = a + w_end, 0
        if piece_start < b:
            pieces.append((piece_start, b))
    # Trim whitespace so every piece starts and ends on text.
    out = []
    for a, b in pieces:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def _pieces(doc: dict[str, Any], text: str, spans: list[tuple[int, int]], budget: int) -> list[_Piece]:
    stack: list[tuple[int, str]] = []
    out: list[_Piece] = []
    for (kind, level, page, _t), (start, end) in zip(doc.get("blocks", []), spans):
        if kind == "heading":
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, " ".join(text[start:end].split())[:200]))
            trail = tuple(h for _, h in stack)
            out.append(_Piece(start, end, count_tokens(text[start:end]), trail, page, True))
            continue
        trail = tuple(h for _, h in stack)
        for a, b in _split_span(text, start, end, budget, code=kind in ("code", "table")):
            out.append(_Piece(a, b, count_tokens(text[a:b]), trail, page, False))
    return out


# What the embedder and BM25 see before a chunk's text. "title+heading" (document title, then the
# heading trail) is the default; benchmarks switch it to compare levers (bench/retrieval.py).
CONTEXT = "title+heading"


def context_line(title: str, heading: str, page: int | None) -> str:
    if CONTEXT == "heading-or-title+page":  # before v2: the trail, else the title, plus "(page N)"
        context = heading or title
        if page:
            context = f"{context} (page {page})" if context else f"page {page}"
        return context
    # The title adds something only when the trail does not already start with it (a web page's
    # <title> "4. More Control Flow Tools — Python 3.11 documentation" and its <h1> name the same).
    top, low = heading.split(" > ", 1)[0].lower(), title.lower()
    same = top == low or (len(top) >= 8 and top in low) or (len(low) >= 8 and low in top)
    parts = [title] if title and not same else []
    if heading:
        parts.append(heading)
    return " > ".join(parts)


def chunk_document(doc: dict[str, Any], chunk_tokens: int = 200, overlap: int = 40,
                   min_fill: float = 0.5) -> tuple[str, list[Chunk]]:
    """Chunk a parsed document. A heading starts a new chunk once the current one is at least
    ``min_fill`` full (small sections merge with the next); a new page always starts one."""
    text, spans = document_text(doc)
    title = " ".join(str(doc.get("title") or "").split())
    pieces = _pieces(doc, text, spans, chunk_tokens)
    chunks: list[Chunk] = []
    current: list[_Piece] = []
    fresh = 0  # pieces in `current` that are not overlap carried from the previous chunk

    def emit() -> None:
        body = [p for p in current if not p.heading] or current
        first = current[0]
        start, end = first.start, current[-1].end
        trail = body[0].trail  # the section the text belongs to (leading headings included)
        heading = " > ".join(trail)
        context = context_line(title, heading, first.page)
        chunk_text = text[start:end]
        chunks.append(Chunk(chunk_text, start, end, first.page, heading,
                            f"{context}\n{chunk_text}" if context else chunk_text))

    for piece in pieces:
        size = sum(p.tokens for p in current)
        new_page = bool(current) and piece.page != current[0].page
        at_heading = piece.heading and size >= chunk_tokens * min_fill
        too_big = size + piece.tokens > chunk_tokens
        if current and fresh and (new_page or at_heading or too_big):
            # Never leave a heading dangling at the end of a chunk: it belongs to what follows.
            carry: list[_Piece] = []
            while len(current) > 1 and current[-1].heading:
                carry.insert(0, current.pop())
            emit()
            if carry or new_page or piece.heading:
                current = carry
            else:  # same section continues: carry the last sentences as overlap
                tail: list[_Piece] = []
                budget = overlap
                for p in reversed(current):
                    if p.heading or p.tokens > budget or p.trail != piece.trail:
                        break
                    tail.insert(0, p)
                    budget -= p.tokens
                current = tail
            fresh = len(carry)
        current.append(piece)
        fresh += 1
    if current and fresh:
        emit()
    return text, chunks
