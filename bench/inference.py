"""Benchmark: local inference through ``ModelHost`` against the raw ``llama_cpp.Llama`` library.

One run, one model, one prompt set, the same thread count on both sides:

1. decode speed: tokens/s of a long greedy answer through ModelHost (measured in the caller, so
   the pipe is included) vs a raw ``Llama.generate`` loop → ``decode_ratio`` (target ≥ 0.95);
2. time to first token of turn 8 of a conversation (~1,500 tokens of history) with the KV cache
   holding turns 1-7 vs a cold prefill of the same prompt → ``ttft_ratio`` (target ≤ 0.1); the
   raw library's own ratio (``create_chat_completion`` with its prefix reuse) is reported too;
3. memory: RSS of this process before the load vs after ``unload()`` →
   ``rss_delta_after_unload_mb`` (target within 50 MB) and ``children_after_unload`` (0);
4. cancel latency: ``cancel()`` → end of stream, mid-decode and mid-prefill (target ~100 ms).

The raw side runs in a helper process of its own (spawned, like the model process), so that its
llama.cpp never enters this process's RSS, and so both sides can be interleaved round by round:
a busy machine then slows both alike. Medians over the rounds are compared.

    python bench/inference.py [--model PATH] [--threads 1] [--rounds 5]

Writes bench/out/inference.json; the last stdout line is the same JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SYSTEM = "You are a helpful assistant. Answer in detail."
DECODE_PROMPT = [{"role": "user", "content": "Write a long story about a dragon who learns to bake bread."}]
TOPICS = ["the history of bread baking in Europe", "how sourdough starters work", "the chemistry of yeast",
          "why ovens need to be preheated", "the difference between whole wheat and white flour",
          "how to store bread so it stays fresh", "famous bakeries around the world", "gluten-free baking"]
N_CTX = 4096
MB = 1024 * 1024


def user_message(i: int) -> str:
    # ~80 tokens each, so seven turns with ~120-token answers make ~1,500 tokens of history
    return (f"Question {i + 1}. I am writing a small guide for friends who want to start baking at home, and "
            f"I would like a clear, practical explanation of {TOPICS[i]}. Please cover the main ideas, a "
            f"common mistake people make, and one tip I can try this weekend in my own kitchen.")


# ----- the raw library, in a helper process ----------------------------------------------------

def raw_helper(conn: Any, model_path: str, threads: int) -> None:
    """Serve benchmark tasks with a plain llama_cpp.Llama (no Hearth code on the hot path)."""
    import llama_cpp
    from llama_cpp import llama_chat_format

    llm = llama_cpp.Llama(model_path, n_ctx=N_CTX, n_threads=threads, n_threads_batch=threads, n_batch=512,
                          n_gpu_layers=0, verbose=False)
    template = llm.metadata["tokenizer.chat_template"]
    fmt = llama_chat_format.Jinja2ChatFormatter(template, eos_token=llm._model.token_get_text(llm.token_eos()),
                                                bos_token=llm._model.token_get_text(llm.token_bos()))
    vocab = llm._model.vocab
    conn.send("ready")
    while True:
        task = conn.recv()
        if task[0] == "quit":
            return
        if task[0] == "decode":  # the tightest raw loop: generate + detokenize
            messages, max_tokens = task[1], task[2]
            tokens = llm.tokenize(fmt(messages=messages).prompt.encode(), add_bos=False, special=True)
            n, t_first, t_last, cpu_first, cpu_last = 0, 0.0, 0.0, 0.0, 0.0
            for tok in llm.generate(tokens, temp=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0):
                if llama_cpp.llama_vocab_is_eog(vocab, tok):
                    break
                llm.detokenize([tok])
                n += 1
                t_last, cpu_last = time.perf_counter(), time.process_time()
                if n == 1:
                    t_first, cpu_first = t_last, cpu_last
                if n >= max_tokens:
                    break
            conn.send({"tokens": n, "tps": (n - 1) / (t_last - t_first) if n > 1 else 0.0,
                       "cpu_per_token": (cpu_last - cpu_first) / max(1, n - 1)})
        elif task[0] == "ttft":  # the library's own chat path and prefix reuse
            prime, prime_tokens, prompt, cold = task[1], task[2], task[3], task[4]
            if cold:
                llm.reset()
            else:
                for _ in llm.create_chat_completion(prime, temperature=0.0, max_tokens=prime_tokens, stream=True):
                    pass
            t0 = time.perf_counter()
            ttft = 0.0
            for chunk in llm.create_chat_completion(prompt, temperature=0.0, max_tokens=1, stream=True):
                if chunk["choices"][0]["delta"].get("content") and not ttft:
                    ttft = time.perf_counter() - t0
            conn.send({"ttft_s": ttft or time.perf_counter() - t0})


class RawSide:
    def __init__(self, model_path: Path, threads: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=raw_helper, args=(child, str(model_path), threads), daemon=True)
        self.proc.start()
        child.close()
        assert self.conn.recv() == "ready"

    def ask(self, *task: Any) -> dict:
        self.conn.send(task)
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(("quit",))
        self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


# ----- the run -----------------------------------------------------------------------------------

def children() -> list[Any]:
    import psutil

    out = []
    for c in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" in " ".join(c.cmdline()) or c.status() == psutil.STATUS_ZOMBIE:
                continue  # multiprocessing's own helper, not a model process
        except psutil.NoSuchProcess:
            continue
        out.append(c)
    return out


def host_ttft(host: Any, prime: list[dict], prime_tokens: int, prompt: list[dict], cold: bool) -> tuple[float, int]:
    if cold:  # an unrelated conversation first: only the template's opening tokens stay shared
        "".join(host.stream_chat([{"role": "user", "content": "Hello!"}], max_tokens=1))
    else:  # replay turn 7 exactly as it happened (greedy), leaving turns 1-7 in the KV cache
        "".join(host.stream_chat(prime, max_tokens=prime_tokens, temperature=0.0))
    "".join(host.stream_chat(prompt, max_tokens=1, temperature=0.0))
    return host.last_stats.ttft_s, host.last_stats.prompt_eval_tokens


def cancel_latency(host: Any, prompt: list[dict], after_pieces: int = 0, after_s: float = 0.0) -> float:
    """Seconds from cancel() to the end of the stream (called from the consuming thread or a timer)."""
    import threading

    stamp: list[float] = []

    def fire() -> None:
        stamp.append(time.perf_counter())
        host.cancel()

    timer = threading.Timer(after_s, fire) if after_s else None
    stream = host.stream_chat(prompt, max_tokens=400, temperature=0.0)
    if timer:
        timer.start()
    for i, _ in enumerate(stream, 1):
        if not timer and i == after_pieces:
            fire()
    end = time.perf_counter()
    if timer:
        timer.join()
    return end - stamp[0] if stamp and host.last_stats.cancelled else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="GGUF file (default: the starter SmolLM2)")
    parser.add_argument("--threads", type=int, default=1,
                        help="llama.cpp threads on both sides (1 keeps a shared machine from stalling OpenMP)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--decode-tokens", type=int, default=256)
    parser.add_argument("--only-decode", action="store_true", help="quick check of part 1 only")
    args = parser.parse_args()

    import psutil

    from engine.config import ModelSettings
    from engine.fsutil import atomic_write_text
    from engine.inference import ModelHost
    from engine.models.registry import InstalledModel
    from engine.net import enforce_offline_defaults
    from engine.starter import starter_model_path

    enforce_offline_defaults()
    model_path = args.model or starter_model_path()
    me = psutil.Process()
    rss_before = me.memory_info().rss

    host = ModelHost(InstalledModel("bench", model_path, "bench"),
                     ModelSettings(n_ctx=N_CTX, n_threads=args.threads, n_gpu_layers=0, temperature=0.0, seed=1))
    info = host.load()
    raw = RawSide(model_path, args.threads)

    # Warm both up once.
    "".join(host.stream_chat(DECODE_PROMPT, max_tokens=16))
    raw.ask("decode", DECODE_PROMPT, 16)

    # 1. decode speed, interleaved rounds
    host_tps, child_tps, raw_tps, decode_tokens, paired = [], [], [], [], []
    host_cpu, raw_cpu = [], []  # CPU seconds per token: robust to other load on the machine
    for i in range(args.rounds):
        # alternate who goes first, so a load spike does not always hit the same side
        sides = ["host", "raw"] if i % 2 == 0 else ["raw", "host"]
        for side in sides:
            if side == "host":
                cpu_parent = time.process_time()
                "".join(host.stream_chat(DECODE_PROMPT, max_tokens=args.decode_tokens))
                cpu_parent = time.process_time() - cpu_parent  # includes the prefill wait: an overestimate
                st = host.last_stats
                host_cpu.append((st.child_decode_cpu_s + cpu_parent) / max(1, st.tokens - 1))
                host_tps.append(host.last_stats.tokens_per_s)
                child_tps.append(host.last_stats.child_tokens_per_s)
                decode_tokens.append(host.last_stats.tokens)
            else:
                r = raw.ask("decode", DECODE_PROMPT, args.decode_tokens)
                raw_tps.append(r["tps"])
                raw_cpu.append(r["cpu_per_token"])
        paired.append(host_tps[-1] / raw_tps[-1])
    if args.only_decode:
        print(json.dumps({"decode_ratio": round(statistics.median(paired), 4), "host": host_tps, "child": child_tps,
                          "raw": raw_tps, "cpu_ratio": statistics.median(raw_cpu) / statistics.median(host_cpu),
                          "host_cpu": host_cpu, "raw_cpu": raw_cpu}))
        raw.close()
        host.unload()
        return 0

    # 2. build a 7-turn conversation (answers generated greedily by the model itself)
    conv: list[dict] = [{"role": "system", "content": SYSTEM}]
    last_answer_tokens = 0
    for i in range(7):
        conv.append({"role": "user", "content": user_message(i)})
        answer = "".join(host.stream_chat(conv, max_tokens=120, temperature=0.0))
        last_answer_tokens = host.last_stats.tokens
        conv.append({"role": "assistant", "content": answer})
    prime = conv[:-1]  # turn 7's prompt; replaying it regenerates the same answer into the cache
    turn8 = conv + [{"role": "user", "content": user_message(7)}]
    history_tokens = host.count_tokens(conv)
    turn8_tokens = host.count_tokens(turn8)

    warm, cold, warm_eval, raw_warm, raw_cold = [], [], [], [], []
    for _ in range(args.rounds):
        t, n = host_ttft(host, prime, last_answer_tokens, turn8, cold=False)
        warm.append(t)
        warm_eval.append(n)
        cold.append(host_ttft(host, prime, last_answer_tokens, turn8, cold=True)[0])
        raw_warm.append(raw.ask("ttft", prime, last_answer_tokens, turn8, False)["ttft_s"])
        raw_cold.append(raw.ask("ttft", prime, last_answer_tokens, turn8, True)["ttft_s"])

    # 4. cancel latency: cancel() → the stream has ended, during decoding and during a cold prefill
    cancel_decode, cancel_prefill = [], []
    for _ in range(args.rounds):
        cancel_decode.append(cancel_latency(host, DECODE_PROMPT, after_pieces=5))
        "".join(host.stream_chat([{"role": "user", "content": "Hello!"}], max_tokens=1))  # evict turn 8
        cancel_prefill.append(cancel_latency(host, turn8, after_s=0.05))

    # 3. memory after unload (measured last, after both processes are gone)
    raw.close()
    host.unload()
    time.sleep(0.5)  # let the allocator settle; RSS is read once
    rss_after = me.memory_info().rss
    left = children()

    med = statistics.median
    result = {
        "decode_ratio": round(med(paired), 4),  # median of adjacent host/raw pairs
        "ttft_ratio": round(med(warm) / med(cold), 4),
        "rss_delta_after_unload_mb": round((rss_after - rss_before) / MB, 2),
        "children_after_unload": len(left),
        "decode_tps_host": round(med(host_tps), 2),
        "decode_tps_raw": round(med(raw_tps), 2),
        "decode_tps_in_model_process": round(med(child_tps), 2),  # host side without the pipe
        "decode_ratio_of_medians": round(med(host_tps) / med(raw_tps), 4),
        # raw CPU-seconds per token / host CPU-seconds per token (model process + caller): the
        # engine's real overhead, insensitive to other programs competing for the cores
        "decode_ratio_cpu": round(med(raw_cpu) / med(host_cpu), 4),
        "decode_tokens": int(med(decode_tokens)),
        "ttft_warm_s": round(med(warm), 4),
        "ttft_cold_s": round(med(cold), 4),
        "turn8_prompt_eval_tokens_warm": int(med(warm_eval)),
        "history_tokens": history_tokens,
        "turn8_prompt_tokens": turn8_tokens,
        "raw_ttft_ratio": round(med(raw_warm) / med(raw_cold), 4),
        "raw_ttft_warm_s": round(med(raw_warm), 4),
        "raw_ttft_cold_s": round(med(raw_cold), 4),
        "cancel_latency_decode_ms": round(1000 * med(cancel_decode), 1),
        "cancel_latency_prefill_ms": round(1000 * med(cancel_prefill), 1),
        "rss_before_mb": round(rss_before / MB, 1),
        "rss_after_unload_mb": round(rss_after / MB, 1),
        "backend": info.backend,
        "threads": args.threads,
        "rounds": args.rounds,
        "model": Path(model_path).name,
        "targets": {"decode_ratio": ">= 0.95", "ttft_ratio": "<= 0.1", "rss_delta_after_unload_mb": "<= 50",
                    "children_after_unload": "== 0", "cancel_latency_*_ms": "<= ~100"},
    }
    out = ROOT / "bench" / "out" / "inference.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
