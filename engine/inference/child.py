"""The model process: one ``llama_cpp.Llama``, answering requests that arrive over a pipe.

Runs only inside the child started by :class:`engine.inference.host.ModelHost` (multiprocessing
*spawn* context), so ``llama_cpp`` is imported here and never in the caller. Messages are small
tuples (see ``host.py`` for the protocol). Generation checks a shared cancel flag between
tokens; while a (possibly long) prompt is evaluated, llama.cpp's abort callback checks the same
flag between graph nodes, so a cancel lands within milliseconds even mid-prefill. The callback
is installed only for the prefill: per-token decoding is short, and a Python callback per graph
node would slow it measurably.

A chat template is code from the model file. Rendering it runs under a time limit
(``spec["render_timeout_s"]``, a ``SIGALRM`` timer where the platform has one): a template with
huge loops ends with a ``TemplateTimeout`` error instead of wedging the process. The parent keeps
its own, longer deadline and kills the process if even that passes (no timer on Windows).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import signal
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Iterator

# A plain ChatML template, used only when the GGUF carries none and no override was given.
FALLBACK_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
RENDER_TIMEOUT_S = 10.0  # formatting one conversation takes milliseconds; a template never needs this long
FLUSH_S = 0.02  # batch text pieces sent after the first for this long (50 updates/s is smooth)
GPU_BACKENDS = ("CUDA", "ROCm", "HIP", "Metal", "Vulkan", "SYCL", "OpenCL", "CANN", "MUSA", "Kompute")


def detect_backend(system_info: str, gpu_offload: bool, n_gpu_layers: int) -> str:
    """Name the compute backend from llama.cpp's system-info line ("CPU : AVX2 = 1 | …")."""
    if gpu_offload and n_gpu_layers != 0:
        for name in GPU_BACKENDS:
            if f"{name} :" in system_info or f"{name}:" in system_info:
                return name
        return "GPU"
    return "CPU"


def effective_gpu_layers(requested: int | str, path: str, n_ctx: int, notes: list[str]) -> int:
    """GPU layers to load with: 0 on a CPU-only build; ``"auto"`` asks the model manager's estimate.

    Resolved here, in the model process, because estimating may probe the GPU through llama.cpp,
    which the calling process must never import.
    """
    import llama_cpp

    if not llama_cpp.llama_supports_gpu_offload():
        return 0
    if requested != "auto":
        return int(requested)
    try:
        from engine.models.fit import auto_gpu_layers  # owned by the model manager
    except ImportError:
        return -1
    try:
        return int(auto_gpu_layers(Path(path), n_ctx))
    except Exception as exc:  # noqa: BLE001 - an estimate failing must not block loading
        notes.append(f"Could not estimate how many layers fit the GPU ({exc}); offloading all of them.")
        return -1


class TemplateInvalid(ValueError):
    """The chat template does not compile: not a memory problem, so loading is not retried."""


