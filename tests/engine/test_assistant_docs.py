"""Assistant turns grounded on local documents: the real DocumentService (parser child,
sentence-transformers embedder, chromadb on disk), the real grounding, the real ModelHost."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.assistant import Assistant
from engine.config import CloudSettings, Config, DocumentSettings, ModelSettings, PrivacySettings
from engine.events import Citations, Done, Failed, Routed, Token
from engine.inference.host import ModelHost
from engine.models.registry import InstalledModel
from engine.paths import Paths

pytestmark = pytest.mark.slow

SETTINGS = ModelSettings(n_ctx=2048, n_threads=1, n_gpu_layers=0, temperature=0.0, seed=5, max_tokens=16)


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory):
    from engine.docs.service import DocumentService

    root = tmp_path_factory.mktemp("docs-home")
    folder = root / "household"
    folder.mkdir()
    (folder / "boiler.md").write_text(
        "# Boiler\n\nTo reset the boiler, hold the red button for ten seconds until the light turns green.\n",
        encoding="utf-8")
    (folder / "plants.txt").write_text("The fern by the window needs water twice a week.\n", encoding="utf-8")
    paths = Paths(config_dir=root / "cfg", data_dir=root / "data", log_dir=root / "logs")
    service = DocumentService(paths, DocumentSettings())
    service.add("house", [folder])
    yield service
    service.close()


@pytest.fixture(scope="module")
def host(starter_gguf: Path):
    h = ModelHost(InstalledModel("smollm2", starter_gguf, "starter"), SETTINGS)
    yield h
    h.unload()


def test_grounded_answer_cites_the_document_and_taints_the_chat(docs, host, chats) -> None:
    a = Assistant(Config(model=SETTINGS), chats, host, docs=docs)
    chat = chats.create()
    events = list(a.turn(chat.id, "How do I reset the boiler?", collection="house"))
    assert [type(e).__name__ for e in events[:2]] == ["Routed", "Citations"]
    cites = events[1]
    assert isinstance(cites, Citations) and not cites.nothing_relevant
    assert Path(cites.items[0].path).name == "boiler.md" and "red button" in cites.items[0].snippet
    done = events[-1]
    assert isinstance(done, Done) and done.text.strip()
    # the model saw the document: its prompt is far longer than the bare question
    bare = host.count_tokens([{"role": "system", "content": SETTINGS.system_prompt},
                              {"role": "user", "content": "How do I reset the boiler?"}])
    assert host.last_stats.prompt_tokens > bare + 20
    stored = chats.messages(chat.id)
    assert stored[0].content == "How do I reset the boiler?"  # the question, not the grounded prompt
    assert stored[1].citations == cites.items
    assert chats.get(chat.id).tainted  # its history now holds private content


def test_nothing_relevant_says_so(docs, host, chats) -> None:
    a = Assistant(Config(model=SETTINGS), chats, host, docs=docs)
    chat = chats.create()
    events = list(a.turn(chat.id, "Who won the football world cup in 1970?", collection="house"))
    cites = next(e for e in events if isinstance(e, Citations))
    assert cites.nothing_relevant and cites.items == []
    first = next(e for e in events if isinstance(e, Token))
    assert "Nothing in your documents" in first.text and "house" in first.text
    done = events[-1]
    assert isinstance(done, Done) and done.text.startswith(first.text)
    assert chats.messages(chat.id)[-1].citations == [] and not chats.get(chat.id).tainted


def test_documents_keep_the_turn_local_even_in_auto_mode(docs, host, chats) -> None:
    from engine.privacy import PrivacyRouter

    built: list[int] = []
    cfg = Config(model=SETTINGS, cloud=CloudSettings(mode="auto"))
    a = Assistant(cfg, chats, host, docs=docs, router=PrivacyRouter(PrivacySettings(use_ner=False)),
                  cloud=lambda: built.append(1))
    chat = chats.create()
    events = list(a.turn(chat.id, "How do I reset the boiler?", collection="house"))
    routed = events[0]
    assert isinstance(routed, Routed) and routed.route == "local" and routed.outbound_text is None
    assert routed.reasons == ["the answer uses your local documents"]
    assert isinstance(events[-1], Done) and built == []


def test_unknown_collection_is_a_clear_failure(docs, host, chats) -> None:
    a = Assistant(Config(model=SETTINGS), chats, host, docs=docs)
    chat = chats.create()
    events = list(a.turn(chat.id, "Anything?", collection="no-such-collection"))
    assert len(events) == 1 and isinstance(events[0], Failed), events
    assert "no-such-collection" in events[0].message
    assert [m.content for m in chats.messages(chat.id)] == ["Anything?"]
