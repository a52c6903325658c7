"""With cloud `off`, real engine paths make zero network attempts.

Each test runs a real path (settings, model registry, doctor, privacy router, an assistant turn
on the starter model, adding and searching documents) inside a :class:`NetGuard` that records
every socket connect / bind / send / name lookup from any thread of this process.

Child processes (the model process, the document parser, the doctor's llama.cpp probe) are
separate interpreters the in-process hook cannot see; they inherit a ``sitecustomize`` recorder
through ``PYTHONPATH`` (set for the whole module), and the last test asserts that they started
with it and logged no attempt either. Native code (llama.cpp, chromadb's Rust core) is covered
by the network-namespace test in test_offline_namespace.py.

The control tests in test_netguard.py prove the guard catches a deliberate connection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from engine.config import Config, load_config, save_config
from engine.events import Citations, Done, Failed, Routed, Token
from tests.support.netguard import NetGuard, child_env, read_child_log

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def child_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every Python child started from this module logs its network attempts here."""
    root = tmp_path_factory.mktemp("netguard-children")
    log = root / "children.jsonl"
    env = child_env(dict(os.environ), root / "site", log)
    mp = pytest.MonkeyPatch()
    mp.setenv("PYTHONPATH", env["PYTHONPATH"])
    yield log
    mp.undo()


@pytest.fixture(scope="module")
def host(child_log: Path):
    """The real starter model in its own process, loaded once for the module."""
    from engine.config import ModelSettings
    from engine.inference.host import ModelHost
    from engine.models.registry import resolve_model
    from engine.starter import STARTER_MODEL_ID

    settings = ModelSettings(n_ctx=1024, max_tokens=16, temperature=0.0, seed=1, n_threads=1)
    with NetGuard() as guard:
        h = ModelHost(resolve_model(STARTER_MODEL_ID), settings)
        h.load()
    guard.assert_none()
    yield h
    h.unload()


def test_settings_and_model_registry(child_log: Path) -> None:
    from engine.models.registry import installed_models, resolve_model
    from engine.starter import STARTER_MODEL_ID

    with NetGuard() as guard:
        cfg = Config()
        cfg.model.temperature = 0.3
        save_config(cfg)
        loaded = load_config()
        models = installed_models()
        resolved = resolve_model(STARTER_MODEL_ID)
    guard.assert_none()
    assert loaded.problem is None and loaded.config.model.temperature == 0.3
    assert loaded.config.cloud.mode == "off"
    assert resolved.path.is_file() and any(m.id == STARTER_MODEL_ID for m in models)


def test_read_only_cli_commands(child_log: Path, capsys) -> None:
    """The CLI's listing and status commands, through the real entry point, in this process."""
    from engine.cli.main import main

    commands = [["models", "list"], ["models", "list", "--catalog"], ["chats", "list"],
                ["cloud", "status"], ["audit"], ["privacy", "check", "What is the tallest mountain?"],
                ["doctor", "--skip-llama"]]
    with NetGuard() as guard:
        codes = [main(argv) for argv in commands]
    guard.assert_none()
    assert codes == [0] * len(commands), list(zip(commands, codes, [capsys.readouterr().err]))


def test_doctor(child_log: Path) -> None:
    from engine.doctor import run_checks

    with NetGuard() as guard:
        report = run_checks()
    guard.assert_none()
    assert "CPU" in report.llama["backends"]  # the probe child really ran


def test_privacy_router_decides_locally(child_log: Path) -> None:
    from engine.privacy import PrivacyRouter

    with NetGuard() as guard:
        router = PrivacyRouter(load_config().config.privacy)
        private = router.route("My email is jane.doe@fastmail.com, draft a complaint to my landlord.")
        public = router.route("What is the boiling point of water at sea level?")
    guard.assert_none()
    assert private.route in ("local", "redacted") and private.reasons
    assert "jane.doe@fastmail.com" not in (private.outbound or "")
    assert public.route in ("local", "redacted", "cloud")


def test_assistant_turn_on_the_starter_model(host, child_log: Path) -> None:
    from engine.assistant import Assistant
    from engine.chats import ChatStore
    from engine.privacy import PrivacyRouter

    cfg = load_config().config
    cfg.model.max_tokens = 16  # keep the test short; the answer length is not what is tested
    assert cfg.cloud.mode == "off"
    with NetGuard() as guard:
        chats = ChatStore()
        assistant = Assistant(cfg, chats, host, router=PrivacyRouter(cfg.privacy))
        chat = chats.create("offline")
        events = list(assistant.turn(chat.id, "Name one colour of the sky."))
        stored = chats.messages(chat.id)
        chats.close()
    guard.assert_none()
    assert not any(isinstance(e, Failed) for e in events), events
    routed = next(e for e in events if isinstance(e, Routed))
    assert routed.route == "local" and routed.outbound_text is None
    done = events[-1]
    assert isinstance(done, Done) and done.text.strip()
    assert "".join(e.text for e in events if isinstance(e, Token)) == done.text
    assert [m.role for m in stored] == ["user", "assistant"]


def test_documents_add_search_and_grounded_answer(host, tmp_path: Path, child_log: Path) -> None:
    from engine.assistant import Assistant
    from engine.chats import ChatStore
    from engine.docs.service import DocumentService
    from engine.paths import get_paths

    folder = tmp_path / "household"
    folder.mkdir()
    (folder / "kiln.md").write_text("# Kiln\n\nThe pottery kiln is fired to 1240 degrees on Fridays.\n")
    (folder / "boiler.md").write_text("# Boiler\n\nReset the boiler by holding the red button for ten seconds.\n")
    (folder / "garden.txt").write_text("Tomatoes in the garden need watering every morning.\n")
    cfg = load_config().config
    cfg.model.max_tokens = 16
    with NetGuard() as guard:
        docs = DocumentService(get_paths(), cfg.documents)
        docs.add("household", [folder])
        hits = docs.search("household", "What temperature is the kiln fired to?", 3)
        chats = ChatStore()
        assistant = Assistant(cfg, chats, host, docs=docs)
        chat = chats.create("docs")
        events = list(assistant.turn(chat.id, "How do I reset the boiler?", collection="household"))
        chats.close()
        docs.close()
    guard.assert_none()
    assert hits and Path(hits[0].path).name == "kiln.md" and "1240" in hits[0].text
    cites = next(e for e in events if isinstance(e, Citations))
    assert any(Path(c.path).name == "boiler.md" for c in cites.items)
    assert isinstance(events[-1], Done)


def test_child_processes_made_no_attempts(child_log: Path) -> None:
    """Runs last in this module: the model, parser and probe children logged nothing."""
    started, attempts = read_child_log(child_log)
    assert started, "no child process started with the recorder (did the tests above run?)"
    assert attempts == [], attempts
