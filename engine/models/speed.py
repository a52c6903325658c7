"""How fast would a model write here? A tokens-per-second estimate for models not yet downloaded.

Writing one token reads every weight of the model once, so on a CPU the time per token is about

    t(token) = t_fixed + weight_bytes / bandwidth

``bandwidth`` is this machine's memory bandwidth as one large copy measures it; ``t_fixed`` is
the per-token work that does not grow with the model (sampling, the pipe to the model process,
scheduling). Both are calibrated on the starter model, which is always installed: its measured
decode speed gives ``t(starter)``; whatever of it the bandwidth does not explain is ``t_fixed``.
If the starter decodes faster than the copy bandwidth allows (the copy underrates what several
llama.cpp threads reach), the starter's own bytes per second is taken as the bandwidth instead.

The two measurements take a few seconds; they are made once and cached in the state dir with
the machine and settings they were taken on (a different CPU, RAM size, thread count or
llama.cpp version measures again).

Layers on a GPU read from video memory: they count only when the GPU's bandwidth is known
(NVIDIA, from NVML); otherwise a model that fits the GPU gets no number, only "on the GPU".
The estimate is for short answers; a long context adds KV-cache reads on top.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from engine.models.hardware import Hardware

log = logging.getLogger(__name__)

CACHE_FILE = "speed-calibration.json"
FAST_TPS = 8.0       # faster than most people read: comfortable
USEFUL_TPS = 3.0     # below this an answer of a few hundred tokens takes minutes: too slow to be useful
STARTER_TOKENS = 48

Pace = Literal["fast", "usable", "too_slow", "gpu", "unknown"]


@dataclass(frozen=True)
class Calibration:
    bandwidth_bps: float      # memory copy bandwidth, bytes/s
    starter_tps: float        # the starter model's measured decode speed
    starter_bytes: int
    fixed_s: float            # per-token time that does not scale with model size
    effective_bps: float      # bandwidth used for the size-dependent part
    machine: dict             # what it was measured on (see machine_key)
    measured_at: float = 0.0

    @classmethod
    def from_measurements(cls, bandwidth_bps: float, starter_tps: float, starter_bytes: int,
                          machine: dict) -> "Calibration":
        if starter_tps <= 0 or bandwidth_bps <= 0 or starter_bytes <= 0:
            raise ValueError("calibration needs positive measurements")
        t_starter = 1.0 / starter_tps
        effective = max(bandwidth_bps, starter_bytes / t_starter)
        fixed = max(0.0, t_starter - starter_bytes / effective)
        return cls(bandwidth_bps, starter_tps, starter_bytes, fixed, effective, machine, time.time())

    def cpu_tokens_per_s(self, weight_bytes: float) -> float:
        return 1.0 / (self.fixed_s + weight_bytes / self.effective_bps)


@dataclass(frozen=True)
class SpeedEstimate:
    tokens_per_s: float | None
    pace: Pace

    @property
    def too_slow(self) -> bool:
        return self.pace == "too_slow"

    def describe(self) -> str:
        tps = self.tokens_per_s
        if self.pace == "gpu":
            return "on the GPU: fast" if tps is None else f"about {tps:.0f} tokens/s on the GPU"
        if tps is None:
            return "speed unknown"
        figure = f"about {tps:.0f} tokens/s" if tps >= 10 else f"about {tps:.1f} tokens/s"
        if self.pace == "too_slow":
            return f"{figure}: too slow to be useful here"
        if self.pace == "usable":
            return f"{figure}: usable, slower than reading"
        return figure


def pace_of(tps: float) -> Pace:
    return "fast" if tps >= FAST_TPS else "usable" if tps >= USEFUL_TPS else "too_slow"


def estimate(weights_bytes: int, layers_on_gpu: int, n_layers: int, cal: Calibration | None,
             hw: Hardware | None = None) -> SpeedEstimate:
    """Tokens/s for a model of ``weights_bytes`` with ``layers_on_gpu`` of ``n_layers`` offloaded."""
    on_gpu = min(max(layers_on_gpu, 0), n_layers) / n_layers if n_layers else 0.0
    gpu = hw.best_gpu if hw is not None else None
    gpu_bps = getattr(gpu, "bandwidth_bps", None) if gpu is not None else None
    if on_gpu >= 1.0:
        if gpu_bps and cal is not None:
            return SpeedEstimate(1.0 / (cal.fixed_s + weights_bytes / gpu_bps), "gpu")
        return SpeedEstimate(None, "gpu")
    if cal is None:
        return SpeedEstimate(None, "unknown")
    cpu_bytes = weights_bytes * (1.0 - on_gpu)
    seconds = cal.fixed_s + cpu_bytes / cal.effective_bps
    if on_gpu > 0 and gpu_bps:
        seconds += weights_bytes * on_gpu / gpu_bps
    tps = 1.0 / seconds
    return SpeedEstimate(tps, pace_of(tps))


def estimate_plan(plan: Any, cal: Calibration | None, hw: Hardware | None = None) -> SpeedEstimate:
    """The estimate for a :class:`engine.models.fit.FitPlan` (``too_large`` models get none)."""
    if plan.verdict == "too_large":
        return SpeedEstimate(None, "unknown")
    return estimate(plan.weights_bytes, plan.layers_on_gpu, plan.n_layers, cal, hw)


# -- measuring ------------------------------------------------------------------------------------

def machine_key(hw: Hardware, n_threads: int) -> dict:
    """What a calibration depends on; a change in any of it means measuring again."""
    try:
        from importlib.metadata import version
        llama = version("llama-cpp-python")
    except Exception:  # noqa: BLE001 - not installed: calibration can still be read
        llama = "unknown"
    return {"cpu_physical": hw.cpu_physical, "cpu_logical": hw.cpu_logical, "ram_total": hw.ram_total,
            "cpu_features": list(hw.cpu_features), "n_threads": n_threads, "llama_cpp": llama}


def measure_bandwidth(megabytes: int = 128, repeats: int = 3) -> float:
    """Bytes/s of the best of ``repeats`` large memory copies (read + write counted)."""
    import numpy as np

    src = np.ones(megabytes * 1024 * 1024, dtype=np.uint8)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # touch every page first
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)  # numpy releases the GIL for the copy
        best = min(best, time.perf_counter() - t0)
    return 2 * src.nbytes / best


def measure_starter(n_threads: int = 0, tokens: int = STARTER_TOKENS, runs: int = 2) -> tuple[float, int]:
    """The starter model's decode speed here (best of ``runs``), through a real model process."""
    from engine.config import ModelSettings
    from engine.inference import ModelHost
    from engine.models.registry import InstalledModel
    from engine.starter import STARTER_MODEL_ID, starter_model_path

    path = starter_model_path()
    settings = ModelSettings(n_ctx=512, n_threads=n_threads, n_gpu_layers=0, temperature=0.0, seed=1,
                             max_tokens=tokens)
    host = ModelHost(InstalledModel(STARTER_MODEL_ID, path, "starter"), settings)
    best = 0.0
    try:
        host.load()
        prompt = [{"role": "user", "content": "Tell a long story about a lighthouse by the sea."}]
        for _ in range(runs):
            for _piece in host.stream_chat(prompt, max_tokens=tokens):
                pass
            stats = host.last_stats
            # the model process's own figure: the pipe back to us is not part of decoding
            best = max(best, float(getattr(stats, "child_tokens_per_s", 0.0) or stats.tokens_per_s))
    finally:
        host.unload()
    return best, path.stat().st_size


