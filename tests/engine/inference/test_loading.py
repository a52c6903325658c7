"""Loading: bad files give a clear ModelLoadError (never a hang), GPU fallback, unload, imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from engine.config import ModelSettings
from engine.errors import ModelLoadError
from engine.inference import ModelHost
from engine.inference import host as host_mod
from engine.inference.child import detect_backend, effective_gpu_layers
from tests.engine.inference.helpers import model_children, model_for

SETTINGS = ModelSettings(n_ctx=256, n_threads=1, max_tokens=8)  # one thread: robust on a busy machine


def _load_error(path: Path, **kw) -> ModelLoadError:
    host = ModelHost(model_for(path), SETTINGS.model_copy(update=kw))
    with pytest.raises(ModelLoadError) as err:
        host.load()
    assert not host.loaded and host.pid is None
    return err.value


def test_missing_file(tmp_path: Path) -> None:
    err = _load_error(tmp_path / "gone.gguf")
    assert "does not exist" in str(err) and "gone.gguf" in str(err)
    assert err.hint


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert "is not a file" in str(_load_error(tmp_path))


def test_not_a_gguf_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("this is not a model")
    assert "not a GGUF model file" in str(_load_error(path))


@pytest.mark.parametrize("fraction", [0.0001, 0.5, 0.99])
def test_truncated_gguf(tmp_path: Path, starter_gguf: Path, fraction: float) -> None:
    data = starter_gguf.read_bytes()
    path = tmp_path / "truncated.gguf"
    path.write_bytes(data[: int(len(data) * fraction)])
    err = _load_error(path)
    text = str(err)
    assert str(path) in text
    # llama.cpp's own reason is passed on: a short header, or tensor data past the end of the file
    assert "failed to read" in text or "not within the file bounds" in text
    assert "download it again" in (err.hint or "")
    assert model_children() == []


def test_corrupt_header(tmp_path: Path) -> None:
    path = tmp_path / "garbage.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    assert "version" in str(_load_error(path)) or "failed to read" in str(_load_error(path))


def test_invalid_chat_template_override(starter_gguf: Path) -> None:
    err = _load_error(starter_gguf, chat_template="{% for m in messages %}{{ m.content }")
    assert "chat template" in str(err) and "settings" in str(err)


def test_load_timeout_never_hangs(starter_gguf: Path) -> None:
    host = ModelHost(model_for(starter_gguf), SETTINGS, load_timeout_s=0.001)
    with pytest.raises(ModelLoadError, match="longer than"):
        host.load()
    assert model_children() == []


def test_chat_template_override_is_used(starter_gguf: Path) -> None:
    plain = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    msgs = [{"role": "user", "content": "Hello there"}]
    with ModelHost(model_for(starter_gguf, chat_template=plain), SETTINGS) as host:
        assert host.load().chat_template_source == "model"
        n_plain = host.count_tokens(msgs)
        assert "".join(host.stream_chat(msgs, max_tokens=4)) is not None
    with ModelHost(model_for(starter_gguf), SETTINGS) as host:
        n_gguf = host.count_tokens(msgs)
    # the GGUF's ChatML template adds a default system prompt and role markers
    assert n_plain < n_gguf
    # the person's own override (Settings) wins over the catalog's
    with ModelHost(model_for(starter_gguf, chat_template="{{ raise_exception('catalog template used') }}"),
                   SETTINGS.model_copy(update={"chat_template": plain})) as host:
        assert host.load().chat_template_source == "settings"
        assert host.count_tokens(msgs) == n_plain


def test_unload_leaves_no_child_and_reloads_on_demand(starter_gguf: Path) -> None:
    host = ModelHost(model_for(starter_gguf), SETTINGS)
    host.load()
    pid = host.pid
    assert pid in [p.pid for p in model_children()]
    host.unload()
    assert model_children() == [] and not host.loaded
    host.unload()  # twice is fine
    assert "".join(host.stream_chat([{"role": "user", "content": "Hi"}]))  # loads again
    assert host.pid != pid
    host.unload()
    assert model_children() == []


def test_unload_while_streaming_in_another_thread(starter_gguf: Path) -> None:
    import threading

    host = ModelHost(model_for(starter_gguf), SETTINGS)
    started, pieces = threading.Event(), []

    def consume() -> None:
        for piece in host.stream_chat([{"role": "user", "content": "Tell me a long story."}], max_tokens=200):
            pieces.append(piece)
            started.set()

    worker = threading.Thread(target=consume)
    worker.start()
    assert started.wait(60)
    host.unload()  # cancels the stream, then ends the process
    worker.join(60)
    assert not worker.is_alive()
    assert host.last_stats.cancelled and model_children() == []


def test_engine_never_imports_llama_cpp_in_the_caller(starter_gguf: Path, tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from engine.config import ModelSettings
        from engine.inference import ModelHost
        from engine.models.registry import InstalledModel
        if __name__ == "__main__":
            m = InstalledModel("t", Path({str(starter_gguf)!r}), "test")
            with ModelHost(m, ModelSettings(n_ctx=256, n_threads=1)) as h:
                "".join(h.stream_chat([{{"role": "user", "content": "Hi"}}], max_tokens=2))
            print(sorted(k for k in sys.modules if k.startswith(("llama_cpp", "numpy", "jinja2"))))
    """)
    (tmp_path / "probe.py").write_text(script)
    out = subprocess.run([sys.executable, str(tmp_path / "probe.py")], capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).resolve().parents[3])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


