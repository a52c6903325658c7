"""Plain result types of local inference (picklable, importable without llama_cpp)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LoadInfo:
    """What a load actually produced, for the settings page and `hearth models info`."""

    backend: str                 # "CPU" | "CUDA" | "Metal" | "Vulkan" | ... | "remote"
    n_ctx: int
    n_gpu_layers: int            # layers actually offloaded (0 on CPU)
    load_s: float
    model_path: Path | str
    n_threads: int = 0
    chat_template_source: str = "gguf"  # "gguf" | "model" | "settings" | "fallback"
    notes: list[str] = field(default_factory=list)  # person-readable: retries, restarts, fallbacks


@dataclass
class GenerationStats:
    """Figures of the last finished (or cancelled) generation."""

    tokens: int = 0              # tokens generated
    prompt_tokens: int = 0       # tokens in the formatted prompt
    prompt_eval_tokens: int = 0  # prompt tokens actually evaluated (the rest came from the KV cache)
    ttft_s: float = 0.0          # request sent → first text piece received, in the caller
    tokens_per_s: float = 0.0    # decode speed after the first token, measured in the caller
    cancelled: bool = False
    finish_reason: str = ""      # "stop" | "length" | "context" | "cancelled"
    child_tokens_per_s: float = 0.0  # decode speed inside the model process (no pipe): overhead check
    child_decode_cpu_s: float = 0.0  # CPU time the model process spent from first to last token

    @property
    def cached_tokens(self) -> int:
        return self.prompt_tokens - self.prompt_eval_tokens


@dataclass
class FitResult:
    """Messages that fit the context window, and how many old turns were left out."""

    messages: list[dict]
    dropped_turns: int
    prompt_tokens: int = 0
    reply_budget: int = 0        # tokens left for the answer (≤ max_tokens)
