"""The frozen app (PyInstaller one-folder) against the source install, on the same work.

Each command runs in a fresh process, interleaved frozen/source over several rounds, with the
same settings (one llama.cpp thread, short answers) and its own HEARTH_HOME; the medians and the
ratio frozen/source are reported. Commands: `hearth --version` (start-up), `hearth doctor
--skip-llama --json`, `hearth ask` (start-up + model load + one short answer), and
`hearth-desktop --smoke` (time until the window is shown, as the app measures it).

Needs `make package` first (dist/hearth); without it, prints a JSON line saying so.
Writes bench/out/package.json; the last line of stdout is the JSON result.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "dist" / "hearth"
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


def main() -> int:
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (DIST / "hearth").exists():
        result = {"bench": "package", "skipped": "dist/hearth not built; run make package"}
        print(json.dumps(result))
        return 0
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
    size = sum(p.stat().st_size for p in DIST.rglob("*") if p.is_file() and not p.is_symlink())
    result = {"bench": "package", "rounds": ROUNDS, "median_s": medians,
              "ratio_frozen_over_source": ratios, "bundle_bytes": size}
    (out_dir / "package.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
