"""The five operations the fault suite kills -9 mid-way, each with its restart checks.

Each scenario runs real ``hearth`` processes in its own Hearth home (state accumulates over the
rounds, as on a person's machine) and implements ``kill_round(seed)`` and ``full_disk_round(seed)``
(see :mod:`tests.support.faults_fulldisk`). ``calibrate()`` runs the operation once unkilled to
learn when its interesting part happens; kill moments are drawn from that window with the seed.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.faults_harness import RESTART_LIMIT_S, RESUME_LIMIT_S, Home, Round, Running

STORY = "write a long story about a dragon who learns to bake bread, with many details."


def _db_rows(db: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def check_chats_db(home: Home, r: Round) -> bool:
    if not home.chats_db.exists():
        return True
    try:
        result = _db_rows(home.chats_db, "PRAGMA integrity_check")[0][0]
    except sqlite3.Error as exc:
        result = str(exc)
    if result != "ok":
        r.problem("corrupted", f"chats database: {result}")
        return False
    streaming = _db_rows(home.chats_db, "SELECT COUNT(*) FROM messages WHERE status = 'streaming'")[0][0]
    if streaming:
        r.problem("corrupted", f"{streaming} answer(s) still 'streaming' after the restart (not marked interrupted)")
    return True


def check_turn(home: Home, r: Round, question: str, run: Running, *, finished: bool) -> None:
    """Everything acknowledged on the screen before the kill is in the chats database."""
    events = run.json_events()
    if not any(e.get("event") == "Routed" for e in events):
        return  # killed before the question was acknowledged: nothing was promised
    rows = _db_rows(home.chats_db, "SELECT id, chat_id FROM messages WHERE role = 'user' AND content = ?", (question,))
    if not rows:
        r.problem("lost", f"the question {question[:40]!r} was acknowledged but is not saved")
        return
    shown = "".join(e.get("text", "") for e in events if e.get("event") == "Token")
    after = _db_rows(home.chats_db, "SELECT content, status FROM messages WHERE chat_id = ? AND id > ? "
                                    "AND role = 'assistant' ORDER BY id LIMIT 1", (rows[-1]["chat_id"], rows[-1]["id"]))
    if shown and not after:
        r.problem("lost", f"{len(shown)} characters of answer were shown but none was saved")
    elif shown and not after[0]["content"].startswith(shown):
        r.problem("lost", f"the saved answer ({len(after[0]['content'])} chars) does not hold the "
                          f"{len(shown)} characters shown")
    if finished and any(e.get("event") == "Done" for e in events) and after and after[0]["status"] != "complete":
        r.problem("corrupted", f"a finished answer is saved as {after[0]['status']}")


class Scenario:
    name = ""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = Home(root / self.name)
        self.window = (0.0, 5.0)

    def setup(self) -> None:  # pragma: no cover - overridden
        pass

    def calibrate(self) -> None:
        """Run once without a kill: learn the window where the operation does its writing."""
        r = Round(self.name, -1)
        lo, hi = self.attempt(r, random.Random(0), kill=False)
        self.window = (lo, max(hi, lo + 0.5))
        if not r.ok:
            raise AssertionError(f"{self.name}: the unkilled run failed its own checks: {r.notes}")

    def kill_round(self, seed: int) -> Round:
        r = Round(self.name, seed)
        lo, hi = self.attempt(r, random.Random(seed), kill=True)
        if not r.killed:  # it finished before the kill: a warmer machine; aim the next ones earlier
            self.window = ((self.window[0] + lo) / 2, max((self.window[1] + hi) / 2, lo + 0.5))
        return r

    def attempt(self, r: Round, rng: random.Random, *, kill: bool) -> tuple[float, float]:
        raise NotImplementedError

    def kill_moment(self, rng: random.Random) -> float:
        lo, hi = self.window
        return rng.uniform(max(0.05, lo * 0.8), hi * 1.1)  # a little before and after the window too

    def restart(self, r: Round, *args: str) -> subprocess.CompletedProcess | None:
        """The first command after the kill: it must answer within the limit."""
        t0 = time.monotonic()
        done = self.home.run(self.home.hearth(*args), timeout=RESTART_LIMIT_S)
        if done is None:
            r.problem("hangs", f"`hearth {' '.join(args)}` did not answer within {RESTART_LIMIT_S:.0f} s")
        elif "Traceback" in done.stderr:
            r.problem("corrupted", f"`hearth {' '.join(args)}` crashed: {done.stderr.strip().splitlines()[-1][:200]}")
        r.notes.append(f"restart {' '.join(args[:2])}: {time.monotonic() - t0:.1f} s")
        return done


# -- 1. a streamed answer ---------------------------------------------------------------------

class AnswerScenario(Scenario):
    name = "answer"

    def setup(self) -> None:
        from engine.config import Config, ModelSettings, save_config
        from engine.paths import Paths

        h = self.home.home
        save_config(Config(model=ModelSettings(n_ctx=1024, n_threads=1, n_gpu_layers=0, max_tokens=160,
                                               temperature=0.8)), Paths(h, h / "data", h / "logs"))
        self.n = 0

    def attempt(self, r: Round, rng: random.Random, *, kill: bool) -> tuple[float, float]:
        self.n += 1
        question = f"Round {self.n} ({r.seed}): {STORY}"
        run = self.home.start(self.home.hearth("ask", "--json", question))
        if kill:
            r.at_s = self.kill_moment(rng)
            r.killed = run.kill_at(r.at_s)
        elif not run.wait(RESUME_LIMIT_S):
            r.problem("hangs", "an unkilled answer did not finish")
        done = self.restart(r, "chats", "list", "--json")
        if done is not None and check_chats_db(self.home, r):
            check_turn(self.home, r, question, run, finished=not r.killed)
        times = [t for t, line in run.lines if '"Token"' in line]
        return (times[0], times[-1]) if times else (0.5, 5.0)


# -- 2. indexing a folder ---------------------------------------------------------------------

def make_corpus(folder: Path, files: int = 40, seed: int = 7) -> Path:
    """Plain text and Markdown files of a few KB each: enough work that a kill lands mid-job."""
    rng = random.Random(seed)
    words = ("boiler valve garden tomato kayak paddle chain bicycle piano choir ledger invoice recipe "
             "sourdough starter window fern water season winter summer harbour ferry lantern candle").split()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        paras = ["# Note %d\n" % i] + [" ".join(rng.choice(words) for _ in range(rng.randint(40, 90))) + "."
                                       for _ in range(rng.randint(4, 12))]
        (folder / f"note-{i:03d}.{'md' if i % 2 else 'txt'}").write_text("\n\n".join(paras) + "\n")
    return folder


def check_index(home: Home, name: str, r: Round, *, after_resume: bool) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "tests.support.faults_check", "index", str(home.home), name],
                          env=home.env, capture_output=True, text=True, timeout=RESUME_LIMIT_S)
    try:
        got = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        r.problem("corrupted", f"index check crashed: {proc.stderr.strip()[-300:]}")
        return {}
    if got.get("error") or got.get("integrity", "ok") != "ok":
        r.problem("corrupted", f"index: {got}")
    elif got.get("exists"):
        if got["committed_without_vectors"]:
            r.problem("lost", f"{got['committed_without_vectors']} committed chunks have no vectors")
        if got["bm25_mismatch"]:
            r.problem("corrupted", f"BM25 and the manifest disagree on {got['bm25_mismatch']} chunks")
        if after_resume and got["vectors_without_manifest"]:
            r.problem("corrupted", f"{got['vectors_without_manifest']} vectors in chromadb belong to no file")
    return got


class IndexScenario(Scenario):
    name = "index"

    def __init__(self, root: Path, files: int = 40) -> None:
        super().__init__(root)
        self.files = files

    def setup(self) -> None:
        self.corpus = make_corpus(self.root / "corpus", self.files)
        self.n = 0

    def attempt(self, r: Round, rng: random.Random, *, kill: bool) -> tuple[float, float]:
        self.n += 1
        name = f"c{self.n}"
        run = self.home.start(self.home.hearth("docs", "add", "--name", name, "--quiet", str(self.corpus)))
        if kill:
            r.at_s = self.kill_moment(rng)
            r.killed = run.kill_at(r.at_s)
        elif not run.wait(RESUME_LIMIT_S):
            r.problem("hangs", "an unkilled indexing job did not finish")
        took = time.monotonic() - run.t0
        self.restart(r, "docs", "status", name, "--json")
        before = check_index(self.home, name, r, after_resume=False)
        if before.get("exists"):
            resumed = self.home.run(self.home.hearth("docs", "reindex", name, "--quiet"), timeout=RESUME_LIMIT_S)
            if resumed is None:
                r.problem("hangs", f"`hearth docs reindex {name}` did not finish in {RESUME_LIMIT_S:.0f} s")
            elif resumed.returncode != 0:
                r.problem("corrupted", f"re-index after the kill failed: {resumed.stderr.strip()[-300:]}")
            after = check_index(self.home, name, r, after_resume=True)
            if after.get("exists") and after.get("files_indexed") != self.files:
                r.problem("lost", f"after the resume {after.get('files_indexed')} of {self.files} files are indexed")
        return 0.3 * took, took


# -- 3. a model download from the loopback hub --------------------------------------------------

class DownloadScenario(Scenario):
    name = "download"
    repo, file, model_id = "faults/Starter-GGUF", "starter.gguf", "starter"

    def __init__(self, root: Path, hub: Any, source: Path) -> None:
        super().__init__(root)
        self.hub, self.source = hub, source
        self.home.env["HF_ENDPOINT"] = hub.endpoint
        self.home.env["HF_HUB_OFFLINE"] = "1"  # the app lifts it for the pull it was asked for

    def setup(self) -> None:
        self.hub.add_file(self.repo, self.file, self.source)
        self.sha = self.hub.repos[self.repo].files[self.file].sha256
        self.size = self.source.stat().st_size
        self.hub.rate_bps = 40e6  # ~2.5 s for the starter model: room to land a kill mid-transfer

    def _partial(self) -> int:
        part = self.home.home / "data" / "models" / ".partial" / f"{self.sha}.part"
        return part.stat().st_size if part.exists() else 0

    def attempt(self, r: Round, rng: random.Random, *, kill: bool) -> tuple[float, float]:
        run = self.home.start(self.home.hearth("models", "pull", self.repo, self.file))
        if kill:
            r.at_s = self.kill_moment(rng)
            r.killed = run.kill_at(r.at_s)
        elif not run.wait(RESUME_LIMIT_S):
            r.problem("hangs", "an unkilled download did not finish")
        took = time.monotonic() - run.t0
        self.restart(r, "models", "list", "--json")
        had = self._partial()
        self.hub.reset_stats()
        pulled = self.home.run(self.home.hearth("models", "pull", self.repo, self.file), timeout=RESUME_LIMIT_S)
        if pulled is None:
            r.problem("hangs", "the resumed download did not finish")
        elif pulled.returncode != 0:
            r.problem("lost", f"the download did not complete after the kill: {pulled.stderr.strip()[-300:]}")
        else:
            self._check_installed(r, had)
        removed = self.home.run(self.home.hearth("models", "rm", self.model_id))
        if removed is None or removed.returncode != 0:
            r.problem("corrupted", f"could not remove the model for the next round: {removed and removed.stderr[-200:]}")
        return 0.3 * took, took

    def _check_installed(self, r: Round, had_partial: int) -> None:
        final = self.home.home / "data" / "models" / self.repo.replace("/", "__") / self.file
        if not final.exists():
            r.problem("lost", "the pull succeeded but the model file is missing")
            return
        h = hashlib.sha256()
        with open(final, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        if h.hexdigest() != self.sha:
            r.problem("corrupted", "the installed model's sha256 does not match the hub's")
        if had_partial and self.hub.bytes_served >= self.size:
            r.problem("lost", f"a {had_partial}-byte partial download was not resumed (all bytes fetched again)")
        if had_partial:
            r.notes.append(f"resumed from {had_partial} bytes, fetched {self.hub.bytes_served}")


# -- 4. an audit append with a cloud send -------------------------------------------------------

class AuditScenario(Scenario):
    name = "audit"

    def __init__(self, root: Path, server: Any) -> None:
        super().__init__(root)
        self.server = server

    def setup(self) -> None:
        from engine.config import CloudSettings, Config, ModelSettings, PrivacySettings, save_config
        from engine.paths import Paths

        h = self.home.home
        save_config(Config(model=ModelSettings(n_ctx=1024, n_threads=1, n_gpu_layers=0),
                           cloud=CloudSettings(mode="auto", provider="anthropic", model="claude-test",
                                               base_url=self.server.url, timeout_s=20, max_retries=0),
                           privacy=PrivacySettings(use_ner=False)), Paths(h, h / "data", h / "logs"))
        (self.root / "keyring.json").write_text(json.dumps({"hearth-cloud\0anthropic": "sk-ant-fault-test"}))
        self.server.reply = lambda body: ("Rainbows form when sunlight is bent inside raindrops. " * 8).strip()
        self.server.chunk_chars, self.server.delay_s = 8, 0.02
        self.n = 0

    @property
    def log(self) -> Path:
        return self.home.home / "data" / "audit.jsonl"

    def attempt(self, r: Round, rng: random.Random, *, kill: bool) -> tuple[float, float]:
        self.n += 1
        question = f"Round {self.n} ({r.seed}): how do rainbows form?"
        run = self.home.start(self.home.hearth("ask", "--json", "--cloud", "auto", question))
        if kill:
            r.at_s = self.kill_moment(rng)
            r.killed = run.kill_at(r.at_s)
        elif not run.wait(RESUME_LIMIT_S):
            r.problem("hangs", "an unkilled cloud answer did not finish")
        done = self.restart(r, "audit", "--json", "--limit", "0")
        if done is not None:
            self.check_log(r, done)
        if check_chats_db(self.home, r):
            check_turn(self.home, r, question, run, finished=not r.killed)
        times = [t for t, line in run.lines if '"Token"' in line or '"Routed"' in line]
        return (times[0], times[-1]) if times else (0.5, 4.0)

    def check_log(self, r: Round, done: subprocess.CompletedProcess) -> None:
        try:
            verdict = json.loads(done.stdout)
        except ValueError:
            r.problem("corrupted", f"`hearth audit --json` printed no JSON: {done.stderr.strip()[-200:]}")
            return
        if not verdict.get("ok"):
            r.problem("false_tamper_alarms", f"hearth audit: {verdict.get('problem')}")
        lines = self.log.read_bytes().split(b"\n") if self.log.exists() else []
        complete = [json.loads(x) for x in lines[:-1] if x.strip()]
        seqs = [e["seq"] for e in complete]
        if seqs != list(range(1, len(seqs) + 1)):
            r.problem("corrupted", f"audit sequence numbers are not 1..{len(seqs)} (duplicates or gaps)")
        recorded = {e.get("text") for e in complete if e.get("kind", "request") == "request"}
        for req in list(self.server.received):
            sent = [m["content"] for m in req.body.get("messages", []) if m.get("role") == "user"][-1:]
            if sent and sent[0] not in recorded:
                r.problem("lost", f"the provider received {sent[0][:40]!r}, which the audit log does not hold")


# -- 5. a settings save and a chat rename ---------------------------------------------------------

_WRITER = """
import sys
from engine.chats import ChatStore
from engine.config import load_config, save_config
store = ChatStore()
chat = int(sys.argv[1])
i = int(sys.argv[2])
while True:
    cfg = load_config().config
    cfg.model.seed = i               # the acknowledged step, readable back from the file
    cfg.model.temperature = (i % 20) / 10
    save_config(cfg)
    store.rename(chat, f"title {i}")
    print(i, flush=True)             # both writes of step i are done
    i += 1