class TemplateTimeout(Exception):
    """Rendering the chat template ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> "Iterator[None]":
    """Raise :class:`TemplateTimeout` in this (main) thread after ``seconds``; no-op where the
    platform has no interval timer (the parent's deadline covers that case)."""
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expired(_signum: int, _frame: Any) -> None:
        raise TemplateTimeout(f"formatting the conversation with the chat template took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Worker:
    """Owns the Llama object and its chat formatter; one request at a time."""

    def __init__(self, spec: dict[str, Any], layers: int) -> None:
        import llama_cpp
        from llama_cpp import llama_chat_format

        self._lc = llama_cpp
        self._abort_cb: Any = None  # kept referenced: llama.cpp holds only a raw pointer
        self.llm = llama_cpp.Llama(
            model_path=str(spec["model_path"]),
            n_ctx=spec["n_ctx"],
            n_threads=spec["n_threads"],
            n_threads_batch=spec["n_threads"],
            n_batch=spec["n_batch"],
            n_gpu_layers=layers,
            seed=self._seed(spec["seed"]),
            verbose=False,
        )
        meta = self.llm.metadata
        template, source = spec.get("chat_template"), spec.get("chat_template_source", "settings")
        if not template:
            template, source = meta.get("tokenizer.chat_template"), "gguf"
        if not template:
            template, source = FALLBACK_TEMPLATE, "fallback"
        model = self.llm._model
        eos, bos = self.llm.token_eos(), self.llm.token_bos()
        try:
            self.formatter = llama_chat_format.Jinja2ChatFormatter(
                template=template,
                eos_token=model.token_get_text(eos) if eos != -1 else "",
                bos_token=model.token_get_text(bos) if bos != -1 else "",
            )
        except Exception as exc:  # jinja2.TemplateSyntaxError and friends
            raise TemplateInvalid(f"the chat template (from {source}) is not valid: {exc}") from exc
        self.template_source = source
        self.render_timeout_s = float(spec.get("render_timeout_s") or RENDER_TIMEOUT_S)
        self.vocab = model.vocab
        n_layer = llama_cpp.llama_model_n_layer(model.model)
        offload = bool(llama_cpp.llama_supports_gpu_offload())
        gpu_layers = 0 if not offload else (n_layer + 1 if layers < 0 else min(layers, n_layer + 1))
        self.info = {
            "backend": detect_backend(llama_cpp.llama_print_system_info().decode("utf-8", "replace"),
                                      offload, gpu_layers),
            "n_ctx": self.llm.n_ctx(),
            "n_gpu_layers": gpu_layers,
            "n_threads": spec["n_threads"],
            "chat_template_source": source,
            "pid": os.getpid(),
        }

    def _seed(self, seed: int | None) -> int:
        return self._lc.LLAMA_DEFAULT_SEED if seed is None or seed < 0 else int(seed)

    def tokens_for(self, messages: list[dict]) -> list[int]:
        # Whole-prompt rendering and tokenising, exactly as llama-cpp-python's own chat handler
        # does (special=True, no extra BOS): earlier turns render identically turn after turn, so
        # the tokens of a follow-up prompt start with the tokens already in the KV cache.
        with time_limit(self.render_timeout_s):
            prompt = self.formatter(messages=messages).prompt
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def prefill(self, tokens: list[int], cancel: Any) -> int | None:
        """Evaluate the part of ``tokens`` not already in the KV cache; return how many were evaluated.

        Same prefix rule as ``Llama.generate`` (keep the longest common prefix, re-evaluate at least
        one token so fresh logits exist), but abortable by ``cancel``. Afterwards
        ``generate(tokens)`` finds the whole prompt cached and samples at once. None = cancelled.
        """
        llm, lc = self.llm, self._lc
        keep = llm.longest_token_prefix(llm._input_ids.tolist(), tokens) if llm.n_tokens else 0
        keep = min(keep, len(tokens) - 1)
        if keep > 0 and llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            llm.n_tokens = keep
        else:
            llm.reset()
            keep = 0
        if self._abort_cb is None:
            self._abort_cb = lc.ggml_abort_callback(lambda _data: cancel.is_set())
        lc.llama_set_abort_callback(llm.ctx, self._abort_cb, None)
        try:
            llm.eval(tokens[keep:])
        except RuntimeError:  # "llama_decode returned 2": aborted by the callback
            if not cancel.is_set():
                raise
            llm.reset()  # a partial prompt in the cache would confuse the next prefix match
            return None
        finally:
            lc.llama_set_abort_callback(llm.ctx, lc.ggml_abort_callback(), None)  # NULL: no per-node checks
        if cancel.is_set():
            return None  # cancelled just as the prompt finished: the cache is valid, keep it
        return len(tokens) - keep

    def chat(self, conn: Any, cancel: Any, messages: list[dict], params: dict[str, Any]) -> None:
        llm, lc = self.llm, self._lc
        tokens = self.tokens_for(messages)
        if not tokens:
            conn.send(("error", "ValueError", "the chat template produced an empty prompt"))
            return
        conn.send(("prompt", len(tokens)))  # formatted in time: from here on the parent waits for tokens
        n_ctx = llm.n_ctx()
        if len(tokens) >= n_ctx:
            conn.send(("error", "overflow", f"The conversation is {len(tokens)} tokens long; the model's "
                                            f"context window holds {n_ctx}."))
            return
        stats = {"prompt_tokens": len(tokens), "prompt_eval_tokens": 0, "tokens": 0,
                 "finish_reason": "cancelled", "cancelled": True}
        evaluated = self.prefill(tokens, cancel)
        if evaluated is None:
            conn.send(("done", stats))
            return
        stats["prompt_eval_tokens"] = evaluated
        llm.set_seed(self._seed(params.get("seed")))
        max_tokens = int(params["max_tokens"])
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        finish = "length"
        gen = llm.generate(tokens, temp=float(params["temperature"]), top_p=float(params["top_p"]),
                           top_k=int(params.get("top_k", 40)), min_p=float(params.get("min_p", 0.05)),
                           repeat_penalty=float(params.get("repeat_penalty", 1.0)))
        n, t_first, t_last, cpu_first, cpu_last = 0, 0.0, 0.0, 0.0, 0.0
        pending, t_sent = "", 0.0
        try:
            for tok in gen:
                if lc.llama_vocab_is_eog(self.vocab, tok):
                    finish = "stop"
                    break
                n += 1
                t_last, cpu_last = time.perf_counter(), time.process_time()
                if n == 1:
                    t_first, cpu_first = t_last, cpu_last
                pending += decoder.decode(llm.detokenize([tok]))
                # The first piece goes out at once (time to first token); later ones at most every
                # FLUSH_S. Each send wakes the caller, and on a busy machine a woken caller can
                # push this process to the back of the run queue: fewer wake-ups, steadier decoding.
                if pending and (t_sent == 0.0 or t_last - t_sent >= FLUSH_S):
                    conn.send(("piece", pending))
                    pending, t_sent = "", t_last
                if cancel.is_set():
                    finish = "cancelled"
                    break
                if n >= max_tokens:
                    break
                if llm.n_tokens >= n_ctx:  # the next token would not fit the window
                    finish = "context"
                    break
        finally:
            gen.close()
        tail = pending + decoder.decode(b"", final=True)
        if tail:
            conn.send(("piece", tail))
        stats.update(tokens=n, finish_reason=finish, cancelled=finish == "cancelled",
                     child_tokens_per_s=(n - 1) / (t_last - t_first) if n > 1 and t_last > t_first else 0.0,
                     child_decode_cpu_s=cpu_last - cpu_first)
        conn.send(("done", stats))


def child_main(conn: Any, cancel: Any, spec: dict[str, Any]) -> None:
    """Entry point of the model process: load, report, then serve until told to quit."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    # The parent cancels answers; a terminal's Ctrl-C (sent to the whole process group) must not
    # kill the model mid-answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    layers, notes = 0, []
    try:
        _install_log_capture()
        layers = effective_gpu_layers(spec["n_gpu_layers"], spec["model_path"], spec["n_ctx"], notes)
        conn.send(("loading", layers))  # so the parent knows what was tried even if we die now
        worker = _Worker(spec, layers)
    except TemplateInvalid as exc:
        conn.send(("error", "load", str(exc), [], 0))
        return
    except Exception as exc:  # noqa: BLE001 - every load failure goes back to the parent as text
        conn.send(("error", "load", str(exc), list(_LOG_LINES), layers))
        return
    info = dict(worker.info, load_s=time.perf_counter() - t0, notes=notes)
    conn.send(("ready", info))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent went away
        kind = request[0]
        try:
            if kind == "chat":
                worker.chat(conn, cancel, request[1], request[2])
            elif kind == "count":
                conn.send(("count", len(worker.tokens_for(request[1]))))
            elif kind == "quit":
                worker.llm.close()
                conn.send(("bye",))
                return
            else:
                conn.send(("error", "protocol", f"unknown request {kind!r}"))
        except (BrokenPipeError, EOFError):
            return
        except Exception as exc:  # noqa: BLE001 - a bad request must not kill the model process
            conn.send(("error", type(exc).__name__, str(exc)))


_LOG_LINES: deque[str] = deque(maxlen=8)  # llama.cpp's last warning/error lines
_LOG_CALLBACK: Any = None


def _install_log_capture() -> None:
    """Keep llama.cpp's last warning/error lines (instead of printing them) so a failed load can say why."""
    global _LOG_CALLBACK
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def capture(level: int, text: bytes, _user: ctypes.c_void_p) -> None:
        if level in (3, 4) and text:  # ggml: 3 = WARN, 4 = ERROR
            line = text.decode("utf-8", "replace").strip()
            if line:
                _LOG_LINES.append(line)

    _LOG_CALLBACK = capture  # keep a reference: C holds only a raw pointer
    llama_cpp.llama_log_set(capture, ctypes.c_void_p(0))
