"""``ModelHost``: one local GGUF model, running in a child process of its own.

Why a child process: an abort, segfault or out-of-memory kill inside llama.cpp ends only that
process. The caller gets :class:`ModelCrashed` and the next request starts a fresh child;
``unload()`` ends the process, so all of the model's memory goes back to the system. The parent
never imports ``llama_cpp`` (the child is started with the *spawn* context and imports it).

Why our own pipe protocol and not ``llama_cpp.server``: the server would open a TCP port; even
bound to loopback that is a listening socket other local programs can reach, and we want nothing
listening at all. A pipe also costs less per token than HTTP + server-sent events, and it lets
the child own the KV cache directly: follow-up turns reuse the longest common token prefix,
and a cancel is a shared event the child checks between tokens (no connection teardown).

Protocol (small picklable tuples over one duplex ``multiprocessing`` pipe, one request at a time):

    parent → child: ("chat", messages, params) | ("count", messages) | ("quit",)
    child → parent: ("ready", info) | ("piece", text)* ("done", stats) | ("count", n)
                    | ("error", kind, message, ...) | ("bye",)
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Iterator

from engine.config import ModelSettings
from engine.errors import ContextOverflow, ModelCrashed, ModelError, ModelLoadError
from engine.inference.cancel_flag import CancelFlag
from engine.inference.child import RENDER_TIMEOUT_S, child_main
from engine.inference.fitting import fit_conversation
from engine.inference.types import FitResult, GenerationStats, LoadInfo
from engine.models.registry import InstalledModel

log = logging.getLogger(__name__)

OVERRIDES = {"temperature", "top_p", "max_tokens", "seed", "top_k", "min_p", "repeat_penalty"}
CRASH_HINT = ("Send the message again to restart the model. If it keeps happening, choose a smaller "
              "model or lower the context size (n_ctx) in Settings.")
TEMPLATE_HINT = ("The model's chat template is broken or hostile: set a chat template override in Settings, "
                 "or choose another model.")
REPLY_MARGIN_S = 20.0  # beyond the child's own render limit: tokenising, a busy machine, the pipe
_SIGNALS = {9: "it was killed (SIGKILL), often because the system ran out of memory",
            11: "it crashed (segmentation fault)", 6: "it aborted (SIGABRT)", 15: "it was terminated"}


def fallback_after(failed_layers: int | str) -> list[int]:
    """GPU layer counts to retry with after a load with ``failed_layers`` failed: half, then CPU."""
    if failed_layers == "auto" or int(failed_layers) < 0:
        return [0]  # "all layers" of unknown count: straight to CPU
    n = int(failed_layers)
    return [n // 2, 0] if n > 1 else ([0] if n == 1 else [])


def check_gguf_file(path: Path) -> None:
    """Cheap checks before spawning anything: the file exists and starts like a GGUF."""
    if not path.exists():
        raise ModelLoadError(f"The model file {path} does not exist.",
                             "It may have been moved or deleted. Install the model again "
                             "(hearth models pull …) or pick another one.")
    if not path.is_file():
        raise ModelLoadError(f"{path} is not a file.", "Choose the .gguf file itself, not its folder.")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelLoadError(f"The model file {path} cannot be read: {exc.strerror or exc}.",
                             "Check the file's permissions.") from exc
    if magic != b"GGUF":
        raise ModelLoadError(f"{path} is not a GGUF model file (it does not start with the GGUF signature).",
                             "Download the model again, or import a .gguf file.")


def _load_reason(message: str, log_lines: list[str]) -> str:
    """The specific lines llama.cpp logged about a failed load (minus the generic ones), else the exception."""
    specific = []
    for line in log_lines:
        text = line.split(": ", 1)[1] if ": " in line and " " not in line.split(": ", 1)[0] else line
        low = text.lower()
        if "failed to load model" in low or "error loading model" in low and "failed to load" in low:
            continue
        if text not in specific:
            specific.append(text.removeprefix("error loading model: "))
    return "; ".join(specific[-3:]) if specific else message


def _kill(proc: Any) -> None:
    """Last-resort cleanup for a host that is garbage-collected with its child still running."""
    if proc.is_alive():
        proc.kill()
        proc.join(5)


class ModelHost:
    """One loaded model in one child process. See the module docstring for the why.

    Thread-safety: one request runs at a time (an internal lock); :meth:`cancel` may be called
    from any thread at any moment. ``load``, ``count_tokens`` and ``fit_messages`` block: call
    them from a worker thread, never a UI thread.
    """

    def __init__(self, model: InstalledModel, settings: ModelSettings, *,
                 load_timeout_s: float = 300.0, render_timeout_s: float = RENDER_TIMEOUT_S) -> None:
        self.model = model
        self.settings = settings
        self.load_timeout_s = load_timeout_s
        # The chat template comes from the model file: formatting with it is time-bound in the
        # child, and the parent gives up on the child (and replaces it) a margin later.
        self.render_timeout_s = render_timeout_s
        self.reply_deadline_s = render_timeout_s + REPLY_MARGIN_S
        self._mp = multiprocessing.get_context("spawn")
        self._cancel = CancelFlag(self._mp)  # not an mp.Event: a killed child could leave its lock held
        self._lock = threading.Lock()
        self._owner: int | None = None  # thread holding the lock (to refuse re-entrant use)
        self._proc: Any = None
        self._conn: Any = None
        self._finalizer: Any = None
        self._info: LoadInfo | None = None
        self._last_stats: GenerationStats | None = None
        self._pending_notes: list[str] = []

    # ----- public state -------------------------------------------------------------------
    @property
    def info(self) -> LoadInfo | None:
        """How the model is (or was last) loaded; None before the first load."""
        return self._info

    @property
    def last_stats(self) -> GenerationStats | None:
        return self._last_stats

    @property
    def loaded(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        """Process id of the model process (None when not loaded)."""
        return self._proc.pid if self._proc is not None else None

    # ----- lifecycle ----------------------------------------------------------------------
    def load(self) -> LoadInfo:
        """Start the model process and load the GGUF (no-op if already loaded). Blocking."""
        with self._locked():
            return self._ensure_loaded()

    def unload(self) -> None:
        """End the model process (a running stream is cancelled first). Safe to call twice."""
        self._cancel.set()
        with self._locked():
            self._stop_child()

    def cancel(self) -> None:
        """Stop the running stream soon (the child checks between tokens); thread-safe."""
        self._cancel.set()

    def __enter__(self) -> "ModelHost":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unload()

    # ----- requests -----------------------------------------------------------------------
    def stream_chat(self, messages: list[dict], **overrides: Any) -> Iterator[str]:
        """Yield the answer's text pieces as they are generated.

        ``overrides``: temperature, top_p, max_tokens, seed (also top_k, min_p, repeat_penalty).
        A cancel ends the stream normally; ``last_stats.cancelled`` is then True.
        """
        unknown = set(overrides) - OVERRIDES
        if unknown:
            raise TypeError(f"unknown generation settings: {', '.join(sorted(unknown))}")
        s = self.settings
        params = {"temperature": s.temperature, "top_p": s.top_p, "max_tokens": s.max_tokens, "seed": s.seed}
        params.update(overrides)
        if int(params["max_tokens"]) < 1:
            raise ValueError("max_tokens must be at least 1")
        msgs = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
        return self._stream(msgs, params)

    def count_tokens(self, messages: list[dict]) -> int:
        """Tokens in the fully formatted prompt (chat template included) for these messages."""
        msgs = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
        with self._locked():
            self._ensure_loaded()
            self._send(("count", msgs))
            reply = self._recv_formatted()
            if reply[0] != "count":
                raise self._child_error(reply)
            return int(reply[1])

    def fit_messages(self, system: str | None, history: list[dict], new: str | dict, *,
                     max_tokens: int | None = None) -> FitResult:
        """Fit system + history + new into n_ctx; see :mod:`engine.inference.fitting` for the policy."""
        info = self.load()
        return fit_conversation(system, history, new, count_tokens=self.count_tokens, n_ctx=info.n_ctx,
                                max_tokens=max_tokens or self.settings.max_tokens)

    # ----- internals ----------------------------------------------------------------------
    def _locked(self) -> "_HostLock":
        return _HostLock(self)

    def _stream(self, messages: list[dict], params: dict[str, Any]) -> Iterator[str]:
        with self._locked():
            self._ensure_loaded()
            self._cancel.clear()
            t_send = time.perf_counter()
            t_first: float | None = None
            self._send(("chat", messages, params))
            finished = False
            try:
                msg = self._recv_formatted()  # ("prompt", n): formatted in time; the rest may take long
                if msg[0] != "prompt":
                    finished = True
                    raise self._child_error(msg)
                while True:
                    msg = self._recv()
                    if msg[0] == "piece":
                        if t_first is None:
                            t_first = time.perf_counter()
                        yield msg[1]
                    elif msg[0] == "done":
                        finished = True
                        self._last_stats = self._stats(msg[1], t_send, t_first, time.perf_counter())
                        return
                    else:
                        finished = True
                        raise self._child_error(msg)
            finally:
                if not finished and self._proc is not None:
                    self._abandon_stream()

    def _recv_formatted(self) -> tuple:
        """The child's first reply to a request: it comes once the template is rendered, so it
        is due within the render limit. A child that misses the deadline by far is stuck (no
        timer on this platform, or stuck in native code): it is replaced, never waited on."""
        try:
            return self._recv(timeout=self.reply_deadline_s)
        except _NoReply:
            log.error("model process gave no answer within %.0f s of a request; ending it", self.reply_deadline_s)
            self._kill_child()
            raise ModelError(f"Formatting the conversation for the model took longer than "
                             f"{self.reply_deadline_s:.0f} s, so the model process was stopped; the next request starts a fresh one.",
                             TEMPLATE_HINT) from None

    def _stats(self, raw: dict, t_send: float, t_first: float | None, t_done: float) -> GenerationStats:
        n = int(raw["tokens"])
        tps = (n - 1) / (t_done - t_first) if t_first is not None and n > 1 and t_done > t_first else 0.0
        if t_first is None:  # an abandoned stream has no caller-side timings: use the child's own
            tps = float(raw.get("child_tokens_per_s", 0.0))
        return GenerationStats(tokens=n, prompt_tokens=int(raw["prompt_tokens"]),
                               prompt_eval_tokens=int(raw["prompt_eval_tokens"]),
                               ttft_s=(t_first - t_send) if t_first is not None else 0.0,
                               tokens_per_s=tps, cancelled=bool(raw["cancelled"]),
                               finish_reason=str(raw["finish_reason"]),
                               child_tokens_per_s=float(raw.get("child_tokens_per_s", 0.0)),
                               child_decode_cpu_s=float(raw.get("child_decode_cpu_s", 0.0)))

    def _abandon_stream(self) -> None:
        """The consumer stopped reading mid-stream: cancel, and drain so the pipe stays in step."""
        self._cancel.set()
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                msg = self._recv(timeout=deadline - time.monotonic())
                if msg[0] in ("done", "error"):
                    if msg[0] == "done":
                        self._last_stats = self._stats(msg[1], 0.0, None, 0.0)
                    return
        except ModelCrashed:
            return  # the child died meanwhile; already reset
        except ModelError:
            pass  # it stopped answering
        log.warning("model process did not stop after cancel; ending it")
        self._stop_child()  # out of step with the pipe: the next request starts a fresh one

    def _ensure_loaded(self) -> LoadInfo:
        if self._proc is not None:
            if self._proc.is_alive():
                assert self._info is not None
                return self._info
            self._crashed()  # died between requests: say so once; the next call restarts
        return self._start()

    def _spec(self, layers: int | str, threads: int) -> dict[str, Any]:
        s = self.settings
        template, source = None, "gguf"
        if s.chat_template:
            template, source = s.chat_template, "settings"
        elif self.model.chat_template:
            template, source = self.model.chat_template, "model"
        return {"model_path": str(self.model.path), "n_ctx": s.n_ctx, "n_threads": threads,
                "n_batch": s.n_batch, "n_gpu_layers": layers, "seed": s.seed,
                "chat_template": template, "chat_template_source": source,
                "render_timeout_s": self.render_timeout_s}

    def _start(self) -> LoadInfo:
        path = Path(self.model.path)
        check_gguf_file(path)
        notes = self._pending_notes
        self._pending_notes = []
        threads = self.settings.n_threads or _physical_cores()
        layers: int | str = self.settings.n_gpu_layers
        retries: list[int] | None = None
        t0 = time.perf_counter()
        while True:
            try:
                info = self._spawn(self._spec(layers, threads))
                break
            except _LoadFailed as failure:
                if retries is None:  # "as planned, then half, then CPU" (see DESIGN: auto layers)
                    retries = fallback_after(failure.gpu_layers)
                if failure.gpu_layers == 0 or not retries:
                    raise ModelLoadError(
                        f"Could not load the model file {path}: {failure.reason}.",
                        "The file may be incomplete or damaged: download it again, or choose another "
                        "model. If the computer is short of memory, lower the context size (n_ctx).",
                    ) from None
                layers = retries.pop(0)
                shown = "all" if failure.gpu_layers in (-1, "auto") else failure.gpu_layers
                notes.append(f"Loading with {shown} GPU layers failed ({failure.reason}); "
                             f"retried with {layers or 'no'} GPU layers.")
                log.warning(notes[-1])
        notes.extend(info.get("notes", []))
        self._info = LoadInfo(backend=info["backend"], n_ctx=info["n_ctx"], n_gpu_layers=info["n_gpu_layers"],
                              load_s=time.perf_counter() - t0, model_path=path, n_threads=info["n_threads"],
                              chat_template_source=info["chat_template_source"], notes=notes)
        log.info("model %s loaded: backend=%s n_ctx=%d gpu_layers=%d in %.1fs", self.model.id,
                 self._info.backend, self._info.n_ctx, self._info.n_gpu_layers, self._info.load_s)
        return self._info

    def _spawn(self, spec: dict[str, Any]) -> dict[str, Any]:
        parent_conn, child_conn = self._mp.Pipe(duplex=True)
        proc = self._mp.Process(target=child_main, args=(child_conn, self._cancel, spec),
                                name=f"hearth-model-{self.model.id}", daemon=True)
        proc.start()
        child_conn.close()  # so the parent sees EOF as soon as the child dies
        self._proc, self._conn = proc, parent_conn
        self._finalizer = weakref.finalize(self, _kill, proc)
        layers = spec["n_gpu_layers"]  # until the child says what it resolved them to
        deadline = time.monotonic() + self.load_timeout_s
        try:
            while True:
                msg = self._recv(timeout=max(0.0, deadline - time.monotonic()), during_load=True)
                if msg[0] != "loading":
                    break
                layers = msg[1]
        except _LoadFailed as failure:
            self._stop_child()
            if not failure.timed_out:  # a hang is not a memory problem: no retry with fewer layers
                failure.gpu_layers = layers
            raise
        if msg[0] == "ready":
            return msg[1]
        self._stop_child()
        if msg[0] == "error" and msg[1] == "load":
            raise _LoadFailed(_load_reason(msg[2], msg[3]), msg[4])
        raise _LoadFailed(f"unexpected reply {msg[0]!r} from the model process", layers)

    def _send(self, msg: tuple) -> None:
        try:
            self._conn.send(msg)
        except (BrokenPipeError, EOFError, OSError):
            self._crashed()

    def _recv(self, timeout: float | None = None, during_load: bool = False) -> tuple:
        """Next message from the child; notices its death instead of waiting forever."""
        deadline = None if timeout is None else time.monotonic() + timeout
        conn, proc = self._conn, self._proc
        while True:
            try:
                if conn.poll(0.1):
                    return conn.recv()
            except (EOFError, OSError):
                pass  # the child is gone: fall through to the liveness check
            else:
                if proc.is_alive():
                    if deadline is not None and time.monotonic() > deadline:
                        if during_load:
                            raise _LoadFailed(f"loading took longer than {self.load_timeout_s:.0f} s", 0,
                                              timed_out=True)
                        raise _NoReply("The model process stopped responding.", CRASH_HINT)
                    continue
            proc.join(1)
            if during_load:
                raise _LoadFailed(f"the model process stopped while loading: {_describe_exit(proc.exitcode)}", 0)
            self._crashed()

    def _crashed(self) -> None:
        """Reset after the child died and raise ModelCrashed; the next call starts a new child."""
        proc = self._proc
        proc.join(1)
        code = proc.exitcode
        self._close_handles()
        how = _describe_exit(code)
        self._pending_notes.append(f"Restarted after the model process stopped unexpectedly ({how}).")
        log.error("model process for %s died: %s", self.model.id, how)
        raise ModelCrashed(f"The model process stopped unexpectedly: {how}.", CRASH_HINT)

    def _kill_child(self) -> None:
        """End a child that does not answer at once (no polite quit: it cannot read one)."""
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()
            proc.join(5)
        self._close_handles()

    def _stop_child(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.is_alive():
            try:
                self._conn.send(("quit",))
            except (BrokenPipeError, EOFError, OSError):
                pass
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
                proc.join(3)
            if proc.is_alive():
                proc.kill()
                proc.join(3)
        self._close_handles()

    def _close_handles(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            self._proc.join(0)
            try:
                self._proc.close()
            except ValueError:  # still running (should not happen after kill); leave it to the OS
                pass
        self._proc = self._conn = self._finalizer = None

    def _child_error(self, msg: tuple) -> Exception:
        kind, text = (msg[1], msg[2]) if len(msg) >= 3 else ("protocol", repr(msg))
        if kind == "overflow":
            return ContextOverflow(text, "Start a new chat, shorten the message, or raise n_ctx in Settings.")
        if kind == "TemplateTimeout":
            return ModelError(f"The model's chat template could not format this conversation: {text}.", TEMPLATE_HINT)
        if kind in ("TemplateSyntaxError", "UndefinedError", "TemplateError", "ValueError"):
            return ModelError(f"The model's chat template could not format this conversation: {text}",
                              "Check the chat template override in Settings, or remove it.")
        return ModelError(f"The model failed on this request: {text}")


class _HostLock:
    """The host's request lock, refusing re-entry from the thread that holds it (a deadlock)."""

    def __init__(self, host: ModelHost) -> None:
        self.host = host

    def __enter__(self) -> None:
        if self.host._owner == threading.get_ident():
            raise RuntimeError("ModelHost is busy with a stream on this thread; finish or close it first")
        self.host._lock.acquire()
        self.host._owner = threading.get_ident()

    def __exit__(self, *exc: object) -> None:
        self.host._owner = None
        self.host._lock.release()


class _NoReply(ModelError):
    """The child did not answer before a deadline (it is alive, but stuck or slow)."""


class _LoadFailed(Exception):
    def __init__(self, reason: str, gpu_layers: int | str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.gpu_layers = gpu_layers
        self.timed_out = timed_out


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it ended without an exit status"
    if code < 0:
        return _SIGNALS.get(-code, f"it was ended by signal {-code}")
    return f"it exited with code {code}"


def _physical_cores() -> int:
    """Default decode threads: physical cores minus one, at least one.

    llama.cpp's worker threads spin while they wait for each other. With one thread per core,
    any other busy thread (the UI, the embedder, another app) stalls a spinning barrier: on a
    loaded 2-core machine we measured 2.9 tok/s with 2 threads against ~52 tok/s with 1. Leaving
    one core free keeps a desktop app responsive and costs little on larger machines.
    """
    import psutil

    cores = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    return max(1, cores - 1)
