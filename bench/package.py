"""The packaged app: start-up against the source install, its size, and its embedder's speed.

Start-up: the frozen app (PyInstaller one-folder) against the source install, on the same work.

Each command runs in a fresh process, interleaved frozen/source over several rounds, with the
same settings (one llama.cpp thread, short answers) and its own HEARTH_HOME; the medians and the
ratio frozen/source are reported. Commands: `hearth --version` (start-up), `hearth doctor
--skip-llama --json`, `hearth ask` (start-up + model load + one short answer), and
`hearth-desktop --smoke` (time until the window is shown, as the app measures it).

Size: the folder (by part, packaging/sizes.py) and the .tar.zst download.

Embedder: the app embeds through ONNX Runtime; on the same passages (Python docs from
../shared/corpus when present, else the model card), interleaved rounds, medians: plain
`SentenceTransformer.encode` (torch), the ONNX graph, and an int8 dynamically quantised graph,
with each one's smallest cosine to torch's vectors and how many queries keep torch's top 5.

Needs `make package` first (dist/hearth) for the start-up and size parts; the embedder part
runs without it. Writes bench/out/package.json; the last line of stdout is the JSON result.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DIST = REPO / "dist" / "hearth"
CORPUS = REPO.parent / "shared" / "corpus" / "python-docs-3.11"
QUERIES = ["how do I define a function with default arguments", "reading and writing files",
           "handling exceptions with try and except", "classes and inheritance", "virtual environments and pip",
           "formatting strings", "importing modules from a package", "list comprehensions", "sorting a list",
           "what is a generator"]
VENV_BIN = Path(sys.executable).parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))

COMMANDS = {
    "version": ["--version"],
    "doctor": ["doctor", "--skip-llama", "--json"],
    "ask": ["ask", "--quiet", "Say hello in five words."],
}


def _env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "HEARTH_HOME": str(home / "hearth"),
            "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}


def _prepare(home: Path) -> None:
    (home / "hearth").mkdir(parents=True, exist_ok=True)
    (home / "hearth" / "config.toml").write_text(
        "[model]\nn_threads = 1\nmax_tokens = 16\ntemperature = 0.0\nseed = 1\n"
        "[appearance]\nwelcomed = true\n", encoding="utf-8")


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed, proc.stdout


def _passages(n: int = 128) -> list[str]:
    from engine.docs.embedder import resolve_location

    files = sorted(CORPUS.rglob("*.html")) if CORPUS.is_dir() else [
        Path(resolve_location("all-MiniLM-L6-v2")) / "README.md"]
    words: list[str] = []
    for f in files:
        text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", f.read_text(encoding="utf-8"), flags=re.S)
        words += html.unescape(text).split()
        if len(words) > n * 120:
            break
    return [" ".join(words[i:i + 120]) for i in range(0, min(len(words), n * 120), 120)]


def bench_embedder(rounds: int) -> dict:
    """Seconds to embed the same passages: torch, ONNX fp32, ONNX int8 (medians of interleaved rounds)."""
    import numpy as np
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    from engine.docs.embedder import resolve_location
    from engine.docs.onnx_embedder import OnnxSentenceModel, find_onnx_model

    location = resolve_location("all-MiniLM-L6-v2")
    graph = find_onnx_model("all-MiniLM-L6-v2", location)
    if graph is None:
        return {"skipped": "no ONNX export found (make install exports one)"}
    texts = _passages()
    with tempfile.TemporaryDirectory() as tmp:
        # int8 from a float32 export (the shipped graph stores float16 weights behind Casts,
        # which dynamic quantisation would leave alone)
        spec = importlib.util.spec_from_file_location("export_onnx", REPO / "packaging" / "export_onnx.py")
        exporter = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(exporter)  # type: ignore[union-attr]
        fp32, int8 = Path(tmp) / "model-fp32.onnx", Path(tmp) / "model-int8.onnx"
        exporter._export(Path(location), fp32)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        models = {"torch": SentenceTransformer(location, device="cpu", local_files_only=True),
                  "onnx": OnnxSentenceModel(location, graph), "onnx_int8": OnnxSentenceModel(location, int8)}
        times: dict[str, list[float]] = {k: [] for k in models}
        vecs, qvecs = {}, {}
        for name, m in models.items():  # warm up, and the vectors compared below
            vecs[name] = m.encode(texts, batch_size=64, normalize_embeddings=True)
            qvecs[name] = m.encode(QUERIES, batch_size=64, normalize_embeddings=True)
        for _ in range(rounds):
            for name, m in models.items():
                t0 = time.perf_counter()
                m.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                         show_progress_bar=False)
                times[name].append(time.perf_counter() - t0)
        int8_bytes = int8.stat().st_size
    med = {k: statistics.median(v) for k, v in times.items()}
    ref_top = [list(np.argsort(-(vecs["torch"] @ q))[:5]) for q in qvecs["torch"]]
    out: dict = {"passages": len(texts), "rounds": rounds, "median_s": {k: round(v, 3) for k, v in med.items()},
                 "speedup_vs_torch": {k: round(med["torch"] / v, 3) for k, v in med.items()},
                 "graph_bytes": {"onnx": graph.stat().st_size, "onnx_int8": int8_bytes}}
    for name in ("onnx", "onnx_int8"):
        cos = (vecs[name] * vecs["torch"]).sum(1)
        top = [list(np.argsort(-(vecs[name] @ q))[:5]) for q in qvecs[name]]
        out[name] = {"min_cosine_vs_torch": round(float(cos.min()), 6),
                     "queries_with_same_top5": f"{sum(a == b for a, b in zip(top, ref_top))}/{len(QUERIES)}"}
    return out


def bundle_size() -> dict:
    spec = importlib.util.spec_from_file_location("sizes", REPO / "packaging" / "sizes.py")
    sizes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sizes)  # type: ignore[union-attr]
    measured = sizes.measure(DIST)
    archives = sorted((REPO / "dist").glob("hearth-*.tar.zst"))
    return {"folder_bytes": measured["total_bytes"], "parts_bytes": measured["parts"],
            "archive": archives[-1].name if archives else None,
            "archive_bytes": archives[-1].stat().st_size if archives else None}


def bench_startup() -> dict:
    builds = {"frozen": (DIST / "hearth", DIST / "hearth-desktop"),
              "source": (VENV_BIN / "hearth", VENV_BIN / "hearth-desktop")}
    times: dict[str, dict[str, list[float]]] = {b: {} for b in builds}
    shown: dict[str, list[float]] = {b: [] for b in builds}
    with tempfile.TemporaryDirectory() as tmp:
        homes = {b: Path(tmp) / b for b in builds}
        for b in builds:
            _prepare(homes[b])
        for _ in range(ROUNDS):
            for build, (cli, desktop) in builds.items():
                env = _env(homes[build])
                for name, args in COMMANDS.items():
                    elapsed, _ = _timed([str(cli), *args], env)
                    times[build].setdefault(name, []).append(elapsed)
                elapsed, stdout = _timed([str(desktop), "--smoke"], env)
                times[build].setdefault("desktop_smoke", []).append(elapsed)
                shown[build].append(json.loads(stdout.strip().splitlines()[-1])["window_shown_s"])
    medians = {b: {k: round(statistics.median(v), 3) for k, v in t.items()} for b, t in times.items()}
    for b in builds:
        medians[b]["window_shown_s"] = round(statistics.median(shown[b]), 3)
    ratios = {k: round(medians["frozen"][k] / medians["source"][k], 3) for k in medians["frozen"]}
    return {"median_s": medians, "ratio_frozen_over_source": ratios}


def main() -> int:
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict = {"bench": "package", "rounds": ROUNDS}
    if (DIST / "hearth").exists():
        result["startup"] = bench_startup()
        result["size"] = bundle_size()
        result["bundle_bytes"] = result["size"]["folder_bytes"]
    else:
        result["startup"] = {"skipped": "dist/hearth not built; run make package"}
    result["embedder"] = bench_embedder(ROUNDS)
    (out_dir / "package.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
