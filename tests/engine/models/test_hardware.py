"""Hardware probe: real values on this machine, and the NVML path with a simulated NVIDIA card.

There is no GPU here, so NVML is the one part replaced (a module with the same functions as
nvidia-ml-py); llama.cpp's offload query is the real one (a CPU-only build answers False).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from engine.models import hardware
from engine.models.fit import auto_gpu_layers
from engine.models.hardware import GiB, probe


def test_probe_this_machine() -> None:
    hw = probe()
    assert hw.cpu_physical >= 1 and hw.cpu_logical >= hw.cpu_physical
    assert hw.ram_total > 512 * 1024 * 1024 and 0 < hw.ram_available <= hw.ram_total
    assert hw.system
    if sys.platform.startswith("linux") and "x86" in __import__("platform").machine():
        assert "avx" in hw.cpu_features or hw.cpu_features == ()
    assert "RAM" in hw.describe()


def test_this_llama_build_cannot_offload() -> None:
    # the venv's llama-cpp-python is a CPU build; the real query says so
    assert hardware.llama_gpu_offload() is False


def _fake_nvml(free_gb: float, total_gb: float) -> types.ModuleType:
    m = types.ModuleType("pynvml")
    mem = types.SimpleNamespace(total=int(total_gb * GiB), free=int(free_gb * GiB), used=0)
    m.nvmlInit = lambda: None  # type: ignore[attr-defined]
    m.nvmlShutdown = lambda: None  # type: ignore[attr-defined]
    m.nvmlDeviceGetCount = lambda: 1  # type: ignore[attr-defined]
    m.nvmlDeviceGetHandleByIndex = lambda i: object()  # type: ignore[attr-defined]
    m.nvmlDeviceGetName = lambda h: b"NVIDIA GeForce RTX 3060"  # type: ignore[attr-defined]
    m.nvmlDeviceGetMemoryInfo = lambda h: mem  # type: ignore[attr-defined]
    return m


def test_nvidia_gpu_is_seen_but_cpu_build_keeps_layers_on_cpu(monkeypatch: pytest.MonkeyPatch,
                                                              starter_gguf: Path) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", _fake_nvml(free_gb=10.5, total_gb=12))
    hw = probe()
    assert [(g.name, g.backend) for g in hw.gpus] == [("NVIDIA GeForce RTX 3060", "CUDA")]
    assert hw.gpus[0].vram_free == int(10.5 * GiB)
    assert hw.gpu_offload is False and hw.best_gpu is None
    assert "cannot offload" in hw.describe()
    assert auto_gpu_layers(starter_gguf, 4096) == 0


def test_gpu_build_with_nvidia_card_offloads(monkeypatch: pytest.MonkeyPatch, starter_gguf: Path) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", _fake_nvml(free_gb=6, total_gb=8))
    monkeypatch.setattr(hardware, "llama_gpu_offload", lambda: True)  # as a CUDA build would answer
    hw = probe()
    assert hw.best_gpu is not None and hw.best_gpu.vram_total == 8 * GiB
    assert auto_gpu_layers(starter_gguf, 4096) == 31


def test_broken_nvml_means_no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _fake_nvml(1, 1)

    def fail() -> None:
        raise RuntimeError("NVML Shared Library Not Found")

    broken.nvmlInit = fail  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pynvml", broken)
    assert probe().gpus == ()
