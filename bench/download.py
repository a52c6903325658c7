"""Benchmark: our verified, resumable downloader vs a plain ``hf_hub_download``.

Both fetch the same real file (the SmolLM2 starter GGUF, 98 MB) from the same loopback hub in
the same run, alternating, several rounds; we report the ratio of median throughputs
(``download_ratio`` = ours / raw, target >= 0.9). Ours includes the sha256 verification and the
GGUF header check; the raw baseline does neither.

Resume cost: a download process is killed (SIGKILL) when 60% of the file has arrived, then a new
pull runs. ``resume_refetch_fraction`` = bytes fetched again that had already arrived before the
kill, as a fraction of the file (0 = perfect resume). The same experiment with
``hf_hub_download`` is reported as ``hf_hub_download_refetch_fraction`` for comparison.

Last stdout line: one JSON object (also written to bench/out/download.json).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.net import enforce_offline_defaults  # noqa: E402

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no tqdm cost on either side
enforce_offline_defaults()

from engine.models.catalog import load_catalog  # noqa: E402
from engine.net import hub_access  # noqa: E402
from engine.starter import STARTER_MODEL_ID, starter_model_path  # noqa: E402
from tests.support.hub_server import LoopbackHub, loopback_hub  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))


def _ours(home: Path, entry) -> float:  # type: ignore[no-untyped-def]
    from engine.models.download import Downloader

    os.environ["HEARTH_HOME"] = str(home)
    t0 = time.perf_counter()
    model = Downloader().pull(entry)
    dt = time.perf_counter() - t0
    assert model.verified
    return dt


def _raw(cache: Path, entry, endpoint: str) -> float:  # type: ignore[no-untyped-def]
    from huggingface_hub import hf_hub_download

    t0 = time.perf_counter()
    with hub_access():
        path = hf_hub_download(entry.repo, entry.file, revision=entry.revision, cache_dir=str(cache),
                               endpoint=endpoint)
    dt = time.perf_counter() - t0
    assert Path(path).stat().st_size == entry.exact_size
    return dt


def _kill_at(hub: LoopbackHub, code: str, env: dict[str, str], watch, at: int,  # type: ignore[no-untyped-def]
             slack: int) -> None:
    """Run ``code`` in a child, let the hub stall at ``at`` bytes, kill -9 the child once they landed.

    ``slack``: how far below ``at`` the child's file may stay (hf_hub_download writes 10 MB chunks).
    """
    hub.stall_after = at
    child = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    deadline = time.monotonic() + 120
    try:
        while watch() < at - slack and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        time.sleep(0.3)  # let the last chunk reach the disk
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        hub.stall_after = None
        hub.release()
        hub._release.clear()


def _incomplete_size(cache: Path) -> int:
    return sum(p.stat().st_size for p in cache.rglob("*.incomplete")) if cache.exists() else 0


def main() -> None:
    entry = load_catalog().get(STARTER_MODEL_ID)
    size = entry.exact_size
    work = Path(tempfile.mkdtemp(prefix="hearth-bench-dl-"))
    try:
        with loopback_hub() as hub:
            hub.add_file(entry.repo, entry.file, starter_model_path(), commit=entry.revision)
            os.environ["HF_ENDPOINT"] = hub.endpoint
            ours, raw = [], []
            _raw(work / "warm", entry, hub.endpoint)  # warm page cache and imports for both
            shutil.rmtree(work / "warm")
            for i in range(ROUNDS):
                home, cache = work / f"home{i}", work / f"cache{i}"
                if i % 2:
                    raw.append(_raw(cache, entry, hub.endpoint))
                    ours.append(_ours(home, entry))
                else:
                    ours.append(_ours(home, entry))
                    raw.append(_raw(cache, entry, hub.endpoint))
                shutil.rmtree(home, ignore_errors=True)
                shutil.rmtree(cache, ignore_errors=True)

            at = int(size * 0.6)
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            # ours: kill at 60%, then resume in a fresh pull
            home = work / "resume"
            env_ours = {**env, "HEARTH_HOME": str(home)}
            part = home / "data" / "models" / ".partial" / f"{entry.sha256}.part"
            code = ("from engine.models.catalog import load_catalog; from engine.models.download import Downloader; "
                    f"Downloader().pull(load_catalog().get({entry.id!r}))")
            _kill_at(hub, code, env_ours, lambda: part.stat().st_size if part.exists() else 0, at, 1024 * 1024)
            kept = part.stat().st_size
            hub.reset_stats()
            os.environ["HEARTH_HOME"] = str(home)
            from engine.models.download import Downloader

            Downloader().pull(entry)
            refetch = max(hub.bytes_served - (size - kept), 0)
            # hf_hub_download: same interruption, then call it again
            cache = work / "resume-hf"
            code = ("import os; from huggingface_hub import hf_hub_download; from engine.net import hub_access\n"
                    f"with hub_access(): hf_hub_download({entry.repo!r}, {entry.file!r}, revision={entry.revision!r}, "
                    f"cache_dir={str(cache)!r}, endpoint={hub.endpoint!r})")
            from huggingface_hub import constants as hf_constants

            _kill_at(hub, code, env, lambda: _incomplete_size(cache), at, hf_constants.DOWNLOAD_CHUNK_SIZE + 1)
            hf_kept = _incomplete_size(cache)
            hub.reset_stats()
            _raw(cache, entry, hub.endpoint)
            hf_refetch = max(hub.bytes_served - (size - hf_kept), 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ours_mbps = size / statistics.median(ours) / 1e6
    raw_mbps = size / statistics.median(raw) / 1e6
    result = {
        "bench": "download",
        "file_bytes": size,
        "rounds": ROUNDS,
        "ours_MBps": round(ours_mbps, 1),
        "hf_hub_download_MBps": round(raw_mbps, 1),
        "download_ratio": round(ours_mbps / raw_mbps, 3),
        "ours_includes_sha256_and_gguf_check": True,
        "interrupted_at_fraction": 0.6,
        "kept_before_resume_bytes": kept,
        "resume_refetch_fraction": round(refetch / size, 4),
        "hf_hub_download_kept_bytes": hf_kept,
        "hf_hub_download_refetch_fraction": round(hf_refetch / size, 4),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "download.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
