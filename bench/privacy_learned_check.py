"""Check: the committed learned-privacy weights rebuild bit-for-bit from the repo alone.

    .venv/bin/python bench/privacy_learned_check.py [--cache]

Runs ``python -m engine.privacy.learned.train --check`` in a child process, by default with
``--no-cache`` (every training text embedded afresh, single-threaded, then 5-fold CV and the
final fits), and reports whether weights.json came out identical and how long it took. It is a
bench script rather than a test because a from-scratch rebuild takes several minutes on two
cores (the test suite covers the pieces: deterministic fits, folds, rendering).

Writes bench/out/privacy_learned_check.json; the last stdout line is the same JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.fsutil import atomic_write_text  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", action="store_true",
                    help="reuse cached embeddings (checks the fits, not the embedding)")
    args = ap.parse_args()
    cmd = [sys.executable, "-m", "engine.privacy.learned.train", "--check"]
    if not args.cache:
        cmd.append("--no-cache")
    started, cpu0 = time.perf_counter(), os.times()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    cpu1 = os.times()
    result = {
        "bench": "privacy_learned_check",
        "reproduced": done.returncode == 0,
        "exit_code": done.returncode,
        "fresh_embeddings": not args.cache,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round((cpu1.children_user + cpu1.children_system)
                             - (cpu0.children_user + cpu0.children_system), 1),
        "message": (done.stdout.strip().splitlines() or [""])[-1] if done.returncode == 0
        else done.stderr.strip()[-500:],
    }
    out = ROOT / "bench" / "out" / "privacy_learned_check.json"
    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    return 0 if result["reproduced"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
