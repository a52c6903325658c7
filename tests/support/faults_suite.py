"""The fault suite's fixtures in one object: loopback servers, scenarios (set up and calibrated
on first use), and full-disk rounds. Used by tests/faults and bench/faults.py."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from tests.support.faults_fulldisk import run_full_disk
from tests.support.faults_harness import Round
from tests.support.faults_scenarios import (AnswerScenario, AuditScenario, DownloadScenario, IndexScenario,
                                            Scenario, SettingsScenario, make_corpus)

OPS = ("answer", "index", "download", "audit", "settings")


class FaultSuite:
    def __init__(self, root: Path, *, corpus_files: int = 40) -> None:
        self.root = root
        self.corpus_files = corpus_files  # documents in the indexing scenario's folder
        self._stack = contextlib.ExitStack()
        self._scenarios: dict[str, Scenario] = {}
        self._hub: Any = None
        self._cloud: Any = None

    def __enter__(self) -> "FaultSuite":
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    # -- servers, started when a scenario needs them -------------------------------------------
    @property
    def hub(self) -> Any:
        if self._hub is None:
            from tests.support.hub_server import loopback_hub

            self._hub = self._stack.enter_context(loopback_hub())
        return self._hub

    @property
    def cloud(self) -> Any:
        if self._cloud is None:
            from tests.support.anthropic_server import AnthropicServer

            self._cloud = self._stack.enter_context(AnthropicServer())
        return self._cloud

    @staticmethod
    def starter() -> Path:
        from engine.starter import starter_model_path

        return starter_model_path()

    # -- scenarios ---------------------------------------------------------------------------
    def scenario(self, op: str) -> Scenario:
        s = self._scenarios.get(op)
        if s is None:
            root = self.root / op
            s = {"answer": lambda: AnswerScenario(root), "index": lambda: IndexScenario(root, self.corpus_files),
                 "download": lambda: DownloadScenario(root, self.hub, self.starter()),
                 "audit": lambda: AuditScenario(root, self.cloud),
                 "settings": lambda: SettingsScenario(root)}[op]()
            s.setup()
            s.calibrate()
            self._scenarios[op] = s
        return s

    def full_disk(self, op: str, seed: int) -> Round:
        params: dict[str, Any] = {}
        if op == "index":
            params["corpus"] = str(make_corpus(self.root / "full-disk-corpus", self.corpus_files))
        elif op == "download":
            hub, starter = self.hub, self.starter()
            commit_repo = "faults/Full-GGUF"
            hub.add_file(commit_repo, "starter.gguf", starter)
            hub.rate_bps = 40e6
            size = starter.stat().st_size
            params.update(endpoint=hub.endpoint, repo=commit_repo, file="starter.gguf",
                          sha256=hub.repos[commit_repo].files["starter.gguf"].sha256,
                          size=size + 96 * 1024 * 1024)  # the pull keeps a 64 MB safety margin
        elif op == "audit":
            cloud = self.cloud
            cloud.reply = lambda body: "OK"
            params["server_url"] = cloud.url
            before = len(cloud.received)
        r = run_full_disk(op, self.root / "full-disk", params, seed)
        if op == "audit" and r.full_disk:
            sends = next((int(n.split("=")[1]) for n in r.notes if n.startswith("sends=")), 0)
            if len(cloud.received) - before != sends:
                r.problem("lost", f"the provider received {len(cloud.received) - before} requests, "
                                  f"but only {sends} sends were allowed (one was sent without its audit record)")
        return r
