"""A library of 10,000 files: time to index, memory, re-index after touching 1 %, query p95.

    .venv/bin/python bench/scale.py [--files 10000] [--dir DIR] [--queries 60]

Generates (once, reused: deterministic) a folder of files of mixed formats and sizes — plain
text, Markdown, HTML, CSV, JSON and small PDFs; most a few KB, some tens of KB, a few near
1 MB — from an English word list, then indexes it through the real pipeline (DocumentService:
sandboxed parsing, chunking, the embedder, chromadb, the manifest) while a sampler thread
records the resident memory of this process and of its parse worker every half second.

Reported:
* ``index_s``, ``files_per_s``, ``chunks_per_s``, ``mb_per_s``;
* ``peak_rss_mb`` (this process) and ``peak_worker_rss_mb`` (the parse worker), and RSS at 10 %,
  25 %, 50 %, 75 % and 100 % of the bytes: flat memory means the later figures stay near the
  earlier ones (the vector index itself grows by ~1.5 KB per chunk);
* ``reindex_1pct_s``: 1 % of the files get a sentence appended, then ``reindex``;
  ``reindex_embedded_chunks`` / ``reindex_reused_chunks`` show that unchanged chunks of a
  changed file keep their vectors;
* ``query_p50_ms``/``query_p95_ms`` of hybrid search at this size, with the query embedding and
  without it (``search_only_*``); the first query (which builds the BM25 index) separately.

Writes bench/out/scale.json; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FORMATS = [(".txt", 0.38), (".md", 0.25), (".html", 0.15), (".csv", 0.08), (".json", 0.07), (".pdf", 0.07)]


def vocabulary() -> list[str]:
    try:
        from wordfreq import top_n_list

        return [w for w in top_n_list("en", 6000) if w.isalpha() and len(w) > 2][:4000]
    except Exception:  # no word list: the repo's own prose
        text = " ".join(p.read_text(errors="replace") for p in (REPO / "docs").glob("*.md"))
        return sorted({w.lower() for w in text.split() if w.isalpha() and len(w) > 2})


def sentence(rng: random.Random, vocab: list[str]) -> str:
    words = rng.choices(vocab, k=rng.randint(8, 20))
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, vocab: list[str]) -> str:
    return " ".join(sentence(rng, vocab) for _ in range(rng.randint(2, 6)))


def size_for(rng: random.Random) -> int:
    """Text bytes of one file: most are notes of a few hundred bytes, a tenth are a few KB, one
    in a hundred is a long document (about 2.2 KB on average: ~22 MB of text for 10,000 files)."""
    r = rng.random()
    if r < 0.90:
        return rng.randint(200, 1500)
    if r < 0.99:
        return rng.randint(1500, 12_000)
    return rng.randint(12_000, 150_000)


def pdf_bytes(pages: list[str]) -> bytes:
    """A small valid PDF, one Helvetica text page per entry."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {5 + 2 * i} 0 R >>".encode())
        words, lines, line = text.split(), [], []
        for w in words:
            line.append(w)
            if len(" ".join(line)) > 80:
                lines.append(" ".join(line))
                line = []
        lines.append(" ".join(line))
        ops = ["BT /F1 10 Tf 60 740 Td 13 TL"] + [f"({esc(ln)}) Tj T*" for ln in lines[:54]] + ["ET"]
        stream = "\n".join(ops).encode("latin-1", errors="replace")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_file(path: Path, ext: str, target: int, rng: random.Random, vocab: list[str]) -> None:
    paras: list[str] = []
    total = 0
    while total < target:
        p = paragraph(rng, vocab)
        paras.append(p)
        total += len(p) + 2
    title = " ".join(rng.choices(vocab, k=3)).title()
    if ext == ".md":
        body = f"# {title}\n\n" + "\n\n".join((f"## {' '.join(rng.choices(vocab, k=2)).title()}\n\n" if i % 4 == 0 else "")
                                              + p for i, p in enumerate(paras))
        path.write_text(body)
    elif ext == ".html":
        body = "".join((f"<h2>{' '.join(rng.choices(vocab, k=2))}</h2>" if i % 4 == 0 else "") + f"<p>{p}</p>"
                       for i, p in enumerate(paras))
        path.write_text(f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>")
    elif ext == ".csv":
        rows = ["id,name,notes"] + [f"{i},{rng.choice(vocab)},{sentence(rng, vocab)}"
                                    for i in range(max(1, target // 90))]
        path.write_text("\n".join(rows) + "\n")
    elif ext == ".json":
        path.write_text(json.dumps({"title": title, "items": [{"n": i, "text": p} for i, p in enumerate(paras)]}))
    elif ext == ".pdf":
        pages = [" ".join(paras[i:i + 3]) for i in range(0, min(len(paras), 30), 3)] or [title]
        path.write_bytes(pdf_bytes(pages))
    else:
        path.write_text(f"{title}\n\n" + "\n\n".join(paras) + "\n")


def generate(root: Path, n: int, seed: int = 7) -> dict:
    stamp = root / ".complete"
    if stamp.exists() and json.loads(stamp.read_text()).get("files") == n:
        return json.loads(stamp.read_text())
    rng = random.Random(seed)
    vocab = vocabulary()
    exts = [e for e, _ in FORMATS]
    weights = [w for _, w in FORMATS]
    total = 0
    for i in range(n):
        folder = root / f"d{i // 250:03d}" / f"s{(i // 25) % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        ext = rng.choices(exts, weights)[0]
        path = folder / f"f{i:05d}{ext}"
        write_file(path, ext, size_for(rng), rng, vocab)
        total += path.stat().st_size
    info = {"files": n, "bytes": total, "seed": seed}
    stamp.write_text(json.dumps(info))
    return info


class Sampler(threading.Thread):
    """RSS of this process and of its children (the parse worker), every ``every`` seconds."""

    def __init__(self, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process()
        self.every = every
        self.samples: list[tuple[float, float, float, float]] = []  # (t, fraction done, rss MB, children MB)
        self.fraction = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            try:
                rss = self.proc.memory_info().rss / 2**20
                kids = sum(c.memory_info().rss for c in self.proc.children(recursive=True)) / 2**20
            except Exception:
                continue
            self.samples.append((time.perf_counter(), self.fraction, rss, kids))

    def stop(self) -> None:
        self._halt.set()
        self.join()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--dir", default=str(REPO / "bench" / "out" / "scale-corpus"))
    ap.add_argument("--home", default=None, help="HEARTH_HOME (default: a fresh folder under bench/out)")
    ap.add_argument("--queries", type=int, default=60)
    args = ap.parse_args()

    root = Path(args.dir) / str(args.files)
    t = time.perf_counter()
    info = generate(root, args.files)
    print(f"corpus: {info['files']} files, {info['bytes'] / 2**20:.1f} MB ({time.perf_counter() - t:.0f} s)",
          file=sys.stderr)
    home = Path(args.home or REPO / "bench" / "out" / f"home-scale-{args.files}")
    if home.exists() and not args.home:
        import shutil

        shutil.rmtree(home)
    os.environ["HEARTH_HOME"] = str(home)
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    from engine.docs.service import DocumentService

    service = DocumentService()
    service.embedder.embed(["warm up"])  # model load is not indexing time
    sampler = Sampler()
    sampler.start()
    rss_start = sampler.proc.memory_info().rss / 2**20

    def progress(p) -> None:  # type: ignore[no-untyped-def]
        if p.bytes_total:
            sampler.fraction = p.bytes_done / p.bytes_total

    t0 = time.perf_counter()
    report = service.add("scale", [str(root)], progress=progress)
    index_s = time.perf_counter() - t0
    sampler.fraction = 1.0
    time.sleep(1.0)
    sampler.stop()
    chunks = service.status("scale").chunks
    at = {}
    for mark in (0.10, 0.25, 0.50, 0.75, 1.0):
        got = [s for s in sampler.samples if s[1] >= mark]
        if got:
            at[f"{int(mark * 100)}%"] = round(got[0][2], 1)
    print(f"indexed {report.indexed} files ({len(report.failed)} failed, {len(report.skipped)} skipped), "
          f"{chunks} chunks in {index_s:.0f} s; RSS {at}", file=sys.stderr)

    # touch 1 %: append a sentence to evenly spread plain-text and Markdown files
    rng = random.Random(11)
    vocab = vocabulary()
    target = max(1, args.files // 100)
    candidates = sorted(p for p in root.rglob("*") if p.suffix in (".txt", ".md"))
    picked = candidates[::max(1, len(candidates) // target)][:target]
    originals = {path: path.read_bytes() for path in picked}  # put back at the end: the corpus is reused
    for path in picked:
        with open(path, "a") as fh:
            fh.write("\n\n" + sentence(rng, vocab) + "\n")
    touched = len(picked)
    t1 = time.perf_counter()
    again = service.reindex("scale")
    reindex_s = time.perf_counter() - t1
    job_stats = {"reused": again.chunks_reused}
    print(f"re-index after touching {touched} files: {reindex_s:.1f} s, {again.indexed} files, "
          f"{again.chunks_added} chunks ({job_stats.get('reused')} kept their vectors)", file=sys.stderr)

    # queries: a sentence fragment from random files (what a person half remembers)
    files = sorted(p for p in root.rglob("*.txt"))
    qrng = random.Random(5)
    queries = []
    for p in qrng.sample(files, min(args.queries, len(files))):
        words = p.read_text().split()
        start = qrng.randrange(0, max(1, len(words) - 8))
        queries.append(" ".join(words[start:start + 7]))
    t2 = time.perf_counter()
    service.search("scale", queries[0], top_k=5)
    first_query_ms = (time.perf_counter() - t2) * 1000
    full, search_only = [], []
    for q in queries:
        t3 = time.perf_counter()
        vec = service.embedder.embed_query(q)
        t4 = time.perf_counter()
        service.search("scale", q, top_k=5, query_embedding=vec)
        t5 = time.perf_counter()
        full.append((t5 - t3) * 1000)
        search_only.append((t5 - t4) * 1000)

    for path, data in originals.items():
        path.write_bytes(data)
    peak = max(s[2] for s in sampler.samples) if sampler.samples else rss_start
    out = {
        "name": "scale", "files": info["files"], "corpus_mb": round(info["bytes"] / 2**20, 1),
        "indexed": report.indexed, "failed": len(report.failed), "skipped": len(report.skipped), "chunks": chunks,
        "index_s": round(index_s, 1), "files_per_s": round(report.indexed / index_s, 2),
        "chunks_per_s": round(chunks / index_s, 1), "mb_per_s": round(info["bytes"] / 2**20 / index_s, 3),
        "rss_start_mb": round(rss_start, 1), "peak_rss_mb": round(peak, 1),
        "peak_worker_rss_mb": round(max((s[3] for s in sampler.samples), default=0.0), 1),
        "rss_at_bytes_done_mb": at,
        "touched_files": touched, "reindex_1pct_s": round(reindex_s, 1), "reindex_files": again.indexed,
        "reindex_embedded_chunks": again.chunks_added - job_stats.get("reused", 0),
        "reindex_reused_chunks": job_stats.get("reused", 0),
        "first_query_ms": round(first_query_ms, 1),
        "query_p50_ms": round(pct(full, 0.5), 1), "query_p95_ms": round(pct(full, 0.95), 1),
        "search_only_p50_ms": round(pct(search_only, 0.5), 1), "search_only_p95_ms": round(pct(search_only, 0.95), 1),
        "queries": len(full),
    }
    (REPO / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (REPO / "bench" / "out" / "scale.json").write_text(json.dumps(out, indent=2))
    service.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
