"""Speed estimates: the arithmetic, the once-only calibration on the real starter model, and the
per-file fit and speed of a hub repo's quantisations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.models import speed
from engine.models.catalog import load_catalog
from engine.models.fit import plan_entry
from engine.models.hardware import GPU, GiB, Hardware, probe
from engine.models.hub import HubFileInfo
from engine.models.quant_choice import is_split, quant_of, rate_files, shape_source

MACHINE = {"cpu_physical": 2}


def cpu_box(ram_gb: float = 16) -> Hardware:
    return Hardware(2, 4, int(ram_gb * GiB), int(ram_gb * GiB * 0.8))


def test_calibration_splits_fixed_and_size_dependent_time() -> None:
    # 10 GB/s copy; a 100 MB starter at 40 tokens/s: 25 ms per token, 10 ms of it reading weights
    cal = speed.Calibration.from_measurements(10e9, 40.0, 100_000_000, MACHINE)
    assert cal.effective_bps == 10e9 and cal.fixed_s == pytest.approx(0.015)
    assert cal.cpu_tokens_per_s(100_000_000) == pytest.approx(40.0)
    assert cal.cpu_tokens_per_s(5e9) == pytest.approx(1 / (0.015 + 0.5))
    # a starter faster than the copy explains: its own bytes per second is the bandwidth, no fixed part
    fast = speed.Calibration.from_measurements(1e9, 40.0, 100_000_000, MACHINE)
    assert fast.effective_bps == pytest.approx(4e9) and fast.fixed_s == 0.0
    with pytest.raises(ValueError):
        speed.Calibration.from_measurements(10e9, 0.0, 100_000_000, MACHINE)


def test_estimates_fall_with_size_and_mark_what_is_too_slow() -> None:
    cal = speed.Calibration.from_measurements(12e9, 26.0, 98_362_432, MACHINE)
    small = speed.estimate(400_000_000, 0, 24, cal)
    mid = speed.estimate(2_000_000_000, 0, 36, cal)
    big = speed.estimate(7_000_000_000, 0, 48, cal)
    assert small.tokens_per_s > mid.tokens_per_s > big.tokens_per_s
    assert small.pace == "fast" and mid.pace == "usable" and big.pace == "too_slow" and big.too_slow
    assert "too slow to be useful" in big.describe() and "tokens/s" in big.describe()
    assert "usable" in mid.describe()
    # all layers on a GPU whose bandwidth is unknown: no made-up figure
    gpu_box = Hardware(2, 4, 16 * GiB, 12 * GiB, (GPU("card", 8 * GiB, 8 * GiB, "CUDA"),), True)
    on_gpu = speed.estimate(7_000_000_000, 48, 48, cal, gpu_box)
    assert on_gpu.pace == "gpu" and on_gpu.tokens_per_s is None and "GPU" in on_gpu.describe()
    # with the card's bandwidth known: a figure, and half on the GPU beats none on it
    fast_card = Hardware(2, 4, 16 * GiB, 12 * GiB, (GPU("card", 8 * GiB, 8 * GiB, "CUDA", 400e9),), True)
    assert speed.estimate(7_000_000_000, 48, 48, cal, fast_card).tokens_per_s > 20
    half = speed.estimate(7_000_000_000, 24, 48, cal, fast_card)
    assert big.tokens_per_s < half.tokens_per_s < 2 * big.tokens_per_s + 1
    assert speed.estimate(7_000_000_000, 0, 48, None).pace == "unknown"


def test_catalog_estimates_on_a_two_core_machine_mark_the_12b_model() -> None:
    cal = speed.Calibration.from_measurements(12e9, 26.0, 98_362_432, MACHINE)
    hw = cpu_box(32)
    by_id = {e.id: speed.estimate_plan(plan_entry(e, hw, 4096), cal, hw) for e in load_catalog()}
    assert by_id["gemma-3-12b-it-q4_k_s"].too_slow
    assert by_id["smollm2-135m-instruct-q4_1"].pace == "fast"
    # too large for the memory: no speed at all
    tiny = cpu_box(2)
    assert speed.estimate_plan(plan_entry(load_catalog().get("gemma-3-12b-it-q4_k_s"), tiny, 4096), cal, tiny).pace \
        == "unknown"


def test_calibration_is_measured_once_on_the_real_starter_and_cached(hearth_home: Path) -> None:
    hw = probe()
    calls: list[int] = []

    def starter(n_threads: int) -> tuple[float, int]:
        calls.append(n_threads)
        return speed.measure_starter(n_threads, tokens=16, runs=1)   # the real model process

    cal = speed.calibrate(hw, 1, starter=starter)
    assert calls == [1] and cal.starter_tps > 0 and cal.bandwidth_bps > 1e8
    cached = json.loads((hearth_home / "data" / speed.CACHE_FILE).read_text())
    assert cached["starter_tps"] == cal.starter_tps and cached["machine"]["n_threads"] == 1
    assert speed.calibrate(hw, 1, starter=starter) == cal and calls == [1]   # from the cache

    def no_measuring(_n: int) -> tuple[float, int]:
        raise AssertionError("measured again")

    assert speed.calibrate(hw, 1, starter=no_measuring).starter_tps == cal.starter_tps
    # other settings (threads) or a damaged file: measured again
    quick = lambda n: (30.0, 98_362_432)  # noqa: E731
    assert speed.calibrate(hw, 2, starter=quick).machine["n_threads"] == 2
    (hearth_home / "data" / speed.CACHE_FILE).write_text("{broken")
    assert speed.calibrate(hw, 1, starter=quick).starter_tps == 30.0


def test_quantisation_names_and_split_files() -> None:
    assert quant_of("Qwen2.5-7B-Instruct-Q4_K_M.gguf") == "Q4_K_M"
    assert quant_of("model.IQ3_XS.gguf") == "IQ3_XS"
    assert quant_of("llama-3.2-1b-instruct-f16.gguf") == "F16"
    assert quant_of("SmolLM2-135M-Instruct.Q4_1.gguf") == "Q4_1"
    assert quant_of("notes.gguf") == "?"
    assert is_split("big-Q8_0-00001-of-00003.gguf") and not is_split("big-Q8_0.gguf")


def test_each_file_of_a_repo_gets_its_own_fit_and_speed() -> None:
    catalog = list(load_catalog())
    cal = speed.Calibration.from_measurements(12e9, 26.0, 98_362_432, MACHINE)
    hw = cpu_box(8)
    files = [HubFileInfo("Qwen2.5-7B-Instruct-Q8_0.gguf", 8_100_000_000, "a" * 64),
             HubFileInfo("Qwen2.5-7B-Instruct-Q2_K.gguf", 3_000_000_000, "b" * 64),
             HubFileInfo("Qwen2.5-7B-Instruct-Q4_K_M.gguf", 4_680_000_000, "c" * 64),
             HubFileInfo("Qwen2.5-7B-Instruct-f16-00001-of-00004.gguf", 4_000_000_000, "d" * 64)]
    rated = rate_files("someone/Qwen2.5-7B-Instruct-GGUF", files, hw, 4096, catalog, cal)
    assert [c.quant for c in rated] == ["Q2_K", "Q4_K_M", "Q8_0", "F16"]
    q2, q4, q8, split = rated
    assert q2.same_model and q2.plan.n_layers == 28  # the catalog's Qwen2.5 7B shape
    assert q8.plan.verdict == "too_large" and q4.plan.verdict == "cpu"
    assert q2.speed.tokens_per_s > q4.speed.tokens_per_s
    assert split.split and not split.downloadable and "split" in split.describe()
    assert "tokens/s" in q4.describe() and "estimated" not in q4.describe()
    # a repo the catalog does not know borrows the shape of the closest size, and says so
    other = rate_files("x/Unknown-Model-GGUF", [HubFileInfo("unknown.Q4_K_M.gguf", 950_000_000, "e" * 64)], hw,
                       4096, catalog, cal)[0]
    like, same = shape_source("x/Unknown-Model-GGUF", 950_000_000, catalog)
    assert not same and like.id == "qwen2.5-1.5b-instruct-q4_k_m"
    assert "estimated from a similar-sized model" in other.describe()
