"""Each fault-suite operation on a full disk: a small tmpfs in a private mount namespace.

The harness runs ``python -m tests.support.faults_fulldisk OP WORKDIR PARAMS_JSON`` under
``unshare -m`` (root) or ``unshare -rm`` (anyone, where user namespaces are allowed). Inside, a
tmpfs is mounted as the Hearth home, the operation is prepared, the disk is filled, the operation
is run (it must fail with a clear message — no traceback — or succeed), space is freed, and the
restart checks run. The last stdout line is the round as JSON. The mount disappears with the
namespace. Where no namespace can be made, :func:`run_full_disk` reports the round as skipped.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.support.faults_harness import RESUME_LIMIT_S, Home, Round, clean_failure
from tests.support.faults_scenarios import STORY, AuditScenario, _db_rows, check_chats_db, check_index

FULL_WORDS = ("disk is full", "no space", "free some space", "not enough", "disk filled")


def namespace_prefix() -> list[str] | None:
    """How to get a private mount namespace here (None: not allowed)."""
    if shutil.which("unshare") is None:
        return None
    for prefix in ((["unshare", "-m"] if os.geteuid() == 0 else []), ["unshare", "-rm"]):
        if prefix and subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0:
            return prefix
    return None


def run_full_disk(op: str, workdir: Path, params: dict[str, Any], seed: int) -> Round:
    """Harness side: one full-disk round of ``op`` (skipped, with a note, without a namespace)."""
    prefix = namespace_prefix()
    r = Round(op, seed, full_disk=True)
    if prefix is None:
        r.full_disk = False
        r.notes.append("skipped: no mount namespace (unshare -m / -rm) for a small tmpfs")
        return r
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([*prefix, sys.executable, "-m", "tests.support.faults_fulldisk", op, str(workdir),
                           json.dumps({**params, "seed": seed})], capture_output=True, text=True, env=env,
                          timeout=3 * RESUME_LIMIT_S)
    try:
        got = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        r.problem("corrupted", f"full-disk runner failed: {proc.stderr.strip()[-400:]}")
        return r
    return Round(**got)


# -- inside the namespace ------------------------------------------------------------------------

def _mount(mnt: Path, size: int) -> None:
    mnt.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], check=True)


def _free(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(mnt: Path, leave: int) -> Path:
    """Take all free space but ``leave`` bytes."""
    filler = mnt / "filler"
    with open(filler, "ab") as fh:
        remaining = max(0, _free(mnt) - leave)
        try:
            while remaining > 0:
                n = fh.write(b"\0" * min(remaining, 1 << 20))
                remaining -= n
            fh.flush()
        except OSError:
            pass
    return filler


def _home(mnt: Path, workdir: Path, **env: str) -> Home:
    home = Home(mnt / "state", {"HEARTH_TEST_KEYRING": str(workdir / "keyring.json"), **env})
    return home


def answer(mnt: Path, workdir: Path, p: dict, r: Round) -> None:
    from engine.config import Config, ModelSettings, save_config
    from engine.paths import Paths

    home = _home(mnt, workdir)
    h = home.home
    save_config(Config(model=ModelSettings(n_ctx=1024, n_threads=1, n_gpu_layers=0, max_tokens=120)),
                Paths(h, h / "data", h / "logs"))
    first = home.run(home.hearth("ask", "--quiet", "Name three rivers."), timeout=RESUME_LIMIT_S)
    earlier = _db_rows(home.chats_db, "SELECT COUNT(*) FROM messages")[0][0] if first else 0
    filler = fill(mnt, leave=int(p.get("leave", 48 * 1024)))
    question = f"Full disk: {STORY}"
    run = home.start(home.hearth("ask", "--json", question))
    if not run.wait(RESUME_LIMIT_S):
        r.problem("hangs", "`hearth ask` on a full disk did not finish")
    failure = clean_failure(_completed(run), FULL_WORDS)
    if failure:
        r.problem("corrupted", f"ask on a full disk: {failure}")
    filler.unlink()
    if home.run(home.hearth("chats", "list", "--json")) is None:
        r.problem("hangs", "`hearth chats list` after freeing space")
    if check_chats_db(home, r):
        if _db_rows(home.chats_db, "SELECT COUNT(*) FROM messages")[0][0] < earlier:
            r.problem("lost", "messages saved before the disk filled are gone")
        events = run.json_events()
        asked = _db_rows(home.chats_db, "SELECT id, chat_id FROM messages WHERE role = 'user' AND content = ?",
                         (question,))
        if any(e.get("event") == "Routed" for e in events) and not asked:
            r.problem("lost", "the acknowledged question is not saved")
        shown = "".join(e.get("text", "") for e in events if e.get("event") == "Token")
        for q in asked:
            for (content,) in _db_rows(home.chats_db, "SELECT content FROM messages WHERE chat_id = ? AND id > ? "
                                                      "AND role = 'assistant'", (q["chat_id"], q["id"])):
                if not shown.startswith(content):  # on a full disk less may be saved, never other text
                    r.problem("corrupted", "the saved partial answer is not what was shown")


def index(mnt: Path, workdir: Path, p: dict, r: Round) -> None:
    home = _home(mnt, workdir)
    corpus = Path(p["corpus"])
    filler = fill(mnt, leave=int(p.get("leave", 400 * 1024)))
    done = home.run(home.hearth("docs", "add", "--name", "full", "--quiet", str(corpus)), timeout=RESUME_LIMIT_S)
    failure = clean_failure(done, FULL_WORDS)
    if failure:
        r.problem("corrupted", f"docs add on a full disk: {failure}")
    filler.unlink()
    if home.run(home.hearth("docs", "status", "full", "--json")) is None:
        r.problem("hangs", "`hearth docs status` after freeing space")
    verb = ["docs", "reindex", "full"] if check_index(home, "full", r, after_resume=False).get("exists") \
        else ["docs", "add", "--name", "full", str(corpus)]
    again = home.run(home.hearth(*verb, "--quiet"), timeout=RESUME_LIMIT_S)
    if again is None or again.returncode != 0:
        r.problem("corrupted", f"indexing after freeing space failed: {again and again.stderr.strip()[-300:]}")
    after = check_index(home, "full", r, after_resume=True)
    files = len(list(corpus.iterdir()))
    if after.get("files_indexed") != files:
        r.problem("lost", f"after freeing space {after.get('files_indexed')} of {files} files are indexed")


def download(mnt: Path, workdir: Path, p: dict, r: Round) -> None:
    home = _home(mnt, workdir, HF_ENDPOINT=p["endpoint"], HF_HUB_OFFLINE="1")
    args = home.hearth("models", "pull", p["repo"], p["file"])
    part = home.home / "data" / "models" / ".partial" / f"{p['sha256']}.part"
    (home.home / "data" / "models").mkdir(parents=True, exist_ok=True)
    # (a) not enough room to start: refused before a byte is fetched
    filler = fill(mnt, leave=8 * 1024 * 1024)
    refused = home.run(args, timeout=RESUME_LIMIT_S)
    failure = clean_failure(refused, FULL_WORDS)
    if failure or (refused is not None and refused.returncode == 0):
        r.problem("corrupted", f"a pull that cannot fit: {failure or 'it succeeded?'}")
    filler.unlink()
    # (b) the disk fills up mid-transfer (another program takes the space)
    run = home.start(args)
    deadline = time.monotonic() + RESUME_LIMIT_S
    while (not part.exists() or part.stat().st_size < 16 * 1024 * 1024) and run.proc.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    filler = fill(mnt, leave=1024 * 1024)
    if not run.wait(RESUME_LIMIT_S):
        r.problem("hangs", "a pull on a disk that filled up did not end")
    failure = clean_failure(_completed(run), FULL_WORDS)
    if failure:
        r.problem("corrupted", f"a pull on a disk that filled up: {failure}")
    kept = part.stat().st_size if part.exists() else 0
    filler.unlink()
    resumed = home.run(args, timeout=RESUME_LIMIT_S)
    if resumed is None or resumed.returncode != 0:
        r.problem("lost", f"the pull did not complete after freeing space: {resumed and resumed.stderr[-300:]}")
    elif "resum" not in (resumed.stdout + resumed.stderr).lower() and kept and run.proc.returncode != 0:
        r.notes.append("pull completed (resume not mentioned in its output)")
    r.notes.append(f"kept {kept} bytes across the full disk")


def audit(mnt: Path, workdir: Path, p: dict, r: Round) -> None:
    from types import SimpleNamespace

    home = _home(mnt, workdir)
    scenario = AuditScenario.__new__(AuditScenario)
    scenario.home, scenario.root = home, workdir
    scenario.server = SimpleNamespace(url=p["server_url"], received=[])
    _write_audit_config(home, p["server_url"], workdir)
    sends = 0
    first = home.run(home.hearth("cloud", "test"), timeout=RESUME_LIMIT_S)
    sends += int(first is not None and first.returncode == 0)
    filler = fill(mnt, leave=0)
    blocked = home.run(home.hearth("cloud", "test"), timeout=RESUME_LIMIT_S)
    failure = clean_failure(blocked, FULL_WORDS)
    if failure:
        r.problem("corrupted", f"cloud test on a full disk: {failure}")
    sends += int(blocked is not None and blocked.returncode == 0)
    filler.unlink()
    again = home.run(home.hearth("cloud", "test"), timeout=RESUME_LIMIT_S)
    sends += int(again is not None and again.returncode == 0)
    done = home.run(home.hearth("audit", "--json", "--limit", "0"))
    if done is None:
        r.problem("hangs", "`hearth audit` after freeing space")
    else:
        scenario.check_log(r, done)
    r.notes.append(f"sends={sends}")


def _write_audit_config(home: Home, url: str, workdir: Path) -> None:
    from engine.config import CloudSettings, Config, PrivacySettings, save_config
    from engine.paths import Paths

    h = home.home
    save_config(Config(cloud=CloudSettings(mode="auto", provider="anthropic", model="claude-test", base_url=url,
                                           timeout_s=20, max_retries=0), privacy=PrivacySettings(use_ner=False)),
                Paths(h, h / "data", h / "logs"))
    (workdir / "keyring.json").write_text(json.dumps({"hearth-cloud\0anthropic": "sk-ant-fault-test"}))


def settings(mnt: Path, workdir: Path, p: dict, r: Round) -> None:
    from engine.chats import ChatStore
    from engine.config import Config, load_config, save_config
    from engine.paths import Paths

    home = _home(mnt, workdir)
    h = home.home
    paths = Paths(h, h / "data", h / "logs")
    save_config(Config(), paths)
    with ChatStore(paths.chats_db) as store:
        chat = store.create("title 0").id
    filler = fill(mnt, leave=0)
    renamed = home.run(home.hearth("chats", "rename", str(chat), "a new title"))
    failure = clean_failure(renamed, FULL_WORDS)
    if failure:
        r.problem("corrupted", f"chats rename on a full disk: {failure}")
    try:
        cfg = load_config(paths).config
        cfg.model.seed = 99
        save_config(cfg, paths)
    except Exception as exc:  # noqa: BLE001 - the point: a clear StorageError, the old file intact
        if "disk is full" not in str(exc).lower():
            r.problem("corrupted", f"saving settings on a full disk: {type(exc).__name__}: {exc}")
    filler.unlink()
    loaded = load_config(paths)
    if loaded.problem is not None:
        r.problem("corrupted", f"settings unreadable after a full disk: {loaded.problem.message}")
    if check_chats_db(home, r):
        title = _db_rows(home.chats_db, "SELECT title FROM conversations WHERE id = ?", (chat,))[0][0]
        if title not in ("title 0", "a new title"):
            r.problem("corrupted", f"chat title {title!r}")
        if renamed is not None and renamed.returncode == 0 and title != "a new title":
            r.problem("lost", "a rename reported done is not saved")


def _completed(run: Any) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], run.proc.returncode, run.text(), run.err.decode("utf-8", "replace"))


OPS = {"answer": answer, "index": index, "download": download, "audit": audit, "settings": settings}


def main(argv: list[str]) -> int:
    op, workdir, params = argv[0], Path(argv[1]), json.loads(argv[2])
    r = Round(op, int(params.get("seed", 0)), full_disk=True)
    mnt = workdir / f"tmpfs-{op}-{random.randrange(1 << 30)}"
    try:
        _mount(mnt, int(params.get("size", 96 * 1024 * 1024)))
        OPS[op](mnt, workdir, params, r)
    except Exception as exc:  # noqa: BLE001 - reported as the round's result
        import traceback

        r.problem("corrupted", f"runner error: {type(exc).__name__}: {exc} {traceback.format_exc()[-600:]}")
    print(json.dumps(asdict(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
