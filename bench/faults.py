"""Fault injection at scale: kill -9 real ``hearth`` processes at seeded random moments, restart.

Five operations (tests/support/faults_scenarios.py): a streamed answer, indexing a folder, a model
download from a loopback hub, an audit append with a cloud send to a loopback provider, and a
settings save with a chat rename. Each round starts the operation, SIGKILLs its process group at
a moment drawn from the seed, restarts, and checks: chats database integrity and nothing
acknowledged lost (answers are saved while they stream), index manifest == chromadb == BM25
after the resume, the download resumes and verifies, ``hearth audit`` verifies with unique
sequence numbers and every request the provider received is in the log, settings readable.
Each operation also runs once on a full disk (a small tmpfs in a private mount namespace).

    python bench/faults.py [--kills answer=50,index=25,download=45,audit=50,settings=50] [--seed 1]

Target: >= 200 kills in total, 0 lost, 0 corrupted, 0 false tamper alarms, 0 hangs (every
restart answers within 30 s). The figures are counts, not ratios: there is no "raw library" run
that can be killed for comparison; ``seconds_per_round`` says what a round costs.
Last stdout line: one JSON object (also written to bench/out/faults.json).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.net import enforce_offline_defaults  # noqa: E402

enforce_offline_defaults()

from tests.support.faults_harness import Tally  # noqa: E402
from tests.support.faults_suite import OPS, FaultSuite  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Indexing rounds cost the most (each restart loads the embedder twice): fewer of them.
    ap.add_argument("--kills", default="answer=50,index=25,download=45,audit=50,settings=50",
                    help="kills per operation, op=N,... (an op left out is not run)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus-files", type=int, default=40)
    ap.add_argument("--no-full-disk", action="store_true")
    args = ap.parse_args()
    plan = {op: int(n) for op, n in (item.split("=") for item in args.kills.split(",") if item)}
    ops = [op for op in OPS if op in plan]
    tally = Tally()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hearth-faults-") as tmp, \
            FaultSuite(Path(tmp), corpus_files=args.corpus_files) as suite:
        for op in ops:
            t_op = time.monotonic()
            scenario = suite.scenario(op)
            kills, i = 0, 0
            while kills < plan[op] and i < 2 * plan[op]:  # a kill that lands after the end does not count
                r = tally.add(scenario.kill_round(args.seed * 100_000 + i))
                kills, i = kills + int(r.killed), i + 1
                print(f"{op} #{i} kill={r.killed} at={r.at_s:.2f}s "
                      + ("ok" if r.ok else "PROBLEM " + "; ".join(r.notes)), file=sys.stderr, flush=True)
            if not args.no_full_disk:
                r = tally.add(suite.full_disk(op, args.seed))
                print(f"{op} full disk: " + ("ok " if r.ok else "PROBLEM ") + "; ".join(r.notes),
                      file=sys.stderr, flush=True)
            print(f"{op}: {time.monotonic() - t_op:.0f} s", file=sys.stderr, flush=True)
    summary = tally.summary()
    rounds = max(1, summary["rounds"])
    result = {"benchmark": "faults", "seed": args.seed, **{k: summary[k] for k in
              ("kills", "lost", "corrupted", "false_tamper_alarms", "hangs", "rounds", "full_disk")},
              "seconds": round(time.monotonic() - t0, 1),
              "seconds_per_round": round((time.monotonic() - t0) / rounds, 2),
              "by_operation": summary["by_operation"], "problems": summary["problems"][:20]}
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "faults.json").write_text(json.dumps({**result, "details": tally.to_json()["details"]}, indent=2))
    print(json.dumps(result))
    return 0 if summary["kills"] and not any(summary[k] for k in ("lost", "corrupted", "false_tamper_alarms",
                                                                   "hangs")) else 1


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    sys.exit(main())
