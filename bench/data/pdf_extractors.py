"""Compare PDF text extractors on the PDF development set (text quality and speed, no retrieval).

    .venv/bin/python bench/data/pdf_extractors.py [--corpus DIR]

Extractors: ``pypdf`` (``page.extract_text()``, Hearth's extractor before v2), ``pdfium-raw``
(pypdfium2's page text as is) and ``hearth`` (``engine.docs.pdftext``: PDFium plus reading order,
running headers/footers dropped, hyphens mended, outline headings). Per extractor:

* ``answer_strings_found``: share of the set's ``answer_contains`` strings found (whitespace
  collapsed, NFKC, lower case) in the extractor's text of the question's labelled page(s). The
  strings were checked against poppler's ``pdftotext``; an extractor that glues words, splits
  them or loses text misses them.
* ``word_recall_vs_pdftotext``: share of poppler's words (4+ letters) on every page that appear
  as words in the extractor's text of that page: glued words ("Theexecutablescript") drop it.
* ``seconds`` and ``pages_per_s``: extraction time on this machine (parse only).

pdftotext (poppler, GPL) is only the yardstick here, never a dependency of Hearth.
Writes bench/out/pdf_extractors.json; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]{4,}", unicodedata.normalize("NFKC", text).lower())


def pages_pypdf(path: Path) -> dict[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return {i: page.extract_text() or "" for i, page in enumerate(reader.pages, start=1)}


def pages_pdfium_raw(path: Path) -> dict[int, str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    out = {}
    for i in range(len(doc)):
        tp = doc[i].get_textpage()
        out[i + 1] = tp.get_text_range()
    return out


def pages_hearth(path: Path) -> dict[int, str]:
    from engine.docs import pdftext

    out: dict[int, list[str]] = defaultdict(list)
    for _kind, _level, page, text in pdftext.extract(path)["blocks"]:
        out[page].append(text)
    return {p: "\n\n".join(t) for p, t in out.items()}


def pages_pdftotext(path: Path) -> dict[int, str]:
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return {i: t for i, t in enumerate(text.split("\f"), start=1)}


EXTRACTORS = {"pypdf": pages_pypdf, "pdfium-raw": pages_pdfium_raw, "hearth": pages_hearth}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(HERE / "pdf_corpus"))
    ap.add_argument("--dev", default=str(HERE / "pdf_dev.jsonl"))
    ap.add_argument("--extractors", default=",".join(EXTRACTORS))
    args = ap.parse_args()
    corpus = Path(args.corpus)
    questions = [json.loads(line) for line in Path(args.dev).read_text().splitlines() if line.strip()]
    docs = sorted({q["doc"] for q in questions})
    reference = {d: pages_pdftotext(corpus / d) for d in docs}
    out: dict = {"name": "pdf_extractors", "docs": docs, "extractors": {}}
    for name in args.extractors.split(","):
        fn = EXTRACTORS[name]
        seconds, pages = 0.0, 0
        found = total = 0
        ref_words = hit_words = 0
        per_doc = {}
        for d in docs:
            t0 = time.perf_counter()
            text = fn(corpus / d)
            took = time.perf_counter() - t0
            seconds += took
            pages += len(reference[d])
            d_found = d_total = 0
            for q in (q for q in questions if q["doc"] == d):
                page_text = norm(" ".join(text.get(p, "") for p in q["relevant_pages"]))
                for a in q["answer_contains"]:
                    d_total += 1
                    d_found += int(norm(a) in page_text)
            d_ref = d_hit = 0
            for p, ref in reference[d].items():
                mine = set(words(text.get(p, "")))
                ws = words(ref)
                d_ref += len(ws)
                d_hit += sum(1 for w in ws if w in mine)
            found, total, ref_words, hit_words = found + d_found, total + d_total, ref_words + d_ref, hit_words + d_hit
            per_doc[d] = {"answer_strings_found": round(d_found / max(1, d_total), 3),
                          "word_recall_vs_pdftotext": round(d_hit / max(1, d_ref), 4), "seconds": round(took, 2)}
        out["extractors"][name] = {"answer_strings_found": round(found / max(1, total), 3),
                                   "word_recall_vs_pdftotext": round(hit_words / max(1, ref_words), 4),
                                   "seconds": round(seconds, 1), "pages_per_s": round(pages / seconds, 1),
                                   "per_doc": per_doc}
        print(f"{name:11s} answers {found}/{total}  word recall {hit_words / max(1, ref_words):.4f}  "
              f"{seconds:.1f} s ({pages / seconds:.1f} pages/s)", file=sys.stderr)
        for d, r in per_doc.items():
            print(f"    {d:30s} {r}", file=sys.stderr)
    (REPO / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (REPO / "bench" / "out" / "pdf_extractors.json").write_text(json.dumps(out, indent=2))
    print(json.dumps({k: {m: v[m] for m in ("answer_strings_found", "word_recall_vs_pdftotext", "pages_per_s")}
                      for k, v in out["extractors"].items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
