"""The app's handle on the engine: every engine call runs on a worker thread.

Threads (each a :class:`~desktop.tasks.Runner`, one job at a time):

* ``model``  — owns the ModelHost (its child process) and the Assistant; runs turns.
* ``store``  — conversation list operations on the shared ChatStore (it serialises with a lock).
* ``docs``   — calls into the document service (add, reindex, remove, listing), which itself
  runs in a child process (:mod:`desktop.docs_process`): torch and chromadb never load here.
* ``hub``    — model catalog, imports, deletes, keyring and audit reads (short jobs).
* ``download`` — one model download at a time (cancel keeps the partial file for resume).
* ``measure`` — the one-time speed calibration (normal priority: a deprioritised measurement
  of the starter model would underrate this computer).
* ``draft`` — the privacy router's head start on the message being typed (``Core.prepare_draft``:
  its embedding and spaCy parse). Normal priority: the router's scoring thread, started from here
  on the first draft, must not inherit a lowered priority that would slow every send after it.

Widgets reach the engine through ``services.core`` (:class:`engine.core.Core`: models, audit,
cloud keys and usage, the API token), always from a job on one of these threads. The core imports
its heavy parts on first use, so the window is on screen before torch, llama_cpp or chromadb
are loaded.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop.tasks import Job, Runner
from engine.config import Config
from engine.core import Core

log = logging.getLogger(__name__)


@dataclass
class ConfirmRequest:
    """Sent from the model thread in ``ask`` mode; the UI answers through ``answer``."""
    routed: Any                       # engine.events.Routed
    _event: threading.Event
    _box: dict
    cannot_send: str | None = None    # why the send could not authenticate (then no Send button)

    def answer(self, ok: bool) -> None:
        self._box["ok"] = ok
        self._event.set()


class EngineServices(QObject):
    model_state = Signal(str, object)   # ("loading"|"ready"|"error", LoadInfo | HearthError | None)
    store_ready = Signal(object)        # ChatStore | HearthError
    api_state = Signal(object)          # engine.core.ApiStatus of the local API server

    def __init__(self, config: Config, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The documents service the core uses is this app's child process (torch and chromadb
        # stay out of the UI process); the services own and close it.
        self.core = Core(config, documents=lambda _cfg: self.documents())
        self.model = Runner("model", self)
        self.store = Runner("store", self)
        # indexing, hub work and downloads yield the CPU to the UI and to the model
        self.docs_runner = Runner("docs", self, background=True)
        self.hub = Runner("hub", self, background=True)
        self.download = Runner("download", self, background=True)
        self.measure = Runner("measure", self)
        self.draft = Runner("draft", self)
        self._draft_seq = 0
        self.chats: Any = None            # ChatStore once open
        self.assistant: Any = None
        self.load_info: Any = None
        self._docs: Any = None
        self._docs_lock = threading.Lock()
        self._store_f: Future = Future()
        self.state = "idle"
        self._turn_job: Job | None = None

    @property
    def config(self) -> Config:
        """The settings in force (the core's; a copy)."""
        return self.core.config

    @config.setter
    def config(self, cfg: Config) -> None:
        self.core.update_settings(cfg, save=False)  # the caller saved them (or is a test)

    # -- start-up ---------------------------------------------------------------------------
    def start(self) -> None:
        self.store.submit(self._open_store, on_done=self._store_opened, on_error=self._store_failed)
        self.load_model()

    def _open_store(self, job: Job) -> Any:
        try:
            store = self.core.chats  # the core's store: the one every turn writes to
        except BaseException as exc:
            self._store_f.set_exception(exc)
            raise
        self._store_f.set_result(store)
        return store

    def _store_opened(self, store: Any) -> None:
        self.chats = store
        self.store_ready.emit(store)

    def _store_failed(self, err: Any) -> None:
        self.store_ready.emit(err)

    @property
    def host(self) -> Any:
        """The core's chat model (None when none is made or after shutdown)."""
        return self.core.current_host

    def load_model(self) -> None:
        """(Re)load the default model on the model thread; emits ``model_state``."""
        self.state = "loading"
        self.model_state.emit("loading", None)
        self.model.submit(lambda job: self._load(), on_done=self._loaded, on_error=self._load_failed)

    def _load(self) -> Any:
        self.assistant = None
        try:
            # a local model process, or the server in model.remote_url — as in the CLI
            info = self.core.reload_model()
        except BaseException:
            self.core.close_model()  # no half-started model left behind
            raise
        self._store_f.result(timeout=60)
        self.assistant = self.core.assistant()
        return info

    def rebuild_assistant(self) -> None:
        """Settings other than the model's changed (the core already dropped its assistant):
        the next turns use an assistant with the new router/cloud settings, same loaded model."""
        def job_fn(job: Job) -> None:
            if self.host is not None:
                self.assistant = self.core.assistant()

        self.model.submit(job_fn)

    def _loaded(self, info: Any) -> None:
        self.load_info = info
        self.state = "ready"
        self.model_state.emit("ready", info)
        if self.config.server.enabled:  # served once there is a model (a no-op when serving already)
            self.apply_api_server()

    # -- the local API server ------------------------------------------------------------------
    def apply_api_server(self, on_done: Callable[[Any], None] | None = None) -> Job:
        """Serve the API (Settings → API server) or stop it, as the settings say; on the hub
        thread (binding and uvicorn's start-up take a moment). Emits ``api_state``."""
        def done(status: Any) -> None:
            self.api_state.emit(status)
            if on_done is not None:
                on_done(status)

        return self.hub.submit(lambda _j: self.core.api.apply(), on_done=done,
                               on_error=lambda e: log.warning("API server: %s", e))

    def _load_failed(self, err: Any) -> None:
        self.state = "error"
        self.model_state.emit("error", err)

    # -- documents ------------------------------------------------------------------------
    def documents(self) -> Any:
        """The document service (in its child process, started on first use). Thread-safe."""
        with self._docs_lock:
            if self._docs is None:
                from desktop.docs_process import DocumentsProcess
                from engine.paths import get_paths
                self._docs = DocumentsProcess(get_paths(), self.config.documents)
            return self._docs

    def reset_documents(self) -> None:
        """Document settings changed: the next use starts a service with the new settings.

        The old one finishes what it is doing (an index job, a search) and then stops.
        """
        with self._docs_lock:
            old, self._docs = self._docs, None
        self.core.reset_documents()  # it held the same process; the next use asks for the new one
        if old is not None:
            self.docs_runner.submit(lambda _j: old.close())  # behind the jobs that may use it

    def warm_documents(self, on_done: Callable[[Any], None] | None = None) -> Job:
        """Start the documents process and load torch, the embedder and chromadb there, ahead of use."""
        return self.docs_runner.submit(lambda _j: self.documents().warm_up(), on_done=on_done,
                                       on_error=lambda e: log.warning("warm-up: %s", e))

    # -- turns ------------------------------------------------------------------------------
    def run_turn(self, start: Callable[[Any, Callable[[Any], bool]], Any], *, on_event: Callable[[Any], None],
                 on_done: Callable[[Any], None], on_error: Callable[[Any], None]) -> Job:
        """Run ``start(assistant, confirm)`` (returns an iterator of TurnEvents) on the model thread.

        Each event reaches ``on_event`` on the UI thread. ``confirm`` blocks the model thread
        until the UI answers a :class:`ConfirmRequest` (ask mode) or the turn is stopped.
        """
        def job_fn(job: Job) -> None:
            def confirm(routed: Any) -> bool:
                ev, box = threading.Event(), {}
                job.report(ConfirmRequest(routed, ev, box, self._send_problem(routed)))
                while not ev.wait(0.05):
                    if job.cancelled.is_set():
                        return False
                return bool(box.get("ok"))

            if self.assistant is None:
                from engine.errors import ModelError
                raise ModelError("The model is not loaded.", "Wait for it to load, or pick another model in Settings.")
            with self.core.exclusive():  # one answer at a time on the one model, API requests included
                for event in start(self.assistant, confirm):
                    job.report(event)
                    if job.cancelled.is_set():
                        self._cancel_assistant()

        job = self.model.submit(job_fn, on_done=on_done, on_error=on_error, on_progress=on_event)
        self._turn_job = job
        return job

    def _send_problem(self, routed: Any) -> str | None:
        """On the model thread, before the preview: can a send to the cloud provider authenticate?"""
        cloud = self.config.cloud
        if routed.provider != cloud.provider:  # a model server, not the cloud provider: no key involved
            return None
        from desktop.keyring_help import send_problem
        try:
            return send_problem(self.core, cloud.provider, cloud.base_url)
        except Exception as exc:  # noqa: BLE001 - if we cannot tell, do not offer the send
            log.warning("key check failed: %s", exc)
            return "Hearth could not check the API key, so nothing will be sent."

    def stop_turn(self) -> None:
        """Stop the running answer (thread-safe; the engine ends the stream within ~100 ms)."""
        if self._turn_job is not None:
            self._turn_job.cancel()
        self._cancel_assistant()

    def _cancel_assistant(self) -> None:
        if self.assistant is not None:
            try:
                self.assistant.cancel()
            except Exception:  # noqa: BLE001
                log.exception("cancel failed")

    # -- drafts -------------------------------------------------------------------------------
    def prepare_draft(self, text: str) -> Job | None:
        """The composer's text after a pause in typing: the router starts on it on the ``draft``
        thread (see ``Core.prepare_draft``). A draft still queued when a newer one arrives is skipped."""
        if not text.strip():
            return None
        self._draft_seq += 1
        seq = self._draft_seq

        def job_fn(job: Job) -> None:
            if seq == self._draft_seq:  # the newest draft (the person paused again since: skip)
                self.core.prepare_draft(text)

        return self.draft.submit(job_fn, on_error=lambda e: log.debug("draft: %s", e))

    # -- speed estimates ---------------------------------------------------------------------
    def calibrate_speed(self, on_done: Callable[[Any], None] | None = None,
                        on_error: Callable[[Any], None] | None = None) -> Job:
        """Measure (once; later calls read the cache) what the speed estimates are based on."""
        return self.measure.submit(lambda _j: self.core.models.calibrate(), on_done=on_done, on_error=on_error)

    # -- store helpers ----------------------------------------------------------------------
    def with_store(self, fn: Callable[[Any], Any], on_done: Callable[[Any], None] | None = None,
                   on_error: Callable[[Any], None] | None = None) -> Job:
        """Run ``fn(chat_store)`` on the store thread."""
        return self.store.submit(lambda job: fn(self._store_f.result(timeout=60)), on_done=on_done, on_error=on_error)

    # -- shutdown ---------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 15_000) -> None:
        """Cancel work, stop the model child, close the database; blocks up to ``timeout_ms``."""
        self.stop_turn()
        for r in (self.model, self.hub, self.download, self.docs_runner, self.measure, self.draft, self.store):
            r.cancel_all()
        self.core.api.stop()  # no API request may reach a model that is going away

        def _close(job: Job) -> None:
            self.core.close_model()

        self.model.submit(_close)
        for r in (self.model, self.hub, self.download, self.docs_runner, self.measure, self.draft):
            r.stop(timeout_ms, cancel=False)

        def _close_store(job: Job) -> None:
            if self.chats is not None:
                self.chats.close()

        self.store.submit(_close_store)
        self.store.stop(timeout_ms, cancel=False)
        with self._docs_lock:
            docs, self._docs = self._docs, None
        if docs is not None:
            docs.close()