"""


class SettingsScenario(Scenario):
    name = "settings"

    def setup(self) -> None:
        from engine.chats import ChatStore
        from engine.config import Config, save_config
        from engine.paths import Paths

        h = self.home.home
        paths = Paths(h, h / "data", h / "logs")
        save_config(Config(), paths)
        with ChatStore(paths.chats_db) as store:
            self.chat = store.create("title 0").id
        self.step = 1

    def attempt(self, r: Round, rng: random.Random, *, kill: bool) -> tuple[float, float]:
        run = self.home.start(self.home.python(_WRITER, str(self.chat), str(self.step)))
        if kill:
            r.at_s = rng.uniform(*self.window)
            r.killed = run.kill_at(r.at_s)
        else:
            run.kill_at(3.0)  # calibration: it never ends by itself
        acked = [int(line) for _, line in run.lines if line.strip().isdigit() and line.endswith("\n")]
        self.restart(r, "chats", "show", str(self.chat))
        self.check(r, acked)
        started = next((t for t, _ in run.lines), 1.0)
        return started, started + 1.5

    def check(self, r: Round, acked: list[int]) -> None:
        from engine.config import load_config
        from engine.paths import Paths

        h = self.home.home
        loaded = load_config(Paths(h, h / "data", h / "logs"))
        if loaded.problem is not None:
            r.problem("corrupted", f"settings unreadable: {loaded.problem.message}")
            return
        seed = loaded.config.model.seed
        if check_chats_db(self.home, r):
            title = _db_rows(self.home.chats_db, "SELECT title FROM conversations WHERE id = ?", (self.chat,))[0][0]
            step = int(title.split()[-1]) if title.startswith("title ") else -1
            if step < 0:
                r.problem("corrupted", f"the chat title is {title!r}")
            if acked and (step < acked[-1] or seed < acked[-1]):
                r.problem("lost", f"step {acked[-1]} was acknowledged, but the title says {step} and the "
                                  f"settings say {seed}")
            self.step = max(step, seed, self.step) + 1
