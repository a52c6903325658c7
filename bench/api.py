"""What ``hearth serve`` costs on top of the core, in one run on the same model and prompt.

* ``decode_ratio``: decode tokens/s of a streamed answer through the local API (the official
  ``openai`` SDK as the client, SSE over loopback) vs ``Core.complete`` iterated directly —
  both timed by their consumer from the first to the last text piece; medians of alternated runs.
* ``overhead_ms_p50`` / ``overhead_ms_p95``: the latency one request gains by going through the
  API: a non-streamed one-token answer through the SDK minus the same answer from the core,
  paired and alternated (the pairs' differences, in milliseconds).

Targets (docs/api.md): decode_ratio >= 0.97, overhead_ms_p50 <= 5. Writes bench/out/api.json;
the last stdout line is that JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.net import enforce_offline_defaults  # noqa: E402

enforce_offline_defaults()
os.environ["HEARTH_HOME"] = tempfile.mkdtemp(prefix="hearth-bench-api-")

import openai  # noqa: E402

from engine.config import Config, ModelSettings  # noqa: E402
from engine.core import Core  # noqa: E402
from engine.events import Done, Token  # noqa: E402
from engine.serve.server import api_server  # noqa: E402

PROMPT = [{"role": "user", "content": "Write a short paragraph about the history of bread."}]
SHORT = [{"role": "user", "content": "Say yes."}]
TOKEN = "bench-token-" + "b" * 32
DECODE_TOKENS = 128


def _core_decode(core: Core) -> tuple[float, int]:
    first = last = 0.0
    tokens = 0
    for ev in core.complete(PROMPT, max_tokens=DECODE_TOKENS, temperature=0.0):
        if isinstance(ev, Token):
            last = time.perf_counter()
            first = first or last
        elif isinstance(ev, Done):
            tokens = ev.tokens
    return (tokens - 1) / (last - first) if last > first else 0.0, tokens


def _api_decode(client: openai.OpenAI) -> tuple[float, int]:
    first = last = 0.0
    tokens = 0
    stream = client.chat.completions.create(model="hearth", messages=PROMPT, max_tokens=DECODE_TOKENS,  # type: ignore[arg-type]
                                            temperature=0.0, stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            first = first or last
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    return (tokens - 1) / (last - first) if last > first else 0.0, tokens


def decode(core: Core, client: openai.OpenAI, runs: int) -> dict:
    via_core, via_api, counts = [], [], set()
    for r in range(runs):
        pair = [("core", lambda: _core_decode(core)), ("api", lambda: _api_decode(client))]
        for name, fn in (pair if r % 2 == 0 else pair[::-1]):  # alternate who goes first
            tps, n = fn()
            (via_core if name == "core" else via_api).append(tps)
            counts.add(n)
    c, a = statistics.median(via_core), statistics.median(via_api)
    return {"core_tokens_per_s": round(c, 2), "api_tokens_per_s": round(a, 2), "decode_ratio": round(a / c, 3),
            "decode_tokens": sorted(counts), "decode_runs": runs}


def _core_once(core: Core) -> float:
    t = time.perf_counter()
    for _ev in core.complete(SHORT, max_tokens=1, temperature=0.0):
        pass
    return time.perf_counter() - t


def _api_once(client: openai.OpenAI) -> float:
    t = time.perf_counter()
    client.chat.completions.create(model="hearth", messages=SHORT, max_tokens=1, temperature=0.0)  # type: ignore[arg-type]
    return time.perf_counter() - t


def overhead(core: Core, client: openai.OpenAI, pairs: int) -> dict:
    for _ in range(3):  # warm both paths (connection pool, caches)
        _core_once(core)
        _api_once(client)
    diffs, core_ms, api_ms = [], [], []
    for r in range(pairs):
        if r % 2 == 0:
            c, a = _core_once(core), _api_once(client)
        else:
            a, c = _api_once(client), _core_once(core)
        core_ms.append(c * 1e3)
        api_ms.append(a * 1e3)
        diffs.append((a - c) * 1e3)
    q = statistics.quantiles(diffs, n=20)
    return {"overhead_ms_p50": round(statistics.median(diffs), 2), "overhead_ms_p95": round(q[18], 2),
            "core_request_ms_p50": round(statistics.median(core_ms), 2),
            "api_request_ms_p50": round(statistics.median(api_ms), 2), "overhead_pairs": pairs}


def main() -> None:
    runs = int(os.environ.get("BENCH_API_RUNS", "5"))
    pairs = int(os.environ.get("BENCH_API_PAIRS", "40"))
    settings = ModelSettings(n_ctx=2048, n_threads=1, n_gpu_layers=0, temperature=0.0, seed=1, max_tokens=DECODE_TOKENS)
    core = Core(Config(model=settings))
    info = core.load_model()
    server, _tokens = api_server(core, TOKEN, port=0)
    server.start()
    client = openai.OpenAI(base_url=server.url + "/v1", api_key=TOKEN, max_retries=0, timeout=300)
    try:
        result = {"bench": "api", "model": core.model_id, "backend": info.backend, "n_threads": settings.n_threads,
                  **decode(core, client, runs), **overhead(core, client, pairs)}
    finally:
        client.close()
        server.stop()
        core.close()
    out = Path(__file__).resolve().parent / "out" / "api.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
