"""Will it fit? The memory planner behind "runs on GPU / partly offloaded / CPU only / too large".

Memory of a loaded model (llama.cpp, f16 KV cache):

* weights: the repeating layers (``blk.N.*``) plus the rest (token embeddings, output head);
* KV cache: ``2 (K and V) × n_ctx × kv_heads × head_dim × 2 bytes`` per layer;
* overhead: compute buffers and runtime — ``GPU_RESERVE`` on the card (CUDA/Metal context,
  scratch), ``CPU_OVERHEAD`` in RAM.

A layer offloaded to the GPU takes its weights *and* its KV cache with it. The planner fills the
GPU's free VRAM (minus the reserve) with whole layers, then checks that what is left fits in
available RAM. ``n_gpu_layers = n_layers + 1`` means "everything", including the output head
(llama.cpp offloads the output layer only when ``n_gpu_layers > n_layers``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.models.catalog import CatalogEntry
from engine.models.gguf_meta import GGUFInfo, read_gguf
from engine.models.hardware import GiB, MiB, Hardware, probe

log = logging.getLogger(__name__)

GPU_RESERVE = 512 * MiB
CPU_OVERHEAD = 512 * MiB
KV_BYTES_PER_VALUE = 2  # f16 cache

Verdict = Literal["gpu", "partial", "cpu", "too_large"]
VERDICT_WORDS = {"gpu": "runs on the GPU", "partial": "part GPU, part CPU", "cpu": "runs on the CPU",
                 "too_large": "too large for this computer"}


def verdict_words(verdict: str) -> str:
    return VERDICT_WORDS.get(verdict, verdict)


@dataclass(frozen=True)
class ModelShape:
    """What the planner needs to know about a model."""

    name: str
    n_layers: int
    kv_heads: int
    head_dim: int
    layers_bytes: int   # all repeating layers together
    other_bytes: int    # embeddings, output head, norms

    @property
    def weights_bytes(self) -> int:
        return self.layers_bytes + self.other_bytes

    @classmethod
    def from_gguf(cls, info: GGUFInfo) -> "ModelShape":
        if not (info.n_layers and info.n_head_kv and info.head_dim):
            raise ValueError(f"{info.path.name} lacks layer/head counts in its metadata")
        layers, other = info.layer_bytes()
        return cls(info.name or info.path.stem, info.n_layers, info.n_head_kv, info.head_dim, layers, other)

    @classmethod
    def from_entry(cls, entry: CatalogEntry) -> "ModelShape":
        # Before download we only know the file size: count the embeddings + output head as
        # one extra layer's worth (close for the catalog's models; the local file is exact).
        total = entry.size_estimate
        other = total // (entry.layers + 1)
        return cls(entry.name, entry.layers, entry.kv_heads, entry.head_dim, total - other, other)

    def kv_bytes_per_layer(self, n_ctx: int) -> int:
        return 2 * n_ctx * self.kv_heads * self.head_dim * KV_BYTES_PER_VALUE


@dataclass(frozen=True)
class FitPlan:
    verdict: Verdict
    n_gpu_layers: int        # what to pass to llama.cpp (n_layers + 1 = everything)
    layers_on_gpu: int       # repeating layers offloaded (0..n_layers)
    n_layers: int
    weights_bytes: int
    kv_bytes: int
    gpu_bytes: int           # planned use of VRAM
    ram_bytes: int           # planned use of RAM
    n_ctx: int
    gpu_name: str | None = None

    def describe(self) -> str:
        need = f"needs {(self.weights_bytes + self.kv_bytes) / GiB:.1f} GiB for weights + context {self.n_ctx}"
        if self.verdict == "gpu":
            return f"runs fully on the GPU ({self.gpu_name}); {need}"
        if self.verdict == "partial":
            return (f"partly offloaded: {self.layers_on_gpu} of {self.n_layers} layers on the GPU "
                    f"({self.gpu_name}), the rest on the CPU; {need}")
        if self.verdict == "cpu":
            return f"CPU only; {need}"
        return f"too large for this machine: {need}, plus overhead"


def plan(shape: ModelShape, hw: Hardware, n_ctx: int) -> FitPlan:
    """Place as many whole layers on the GPU as fit; the rest must fit in available RAM."""
    kv_layer = shape.kv_bytes_per_layer(n_ctx)
    per_layer = shape.layers_bytes // shape.n_layers + kv_layer
    kv_total = kv_layer * shape.n_layers
    gpu = hw.best_gpu
    budget = max(gpu.vram_free - GPU_RESERVE, 0) if gpu else 0

    def result(verdict: Verdict, k: int, gpu_bytes: int, ram_bytes: int) -> FitPlan:
        n_gpu = shape.n_layers + 1 if verdict == "gpu" else (k if verdict == "partial" else 0)
        return FitPlan(verdict, n_gpu, k if verdict in ("gpu", "partial") else 0, shape.n_layers,
                       shape.weights_bytes, kv_total, gpu_bytes, ram_bytes, n_ctx,
                       gpu.name if gpu and verdict in ("gpu", "partial") else None)

    everything_on_gpu = per_layer * shape.n_layers + shape.other_bytes
    if gpu and everything_on_gpu <= budget and CPU_OVERHEAD <= hw.ram_available:
        return result("gpu", shape.n_layers, everything_on_gpu + GPU_RESERVE, CPU_OVERHEAD)
    k = min(budget // per_layer, shape.n_layers) if gpu else 0
    ram_need = (shape.n_layers - k) * per_layer + shape.other_bytes + CPU_OVERHEAD
    if ram_need <= hw.ram_available:
        if k > 0:
            return result("partial", k, k * per_layer + GPU_RESERVE, ram_need)
        return result("cpu", 0, 0, ram_need)
    return result("too_large", 0, 0, ram_need)


def plan_entry(entry: CatalogEntry, hw: Hardware, n_ctx: int, local: Path | None = None) -> FitPlan:
    """Plan for a catalog entry, exact when its file is already on disk."""
    shape = None
    if local is not None and local.is_file():
        try:
            shape = ModelShape.from_gguf(read_gguf(local))
        except Exception as exc:  # noqa: BLE001 - fall back to catalog figures
            log.warning("could not read %s for the fit estimate: %s", local, exc)
    return plan(shape or ModelShape.from_entry(entry), hw, min(n_ctx, entry.context))


def auto_gpu_layers(path: Path, n_ctx: int, hw: Hardware | None = None) -> int:
    """``n_gpu_layers`` for ``n_gpu_layers="auto"``: 0 without a usable GPU or offload support."""
    hw = hw or probe()
    if hw.best_gpu is None:
        return 0
    shape = ModelShape.from_gguf(read_gguf(path))
    p = plan(shape, hw, n_ctx)
    log.info("auto n_gpu_layers for %s at n_ctx=%d: %s", Path(path).name, n_ctx, p.describe())
    return p.n_gpu_layers


def fallback_layers(n_gpu_layers: int, n_layers: int | None = None) -> list[int]:
    """Layer counts to try in order after a load fails for memory: as planned, half, then CPU."""
    start = n_gpu_layers if n_layers is None else min(n_gpu_layers, n_layers + 1)
    steps = [start, start // 2, 0] if start > 0 else [0]
    return sorted(set(steps), reverse=True)
