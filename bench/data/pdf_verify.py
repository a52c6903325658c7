#!/usr/bin/env python3
"""Re-check pdf_dev.jsonl against the PDFs in pdf_corpus/ (fetch them with pdf_fetch.py).

For every question, each relevant page is extracted with
`pdftotext -f N -l N <pdf> -` (poppler-utils, default mode, no -layout),
whitespace is collapsed to single spaces and text lower-cased; every
answer_contains string (normalised the same way) must occur in the text of
at least one of the listed pages. Also checks schema, page ranges, and that
no (doc, page) pair is used by two questions. Prints counts per doc/style.
"""
import collections
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

def norm(s):
    return re.sub(r"\s+", " ", s).strip().lower()

_cache = {}

def page_text(doc, n):
    key = (doc, n)
    if key not in _cache:
        out = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(HERE / "pdf_corpus" / doc), "-"],
                             check=True, capture_output=True, text=True).stdout
        _cache[key] = norm(out)
    return _cache[key]

def npages(doc):
    info = subprocess.run(["pdfinfo", str(HERE / "pdf_corpus" / doc)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))

rows = [json.loads(line) for line in open(HERE / "pdf_dev.jsonl", encoding="utf-8") if line.strip()]
errors, used, ids = [], {}, set()
sizes = {}
for r in rows:
    assert set(r) == {"id", "doc", "question", "relevant_pages", "answer_contains", "style"}, r
    assert r["id"] not in ids, r["id"]
    ids.add(r["id"])
    assert r["style"] in ("everyday", "terms"), r
    assert 1 <= len(r["answer_contains"]) <= 3, r
    doc = r["doc"]
    sizes.setdefault(doc, npages(doc))
    for p in r["relevant_pages"]:
        assert 1 <= p <= sizes[doc], (r["id"], p)
        if (doc, p) in used:
            errors.append(f"{r['id']}: page {p} of {doc} already used by {used[(doc, p)]}")
        used[(doc, p)] = r["id"]
    texts = [page_text(doc, p) for p in r["relevant_pages"]]
    for a in r["answer_contains"]:
        if not any(norm(a) in t for t in texts):
            errors.append(f"{r['id']}: {a!r} not found on {doc} pages {r['relevant_pages']}")

c = collections.Counter((r["doc"], r["style"]) for r in rows)
for doc in sorted({r["doc"] for r in rows}):
    tot = c[(doc, "everyday")] + c[(doc, "terms")]
    print(f"{doc:32s} total {tot:3d}  everyday {c[(doc,'everyday')]:3d}  terms {c[(doc,'terms')]:3d}")
s = collections.Counter(r["style"] for r in rows)
print(f"{'ALL':32s} total {len(rows):3d}  everyday {s['everyday']:3d}  terms {s['terms']:3d}")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("OK: all answer_contains strings found on their relevant pages")
