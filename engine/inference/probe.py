"""``diagnose()`` for the model runtime: what this llama.cpp build can do, asked in a child.

A broken native build may segfault on import, so llama.cpp is never imported in the asking
process: a child runs :func:`llama_probe_main` and prints one JSON object. The child reports
the build (version, GPU offload, mmap, system info, its libraries) and the model manager's own
hardware probe (``engine.models.hardware.probe``, which asks this same build about offload):
the devices listed are the ones fit plans and the model process will use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.diagnosis import Diagnosis

_BACKEND_LIBS = {"cuda": "CUDA", "metal": "Metal", "vulkan": "Vulkan", "hip": "ROCm",
                 "sycl": "SYCL", "opencl": "OpenCL", "blas": "BLAS", "cann": "CANN"}


def _devices(hw: Any) -> list[dict[str, Any]]:
    """The CPU and each GPU the build can use, as ``hearth doctor`` lists them."""
    devices = [{"name": "CPU", "description": ", ".join(hw.cpu_features) or "CPU", "type": "cpu",
                "memory_free_bytes": hw.ram_available, "memory_total_bytes": hw.ram_total}]
    for i, g in enumerate(hw.gpus):
        devices.append({"name": f"{g.backend}{i}", "description": g.name, "type": "gpu",
                        "usable": hw.gpu_offload, "memory_free_bytes": g.vram_free, "memory_total_bytes": g.vram_total})
    return devices


def llama_probe_main() -> None:
    """Runs in the child process: print one JSON object describing the llama.cpp build."""
    out: dict[str, Any] = {}
    try:
        import llama_cpp

        out["version"] = getattr(llama_cpp, "__version__", None)
        llama_cpp.llama_backend_init()
        out["gpu_offload"] = bool(llama_cpp.llama_supports_gpu_offload())
        out["mmap"] = bool(llama_cpp.llama_supports_mmap())
        out["system_info"] = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
        lib_dir = Path(llama_cpp.__file__).parent / "lib"
        out["libs"] = sorted(p.name for p in lib_dir.iterdir()) if lib_dir.is_dir() else []
    except Exception as exc:  # noqa: BLE001 - reported by the parent as a problem
        out["error"] = f"{type(exc).__name__}: {exc}"
    try:
        from engine.models.hardware import probe

        hw = probe()  # the model manager's probe, with this build's answer about offload
        out["hardware"] = json.loads(json.dumps(asdict(hw), default=str))
        out["devices"] = _devices(hw)
    except Exception as exc:  # noqa: BLE001
        out["hardware"] = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out))


def _probe_command() -> list[str]:
    """How to start the probe child, from a source install or a PyInstaller bundle."""
    if getattr(sys, "frozen", False):
        exe_dir = Path(sys.executable).parent
        for name in ("hearth", "hearth.exe"):
            if (exe_dir / name).exists():
                return [str(exe_dir / name), "doctor", "--probe-llama"]
        return [sys.executable, "doctor", "--probe-llama"]
    return [sys.executable, "-c", "from engine.inference.probe import llama_probe_main; llama_probe_main()"]


def probe_llama(timeout_s: float = 120.0) -> dict[str, Any]:
    """Ask a child process what llama.cpp can do; a crash there is reported, not inherited."""
    env = dict(os.environ)
    src_root = str(Path(__file__).resolve().parents[2])  # so a plain checkout works too
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
    data["backends"] = backends(data)
    return data


def backends(data: dict[str, Any]) -> list[str]:
    """Compute backends from the device list, library names and system info (in that order)."""
    found: list[str] = []
    for dev in data.get("devices") or []:
        name = str(dev.get("name", ""))
        label = next((v for k, v in _BACKEND_LIBS.items() if name.lower().startswith(k)), None)
        if label and label not in found and dev.get("usable", True):
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


def diagnose(timeout_s: float = 120.0) -> Diagnosis:
    """The llama.cpp build as a child process sees it; a build that does not work is an error."""
    data = probe_llama(timeout_s)
    d = Diagnosis("llama", data)
    if "error" in data:
        d.problem("error", f"llama.cpp does not work: {data['error']}.",
                  "Reinstall llama-cpp-python (see the GPU notes in packaging/README.md for the right CMAKE_ARGS).")
    return d
