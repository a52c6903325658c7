"""From ranked chunks to cited passages: neighbouring chunks of one file and page become one
passage, their overlap counted once, and a citation's text is rebuilt from the chunks around it.

Pure functions over manifest rows (no index, no embedder); engine/docs/service.py calls them.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.docs.manifest import ChunkRow

# Ranked neighbours of one file merge into one passage of at most this many chunks. On the dev
# set answer-in-top-5 goes 0.85 (1) -> 0.90 (2) -> 0.95 (3); 2 keeps passages near 300 tokens.
MAX_PASSAGE_CHUNKS = 2
# Paged documents: one result per page (see merge_adjacent).
SAME_PAGE = False


@dataclass(frozen=True)
class Passage:
    """A cited passage with the text around it, for showing a citation in place."""
    path: str
    page: int | None
    heading: str
    text: str                   # the cited span with up to ``context`` characters either side
    highlight: tuple[int, int]  # the cited span's offsets inside ``text``


def merge_adjacent(ranked: list[tuple[ChunkRow, float]], top_k: int) -> list[list[tuple[ChunkRow, float]]]:
    """Group ranked chunks so neighbours of one file and page become one passage (in reading
    order); a group ranks where its best chunk ranked. Returns at most ``top_k`` groups. Two
    overlapping neighbours shown separately waste a result slot and repeat the overlap. With
    ``SAME_PAGE`` a paged document's page is one result: a further chunk of a page already
    listed joins it (while there is room) or is left out, so five results are five pages."""
    groups: list[list[tuple[ChunkRow, float]]] = []
    for row, score in ranked:
        placed = False
        for g in groups:
            first = g[0][0]
            if first.path != row.path or first.page != row.page:
                continue
            ords = [r.ord for r, _ in g]
            adjacent = row.ord == min(ords) - 1 or row.ord == max(ords) + 1
            if len(g) < MAX_PASSAGE_CHUNKS and (adjacent or (SAME_PAGE and row.page is not None)):
                g.append((row, score))
                g.sort(key=lambda rs: rs[0].ord)
                placed = True
                break
            if SAME_PAGE and row.page is not None:
                placed = True  # the page is listed already: no second slot for it
                break
        if placed or len(groups) == top_k:
            continue
        groups.append([(row, score)])
    return groups


def join_chunks(rows: list[ChunkRow]) -> tuple[str, int, int]:
    """The document text covered by consecutive chunks (their overlap counted once)."""
    text, end = rows[0].text, rows[0].end
    for r in rows[1:]:
        text += r.text[end - r.start:] if r.start <= end else "\n\n" + r.text
        end = max(end, r.end)
    return text, rows[0].start, end


def passage_from_rows(path: str, rows: list[ChunkRow], start: int, end: int) -> Passage | None:
    """The text of ``path`` that ``rows`` (its chunks around [start, end)) cover, with [start,
    end) highlighted. Chunk texts are exact slices of the document text, so neighbouring chunks
    rebuild it; gaps between chunks are block breaks. None when no row has text."""
    rows = [r for r in rows if r.end > r.start]
    if not rows:
        return None
    base, top = rows[0].start, max(r.end for r in rows)
    buf = ["\n"] * (top - base)
    for r in rows:
        buf[r.start - base:r.start - base + len(r.text)] = r.text
    text = "".join(buf)
    cited = next((r for r in rows if r.start <= start < r.end), rows[0])
    lo, hi = max(0, start - base), max(0, min(len(text), end - base))
    return Passage(path, cited.page, cited.heading, text, (lo, max(lo, hi)))