# ----- GPU layer policy (no GPU here: the ladder is driven through a fake _spawn) -------------

def test_fallback_after_a_failed_gpu_load() -> None:
    assert host_mod.fallback_after(32) == [16, 0]
    assert host_mod.fallback_after(1) == [0]
    assert host_mod.fallback_after(0) == []
    assert host_mod.fallback_after(-1) == [0]


def test_auto_layers_come_from_the_model_manager(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    calls = []
    fake = types.ModuleType("engine.models.fit")
    fake.auto_gpu_layers = lambda path, n_ctx: calls.append((path, n_ctx)) or 20
    monkeypatch.setitem(sys.modules, "engine.models.fit", fake)
    notes: list[str] = []
    path = str(tmp_path / "m.gguf")
    # This build has no GPU offload: whatever was asked, the model loads on the CPU.
    assert not llama_cpp.llama_supports_gpu_offload()
    assert effective_gpu_layers("auto", path, 2048, notes) == 0 and calls == []
    # Pretend the build can offload (no GPU here) to drive the "auto" decision.
    monkeypatch.setattr(llama_cpp, "llama_supports_gpu_offload", lambda: True)
    assert effective_gpu_layers("auto", path, 2048, notes) == 20
    assert calls == [(tmp_path / "m.gguf", 2048)]
    assert effective_gpu_layers(7, path, 2048, notes) == 7

    def broken(path, n_ctx):
        raise RuntimeError("no idea")

    fake.auto_gpu_layers = broken
    assert effective_gpu_layers("auto", path, 2048, notes) == -1
    assert notes and "no idea" in notes[0]


def test_out_of_memory_with_gpu_layers_retries_with_fewer(monkeypatch: pytest.MonkeyPatch,
                                                          starter_gguf: Path) -> None:
    tried = []

    def fake_spawn(self, spec):
        tried.append(spec["n_gpu_layers"])
        if spec["n_gpu_layers"] != 0:
            raise host_mod._LoadFailed("cudaMalloc failed: out of memory", spec["n_gpu_layers"])
        return {"backend": "CPU", "n_ctx": spec["n_ctx"], "n_gpu_layers": 0, "n_threads": 2,
                "chat_template_source": "gguf"}

    monkeypatch.setattr(ModelHost, "_spawn", fake_spawn)
    host = ModelHost(model_for(starter_gguf), SETTINGS.model_copy(update={"n_gpu_layers": 24}))
    info = host.load()
    assert tried == [24, 12, 0]
    assert info.n_gpu_layers == 0 and len(info.notes) == 2
    assert "24 GPU layers failed" in info.notes[0] and "out of memory" in info.notes[0]
    assert "retried with no GPU layers" in info.notes[1]


def test_failed_auto_offload_goes_straight_to_cpu(monkeypatch: pytest.MonkeyPatch, starter_gguf: Path) -> None:
    tried = []

    def fake_spawn(self, spec):
        tried.append(spec["n_gpu_layers"])
        if spec["n_gpu_layers"] != 0:
            raise host_mod._LoadFailed("the model process stopped while loading", -1)
        return {"backend": "CPU", "n_ctx": spec["n_ctx"], "n_gpu_layers": 0, "n_threads": 1,
                "chat_template_source": "gguf", "notes": ["from the child"]}

    monkeypatch.setattr(ModelHost, "_spawn", fake_spawn)
    info = ModelHost(model_for(starter_gguf), SETTINGS).load()  # n_gpu_layers defaults to "auto"
    assert tried == ["auto", 0]
    assert "Loading with all GPU layers failed" in info.notes[0] and info.notes[1] == "from the child"


def test_backend_detection_from_system_info() -> None:
    cpu = "CPU : SSE3 = 1 | AVX2 = 1 | OPENMP = 1 | "
    assert detect_backend(cpu, False, -1) == "CPU"
    assert detect_backend("CUDA : ARCHS = 890 | " + cpu, True, 33) == "CUDA"
    assert detect_backend("CUDA : ARCHS = 890 | " + cpu, True, 0) == "CPU"
    assert detect_backend("Metal : EMBED_LIBRARY = 1 | " + cpu, True, -1) == "Metal"
    assert detect_backend("Vulkan : " + cpu, True, 10) == "Vulkan"
