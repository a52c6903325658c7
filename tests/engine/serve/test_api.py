"""`hearth serve` with the official openai SDK as the client: the real core (SmolLM2 in its model
process, chromadb and the embedder for a shared collection) behind the real server on loopback."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest

from engine.config import Config, DocumentSettings, ModelSettings, PrivacySettings, SharingSettings
from engine.core import Core
from engine.errors import HearthError
from engine.paths import Paths
from engine.serve.server import api_server

pytestmark = pytest.mark.slow

TOKEN = "test-token-" + "x" * 24
SETTINGS = ModelSettings(n_ctx=2048, n_threads=1, n_gpu_layers=0, temperature=0.0, seed=3, max_tokens=24)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, starter_gguf: Path):
    root = tmp_path_factory.mktemp("api-home")
    folder = root / "household"
    folder.mkdir()
    (folder / "boiler.md").write_text(
        "# Boiler\n\nTo reset the boiler, hold the red button for ten seconds until the light turns green.\n",
        encoding="utf-8")
    secret = root / "private"
    secret.mkdir()
    (secret / "diary.txt").write_text("Dear diary, the spare key is under the blue flowerpot.\n", encoding="utf-8")
    paths = Paths(config_dir=root / "cfg", data_dir=root / "data", log_dir=root / "logs")
    cfg = Config(model=SETTINGS, privacy=PrivacySettings(use_ner=False),
                 documents=DocumentSettings(chunk_tokens=64, chunk_overlap=16),
                 sharing=SharingSettings(collections=["house"]))
    core = Core(cfg, paths=paths)
    core.documents.add("house", [folder])
    core.documents.add("diary", [secret])  # indexed, never shared
    core.load_model()
    server, tokens = api_server(core, TOKEN, port=0)
    server.start()
    yield core, server
    server.stop()
    core.close()


@pytest.fixture
def client(served) -> openai.OpenAI:
    _core, server = served
    return openai.OpenAI(base_url=server.url + "/v1", api_key=TOKEN, max_retries=0, timeout=120)


def _wait_idle(core: Core, timeout_s: float = 60.0) -> None:
    """Wait until no answer holds the model (a cancelled stream finishes on its own thread)."""
    deadline = time.monotonic() + timeout_s
    while not core.turn_lock.acquire(timeout=0.1):
        assert time.monotonic() < deadline, "the cancelled answer never released the model"
    core.turn_lock.release()


def test_models_lists_the_chat_model_shared_collections_and_the_embedder(client, served) -> None:
    core, _ = served
    ids = [m.id for m in client.models.list().data]
    assert ids[:2] == [core.model_id, "hearth"]
    assert "hearth:docs/house" in ids
    assert "hearth:docs/diary" not in ids  # indexed but not shared
    assert core.embedding_model in ids
    assert client.models.retrieve("hearth").id == "hearth"


def test_chat_completion_answers_locally_with_usage(client) -> None:
    r = client.chat.completions.create(model="hearth", messages=[
        {"role": "system", "content": "Answer in one short sentence."},
        {"role": "user", "content": "What colour is the sky on a clear day?"}], max_tokens=12)
    assert r.object == "chat.completion" and r.choices[0].message.role == "assistant"
    assert r.choices[0].message.content.strip()
    assert r.choices[0].finish_reason in ("stop", "length")
    assert 0 < r.usage.completion_tokens <= 12 and r.usage.prompt_tokens > 5
    ext = r.model_extra["hearth"]
    assert ext["route"] == "local" and ext["zone"] == "this machine"
    assert ext["reasons"] == ["Cloud escalation is off."]


def test_streaming_delivers_chunks_then_the_extension_and_usage(client) -> None:
    stream = client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": "Count to five."}],
                                            stream=True, max_tokens=16, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].model_extra["hearth"]["route"] == "local"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0


def test_closing_the_stream_cancels_the_answer(client, served) -> None:
    core, _ = served
    stream = client.chat.completions.create(model="hearth", stream=True, max_tokens=400, messages=[
        {"role": "user", "content": "Write a very long story about a lighthouse keeper."}])
    received = 0
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            received += 1
            if received == 3:
                break
    stream.close()
    _wait_idle(core)
    stats = core.host.last_stats
    assert stats.cancelled and stats.tokens < 400
    # the server is fine afterwards
    r = client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    assert r.choices[0].message.content


def test_bad_token_wrong_model_and_bad_bodies_are_clear_4xx(served, client) -> None:
    _core, server = served
    bad = openai.OpenAI(base_url=server.url + "/v1", api_key="not-the-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        bad.chat.completions.create(model="hearth", messages=[{"role": "user", "content": "Hi"}])
    assert "API token" in str(e.value)
    assert httpx.get(server.url + "/v1/models").status_code == 401  # no header at all
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    assert e.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError, match="last message"):
        client.chat.completions.create(model="hearth", messages=[{"role": "assistant", "content": "Hi"}])
    with pytest.raises(openai.BadRequestError, match="not supported"):
        client.chat.completions.create(model="hearth", messages=[
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}])
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    r = httpx.post(server.url + "/v1/chat/completions", content=b"{not json", headers=headers)
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]


def test_oversized_request_is_refused_with_413_and_the_server_goes_on(client, served) -> None:
    core, server = served
    big = "word " * (core.config.server.max_request_bytes // 4)
    with pytest.raises(openai.APIStatusError) as e:
        client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": big}])
    assert e.value.status_code == 413
    # a chunked body without Content-Length is counted as it arrives
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    def body():
        yield b'{"model": "hearth", "messages": [{"role": "user", "content": "'
        for _ in range(40):
            yield b"x" * 50_000
        yield b'"}]}'

    r = httpx.post(server.url + "/v1/chat/completions", content=body(), headers=headers, timeout=60)
    assert r.status_code == 413
    assert client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": "Hi"}],
                                          max_tokens=4).choices[0].message.content


def test_a_context_overflow_is_a_400_not_a_crash(client) -> None:
    huge = "lorem ipsum dolor " * 3000  # far past the 2048-token context, under the size limit
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": huge}], max_tokens=8)
    assert e.value.body["code"] == "ContextOverflow"


def test_answer_from_a_shared_collection_carries_citations(client) -> None:
    r = client.chat.completions.create(model="hearth:docs/house", max_tokens=24,
                                       messages=[{"role": "user", "content": "How do I reset the boiler?"}])
    ext = r.model_extra["hearth"]
    assert ext["collection"] == "house" and ext["route"] == "local"
    assert Path(ext["citations"][0]["path"]).name == "boiler.md"
    assert "red button" in ext["citations"][0]["snippet"] and ext["citations"][0]["n"] == 1
    # the same through the extension field, streamed: citations arrive with the final chunk
    chunks = list(client.chat.completions.create(model="hearth", stream=True, max_tokens=16,
                                                 extra_body={"hearth": {"collection": "house"}},
                                                 messages=[{"role": "user", "content": "How do I reset the boiler?"}]))
    final = [c for c in chunks if c.choices and c.choices[0].finish_reason][0]
    assert Path(final.model_extra["hearth"]["citations"][0]["path"]).name == "boiler.md"


def test_a_collection_that_is_not_shared_is_not_reachable(client) -> None:
    for kwargs in ({"model": "hearth:docs/diary"}, {"model": "hearth", "extra_body": {"hearth": {"collection": "diary"}}},
                   {"model": "hearth:docs/nonexistent"}):
        with pytest.raises(openai.NotFoundError) as e:
            client.chat.completions.create(messages=[{"role": "user", "content": "Where is the spare key?"}], **kwargs)
        assert "not shared" in str(e.value)


def test_embeddings_float_and_base64(client, served) -> None:
    core, _ = served
    r = client.embeddings.create(model=core.embedding_model, input=["the boiler", "a fern"])  # SDK asks base64
    assert [d.index for d in r.data] == [0, 1] and len(r.data[0].embedding) == 384
    # the same input both ways: the default int8 graph quantises activations per batch, so a text's
    # vector alone differs slightly (cosine ~0.995) from its vector in a batch with other texts
    f = client.embeddings.create(model=core.embedding_model, input=["the boiler", "a fern"], encoding_format="float")
    assert f.data[0].embedding == pytest.approx(r.data[0].embedding, abs=1e-5)
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model=core.embedding_model, input=[[1, 2, 3]])


def test_requests_wait_their_turn_on_the_one_model(client) -> None:
    answers: list[str] = []

    def ask(n: int) -> None:
        r = client.chat.completions.create(model="hearth", max_tokens=6,
                                           messages=[{"role": "user", "content": f"Say the number {n}."}])
        answers.append(r.choices[0].message.content)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == 3 and all(answers)


def test_binding_beyond_this_computer_needs_the_flag(served) -> None:
    core, _ = served
    with pytest.raises(HearthError, match="only this computer") as e:
        api_server(core, TOKEN, host="0.0.0.0", port=0)
    assert "--allow-network" in (e.value.hint or "")


def test_the_api_answers_in_openai_shape_for_plain_http_clients(served) -> None:
    """What a client without the SDK sees: the raw SSE lines end with [DONE]."""
    _core, server = served
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"model": "hearth", "stream": True, "max_tokens": 6, "messages": [{"role": "user", "content": "Hi"}]}
    with httpx.stream("POST", server.url + "/v1/chat/completions", json=body, headers=headers, timeout=120) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [ln for ln in r.iter_lines() if ln]
    assert lines[-1] == "data: [DONE]"
    first = json.loads(lines[0][len("data: "):])
    assert first["object"] == "chat.completion.chunk" and first["choices"][0]["delta"]["role"] == "assistant"
