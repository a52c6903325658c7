"""The memory planner against simulated machines, with expectations computed by hand.

Constants (engine.models.fit): GPU_RESERVE = CPU_OVERHEAD = 512 MiB, f16 KV cache.
All figures below are MiB. KV per layer = 2 × n_ctx × kv_heads × head_dim × 2 bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.models import fit
from engine.models.catalog import load_catalog
from engine.models.fit import ModelShape, auto_gpu_layers, fallback_layers, plan, plan_entry
from engine.models.hardware import GPU, GiB, MiB, Hardware

# "12B-like": 40 layers × 160 MiB + 600 MiB embeddings/head; 8 KV heads × 128 dims.
# n_ctx 4096 → KV/layer = 2·4096·8·128·2 B = 16 MiB → 176 MiB per offloaded layer.
MID = ModelShape("mid", n_layers=40, kv_heads=8, head_dim=128, layers_bytes=40 * 160 * MiB, other_bytes=600 * MiB)
# "70B-like": 80 layers × 480 MiB + 1000 MiB; same KV geometry → 496 MiB per layer.
BIG = ModelShape("big", n_layers=80, kv_heads=8, head_dim=128, layers_bytes=80 * 480 * MiB, other_bytes=1000 * MiB)
# "1B-like": 16 layers × 40 MiB + 200 MiB.
SMALL = ModelShape("small", n_layers=16, kv_heads=8, head_dim=64, layers_bytes=16 * 40 * MiB, other_bytes=200 * MiB)


def machine(ram_gb: int, vram_gb: int | None = None, offload: bool = True) -> Hardware:
    # Simulated machines: the OS and other apps hold some RAM, so "available" < total.
    available = {8: 6, 16: 13, 64: 58}[ram_gb]
    gpus = (GPU(f"sim {vram_gb} GB", vram_gb * GiB, vram_gb * GiB, "CUDA"),) if vram_gb else ()
    return Hardware(cpu_physical=8, cpu_logical=16, ram_total=ram_gb * GiB, ram_available=available * GiB,
                    gpus=gpus, gpu_offload=offload and bool(gpus))


def test_kv_cache_formula() -> None:
    assert MID.kv_bytes_per_layer(4096) == 16 * MiB
    assert MID.kv_bytes_per_layer(8192) == 32 * MiB


@pytest.mark.parametrize("hw, verdict, n_gpu, on_gpu, ram_mib", [
    # no GPU, 8 GB (6 GiB free): 40·176 + 600 + 512 = 8152 MiB > 6144 → too large
    (machine(8), "too_large", 0, 0, 8152),
    # no GPU, 16 GB (13 GiB free): 8152 ≤ 13312 → CPU only
    (machine(16), "cpu", 0, 0, 8152),
    # 6 GB VRAM: budget 6144 − 512 = 5632 → ⌊5632/176⌋ = 32 layers; RAM 8·176 + 600 + 512 = 2520
    (machine(8, 6), "partial", 32, 32, 2520),
    # 12 GB VRAM: all 40·176 + 600 = 7640 ≤ 11776 → GPU, n_gpu_layers = 41 (output head too)
    (machine(16, 12), "gpu", 41, 40, 512),
    # 24 GB VRAM: same, with room to spare
    (machine(64, 24), "gpu", 41, 40, 512),
    # a GPU but a CPU-only llama.cpp build → CPU only
    (machine(16, 12, offload=False), "cpu", 0, 0, 8152),
])
def test_mid_model_on_simulated_machines(hw: Hardware, verdict: str, n_gpu: int, on_gpu: int, ram_mib: int) -> None:
    p = plan(MID, hw, 4096)
    assert (p.verdict, p.n_gpu_layers, p.layers_on_gpu) == (verdict, n_gpu, on_gpu)
    assert p.ram_bytes == ram_mib * MiB
    assert p.kv_bytes == 40 * 16 * MiB


def test_big_model_needs_both_gpu_and_ram() -> None:
    # 24 GB: budget 24064 → ⌊24064/496⌋ = 48 layers; RAM 32·496 + 1000 + 512 = 17384 MiB
    on_16 = plan(BIG, machine(16, 24), 4096)
    assert on_16.verdict == "too_large" and on_16.ram_bytes == 17384 * MiB   # 13 GiB free < 17384
    on_64 = plan(BIG, machine(64, 24), 4096)
    assert (on_64.verdict, on_64.n_gpu_layers, on_64.gpu_bytes) == ("partial", 48, 48 * 496 * MiB + 512 * MiB)
    assert "48 of 80 layers" in on_64.describe()
    # without a GPU even 64 GB is not enough: 80·496 + 1000 + 512 = 41192 ≤ 59392 → fits on CPU
    assert plan(BIG, machine(64), 4096).verdict == "cpu"


def test_small_model_fits_a_6gb_card_and_an_8gb_laptop() -> None:
    assert plan(SMALL, machine(8, 6), 4096).verdict == "gpu"
    # CPU: KV/layer = 2·4096·8·64·2 = 8 MiB → 16·48 + 200 + 512 = 1480 MiB
    p = plan(SMALL, machine(8), 4096)
    assert p.verdict == "cpu" and p.ram_bytes == 1480 * MiB


def test_longer_context_moves_layers_off_the_gpu() -> None:
    # n_ctx 16384: KV/layer 64 MiB → 224 MiB per layer → ⌊5632/224⌋ = 25 layers on a 6 GB card
    p = plan(MID, machine(16, 6), 16384)
    assert (p.verdict, p.n_gpu_layers) == ("partial", 25)


def test_shape_from_real_gguf_and_catalog(starter_gguf: Path) -> None:
    from engine.models.gguf_meta import read_gguf

    shape = ModelShape.from_gguf(read_gguf(starter_gguf))
    assert (shape.n_layers, shape.kv_heads, shape.head_dim) == (30, 3, 64)
    entry = load_catalog().get("smollm2-135m-instruct-q4_1")
    estimate = ModelShape.from_entry(entry)
    assert estimate.weights_bytes == entry.size_estimate
    # the estimate from the file size is within 5% of the exact per-tensor sum
    assert abs(estimate.weights_bytes - shape.weights_bytes) / shape.weights_bytes < 0.05
    exact = plan_entry(entry, machine(8), 4096, local=starter_gguf)
    assert exact.weights_bytes == shape.weights_bytes and exact.verdict == "cpu"
    # context is capped at the model's native length
    assert plan_entry(entry, machine(8), 100_000).n_ctx == 8192


def test_auto_gpu_layers(starter_gguf: Path) -> None:
    assert auto_gpu_layers(starter_gguf, 4096, hw=machine(16)) == 0                 # no GPU
    assert auto_gpu_layers(starter_gguf, 4096, hw=machine(16, 12, offload=False)) == 0
    assert auto_gpu_layers(starter_gguf, 4096, hw=machine(16, 6)) == 31             # all 30 + output
    # this CI machine has no GPU / a CPU-only build: the real probe says 0
    assert auto_gpu_layers(starter_gguf, 4096) == 0


def test_auto_gpu_layers_on_tiny_vram_offloads_part(starter_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fit, "GPU_RESERVE", 0)
    from engine.models.gguf_meta import read_gguf

    shape = ModelShape.from_gguf(read_gguf(starter_gguf))
    per_layer = shape.layers_bytes // 30 + shape.kv_bytes_per_layer(4096)
    vram = 10 * per_layer + per_layer // 2
    hw = Hardware(2, 2, 8 * GiB, 6 * GiB, (GPU("tiny", vram, vram, "CUDA"),), True)
    assert auto_gpu_layers(starter_gguf, 4096, hw=hw) == 10


def test_fallback_schedule() -> None:
    assert fallback_layers(41) == [41, 20, 0]
    assert fallback_layers(99, n_layers=40) == [41, 20, 0]
    assert fallback_layers(1) == [1, 0]
    assert fallback_layers(0) == [0]
