"""The parse worker: a child process that parses one file per request, under resource limits.

Started by :class:`engine.docs.sandbox.ParseSandbox` as ``python -m engine.docs.parse_worker
MEMORY_MB``. It caps its own address space (``RLIMIT_AS``) before importing any parser, then
answers JSON lines on stdin/stdout::

    request:  {"path": "...", "max_text_bytes": N}
    response: {"status": "ok", "doc": {...}} | {"status": "skipped"|"failed", "reason": "..."}

Hostile input can exhaust memory (MemoryError → "failed"), crash the interpreter (the parent
sees EOF) or loop forever (the parent kills us at its deadline). None of it reaches the app.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

try:
    import resource  # POSIX only
except ImportError:  # Windows: no RLIMIT_AS; the parent's time limit still applies
    resource = None  # type: ignore[assignment]


def _limit_memory(megabytes: int) -> None:
    if resource is None:
        return
    limit = megabytes * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # a lower hard limit already applies: keep it
        pass


def _handle(request: dict) -> dict:
    from engine.docs.formats import Fail, Skip, parse_file

    try:
        doc = parse_file(Path(request["path"]), int(request.get("max_text_bytes", 64 * 2**20)))
        return {"status": "ok", "doc": doc}
    except Skip as exc:
        return {"status": "skipped", "reason": str(exc)}
    except Fail as exc:
        return {"status": "failed", "reason": str(exc)}
    except MemoryError:
        return {"status": "failed", "reason": "memory"}
    except RecursionError:
        return {"status": "failed", "reason": "structure nested too deeply to parse"}
    except PermissionError:
        return {"status": "failed", "reason": "permission denied (cannot read the file)"}
    except OSError as exc:
        return {"status": "failed", "reason": f"could not read the file ({exc.strerror or exc})"}
    except Exception as exc:  # a parser bug or an unforeseen malformation: report, keep serving
        return {"status": "failed", "reason": f"malformed file ({type(exc).__name__}: {str(exc)[:200]})"}


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the parent
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    _limit_memory(megabytes)
    try:
        os.nice(5)  # parsing is background work: keep the app responsive
    except (OSError, AttributeError):  # no os.nice on Windows
        pass
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        try:
            response = _handle(json.loads(line))
            payload = json.dumps(response, ensure_ascii=False).encode("utf-8")
        except MemoryError:
            payload = b'{"status": "failed", "reason": "memory"}'
        out.write(payload + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
