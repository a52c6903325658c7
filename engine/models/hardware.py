"""What this machine can run: CPU, RAM, GPUs with free VRAM, and GPU offload support.

* RAM and cores from psutil; CPU features from /proc/cpuinfo (Linux) or the platform.
* NVIDIA GPUs through NVML (the ``nvidia-ml-py`` package, when installed): name, total and
  *free* VRAM, because other programs' use of the card is what limits us.
* Apple Silicon: the GPU shares RAM; llama.cpp's Metal backend may use roughly three quarters
  of it (macOS's default working-set limit), which is what we report as VRAM.
* Whether this llama-cpp-python build can offload at all (``llama_supports_gpu_offload``):
  asked only when a GPU was found, because importing llama_cpp loads the native library.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.diagnosis import Diagnosis

log = logging.getLogger(__name__)

MiB = 1024 * 1024
GiB = 1024 * MiB
_INTERESTING_FLAGS = ("avx", "avx2", "avx512f", "avx512_vnni", "avx_vnni", "fma", "f16c", "amx_tile",
                      "asimd", "sve", "neon")
METAL_SHARE = 0.75  # share of unified memory macOS lets the GPU wire by default (approximate)


@dataclass(frozen=True)
class GPU:
    name: str
    vram_total: int
    vram_free: int
    backend: str  # "CUDA", "Metal", ...
    bandwidth_bps: float | None = None  # video memory bandwidth, when the driver tells (speed estimates)


@dataclass(frozen=True)
class Hardware:
    cpu_physical: int
    cpu_logical: int
    ram_total: int
    ram_available: int
    gpus: tuple[GPU, ...] = ()
    gpu_offload: bool = False          # this llama.cpp build can put layers on a GPU
    cpu_features: tuple[str, ...] = ()
    system: str = field(default_factory=platform.system)

    @property
    def best_gpu(self) -> GPU | None:
        """The GPU with the most free VRAM, if the build can use it (llama.cpp uses one main GPU)."""
        if not self.gpus or not self.gpu_offload:
            return None
        return max(self.gpus, key=lambda g: g.vram_free)

    def describe(self) -> str:
        parts = [f"{self.cpu_physical} cores ({', '.join(self.cpu_features) or 'no SIMD flags seen'})",
                 f"RAM {self.ram_available / GiB:.1f} of {self.ram_total / GiB:.1f} GiB free"]
        for g in self.gpus:
            parts.append(f"{g.name} [{g.backend}] {g.vram_free / GiB:.1f} of {g.vram_total / GiB:.1f} GiB free")
        if self.gpus and not self.gpu_offload:
            parts.append("this llama.cpp build cannot offload to the GPU (CPU-only build)")
        return "; ".join(parts)


def _memory() -> tuple[int, int, int, int]:
    try:
        import psutil

        vm = psutil.virtual_memory()
        return (psutil.cpu_count(logical=False) or os.cpu_count() or 1, psutil.cpu_count() or 1,
                int(vm.total), int(vm.available))
    except ImportError:  # psutil is a dependency, but never crash a probe over it
        total = avail = 0
        try:
            with open("/proc/meminfo", encoding="ascii") as fh:
                info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in fh if ":" in line}
            total, avail = info.get("MemTotal", 0), info.get("MemAvailable", 0)
        except OSError:
            pass
        n = os.cpu_count() or 1
        return n, n, total, avail


def _cpu_features() -> tuple[str, ...]:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if line.startswith(("flags", "Features")):
                        have = set(line.split(":", 1)[1].split())
                        return tuple(f for f in _INTERESTING_FLAGS if f in have)
        except OSError:
            return ()
    if platform.machine().lower() in ("arm64", "aarch64"):
        return ("neon",)
    return ()


def _nvidia_gpus() -> list[GPU]:
    try:
        import pynvml  # nvidia-ml-py
    except ImportError:
        return []
    gpus = []
    try:
        pynvml.nvmlInit()
        try:
            for i in range(pynvml.nvmlDeviceGetCount()):
                handle = pynvml.nvmlDeviceGetHandleByIndex(i)
                name = pynvml.nvmlDeviceGetName(handle)
                mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
                gpus.append(GPU(name.decode() if isinstance(name, bytes) else str(name),
                                int(mem.total), int(mem.free), "CUDA", _nvidia_bandwidth(pynvml, handle)))
        finally:
            pynvml.nvmlShutdown()
    except Exception as exc:  # noqa: BLE001 - no driver, no device: simply no NVIDIA GPU
        log.debug("NVML probe failed: %s", exc)
        return []
    return gpus


def _nvidia_bandwidth(pynvml: Any, handle: Any) -> float | None:
    """Peak memory bandwidth: memory clock × 2 (double data rate) × bus width."""
    try:
        clock_mhz = pynvml.nvmlDeviceGetMaxClockInfo(handle, pynvml.NVML_CLOCK_MEM)
        bus_bits = pynvml.nvmlDeviceGetMemoryBusWidth(handle)
        return float(clock_mhz) * 1e6 * 2 * bus_bits / 8 if clock_mhz and bus_bits else None
    except Exception:  # noqa: BLE001 - older drivers lack these calls: no figure, no failure
        return None


@lru_cache(maxsize=1)
def llama_gpu_offload() -> bool:
    """Whether the installed llama.cpp build supports GPU offload (loads the native library)."""
    try:
        import llama_cpp

        return bool(llama_cpp.llama_supports_gpu_offload())
    except Exception as exc:  # noqa: BLE001 - a broken build simply cannot offload
        log.debug("llama_supports_gpu_offload failed: %s", exc)
        return False


def probe(*, ask_llama: bool = True) -> Hardware:
    """Probe this machine now (cheap: no model is loaded; llama_cpp only if a GPU exists).

    ``ask_llama=False`` never loads llama.cpp (``hearth doctor``'s own process: a broken native
    build must not crash it); ``gpu_offload`` is then False and Apple's GPU is not listed."""
    physical, logical, ram_total, ram_avail = _memory()
    gpus = _nvidia_gpus()
    apple_silicon = sys.platform == "darwin" and platform.machine() == "arm64"
    offload = False
    if ask_llama and (gpus or apple_silicon):
        offload = llama_gpu_offload()
    if apple_silicon and offload:
        share = int(ram_total * METAL_SHARE)
        gpus.append(GPU("Apple GPU", share, min(share, ram_avail), "Metal"))
    return Hardware(physical, logical, ram_total, ram_avail, tuple(gpus), offload, _cpu_features())


def diagnose(*, ask_llama: bool = False) -> Diagnosis:
    """This machine as ``hearth doctor`` reports it, from :func:`probe` (the model manager's own
    view: what fit plans and speed estimates are computed from). Not a problem to have no GPU."""
    from engine.diagnosis import Diagnosis

    hw = probe(ask_llama=ask_llama)
    return Diagnosis("hardware", {
        "os": platform.platform(), "machine": platform.machine(), "cpu_logical": hw.cpu_logical,
        "cpu_physical": hw.cpu_physical, "ram_total_bytes": hw.ram_total, "ram_available_bytes": hw.ram_available,
        "cpu_features": list(hw.cpu_features),
        "gpus": [{"name": g.name, "backend": g.backend, "vram_total_bytes": g.vram_total,
                  "vram_free_bytes": g.vram_free} for g in hw.gpus]})
