"""Consistency checks the fault scenarios run in a fresh process (``python -m tests.support.faults_check``).

A fresh process each time: chromadb caches open stores per process, and the checker must see
what is on disk after a kill, not what an earlier check remembered. Prints one JSON object.

    index HOME COLLECTION   manifest vs chromadb vs BM25 for one collection
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def check_index(home: Path, name: str) -> dict:
    import chromadb
    from chromadb.config import Settings

    from engine.config import DocumentSettings
    from engine.docs.manifest import Manifest
    from engine.docs.service import DocumentService
    from engine.net import enforce_offline_defaults
    from engine.paths import Paths

    enforce_offline_defaults()
    paths = Paths(home, home / "data", home / "logs")
    manifest = Manifest(paths.index_dir / "manifest.sqlite3")
    try:
        integrity = manifest.db.execute("PRAGMA integrity_check").fetchone()[0]
        coll = manifest.collection(name)
        if coll is None:
            return {"exists": False, "integrity": integrity}
        files = manifest.files(coll.id)
        expected: set[str] = set()
        for path, rec in files.items():
            if rec.status == "indexed":
                expected.update(manifest.chunk_ids(coll.id, path))
        state = coll.job_state
    finally:
        manifest.close()
    client = chromadb.PersistentClient(path=str(paths.index_dir / "chroma"),
                                       settings=Settings(anonymized_telemetry=False, allow_reset=False))
    try:
        stored = set(client.get_collection(f"hearth-c{coll.id}").get(include=[])["ids"])
    except Exception as exc:  # noqa: BLE001 - no vectors yet (killed before the first upsert)
        stored = set()
        if expected:
            return {"exists": True, "error": f"chroma collection unreadable: {type(exc).__name__}: {exc}"}
    with DocumentService(paths, DocumentSettings()) as docs:
        row = docs._collection_r(name)
        bm25 = set(docs._keyword_index(row).ids)
    return {"exists": True, "integrity": integrity, "state": state,
            "files_indexed": sum(1 for r in files.values() if r.status == "indexed"),
            "files_failed": sum(1 for r in files.values() if r.status == "failed"),
            "manifest_chunks": len(expected), "chroma_chunks": len(stored),
            "committed_without_vectors": len(expected - stored),
            "vectors_without_manifest": len(stored - expected),
            "bm25_mismatch": len(bm25 ^ expected)}


def main(argv: list[str]) -> int:
    if argv[:1] == ["index"]:
        print(json.dumps(check_index(Path(argv[1]), argv[2])))
        return 0
    print(json.dumps({"error": f"unknown check {argv!r}"}))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