def cache_path() -> Path:
    from engine.paths import get_paths
    return get_paths().data_dir / CACHE_FILE


def load_calibration(machine: dict, path: Path | None = None) -> Calibration | None:
    """The cached calibration for ``machine``, or None (missing, damaged, or another machine)."""
    path = path or cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cal = Calibration(**data)
    except (OSError, ValueError, TypeError):
        return None
    return cal if cal.machine == machine else None


def calibrate(hw: Hardware, n_threads: int = 0, *, force: bool = False,
              starter: Callable[[int], tuple[float, int]] | None = None,
              bandwidth: Callable[[], float] | None = None) -> Calibration:
    """The calibration for this machine: from the cache, else measured now and cached.

    Blocks for a few seconds when it measures: call it from a worker thread."""
    from engine.fsutil import atomic_write_text

    machine = machine_key(hw, n_threads)
    if not force:
        cached = load_calibration(machine)
        if cached is not None:
            return cached
    bps = (bandwidth or measure_bandwidth)()
    tps, size = (starter or measure_starter)(n_threads)
    cal = Calibration.from_measurements(bps, tps, size, machine)
    try:
        path = cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(asdict(cal), indent=1))
    except Exception as exc:  # noqa: BLE001 - an estimate we cannot cache is still an estimate
        log.warning("could not cache the speed calibration: %s", exc)
    log.info("speed calibration: %.1f GB/s copy, starter %.1f tokens/s, fixed %.1f ms/token",
             bps / 1e9, tps, cal.fixed_s * 1000)
    return cal
