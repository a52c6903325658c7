"""The app's document service, run in a child process.

Loading the documents stack (torch, sentence-transformers, chromadb) runs long stretches of C
code that hold the interpreter lock: ``import torch`` initialises its Python bindings, large
modules are unmarshalled, chromadb's Rust core starts — each can freeze the window for a
quarter of a second, whichever thread does it. In a separate process they cannot touch the UI's
interpreter at all; the app only receives results and progress over a pipe.

:class:`DocumentsProcess` has the methods of :class:`engine.docs.service.DocumentService` that
the app uses (``collections``, ``status``, ``add``, ``reindex``, ``remove``, ``search``,
``passage``, ``matches_indexed_text``) plus ``warm_up``; each call blocks its calling (worker) thread until
the child answers. ``progress`` callbacks run in the calling thread; a ``cancel`` event is
passed on to the child. Calls may overlap (search while indexing), as with the service itself.
A child that dies fails the calls in flight with an :class:`IndexError_`; the next call starts
a fresh one. The child runs at a lower CPU priority, as the indexing thread used to.

This module imports no Qt (the child imports it) and nothing heavy at module level.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import queue
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

METHODS = frozenset({"collections", "status", "add", "reindex", "remove", "search", "passage",
                     "matches_indexed_text", "warm_up"})
CHILD_NICE = 10
POLL_S = 0.1


# -- the child -------------------------------------------------------------------------------------

def _child_main(conn: Any, paths: Any, settings: Any) -> None:
    """Serve DocumentService calls from the app until the pipe closes or "quit" arrives."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the app to handle
    if hasattr(os, "nice"):
        try:
            os.nice(CHILD_NICE)
        except OSError:
            pass
    _child_logging(paths)
    from engine.net import enforce_offline_defaults

    enforce_offline_defaults()
    from engine.docs.service import DocumentService

    service = DocumentService(paths, settings)
    send_lock = threading.Lock()
    cancels: dict[int, threading.Event] = {}

    def send(msg: tuple) -> None:
        with send_lock:
            try:
                conn.send(msg)
            except (OSError, ValueError):
                pass  # the app is gone; the main loop ends on its own

    def run(call_id: int, method: str, args: tuple, kwargs: dict) -> None:
        try:
            if kwargs.pop("progress", None) is not None:
                kwargs["progress"] = lambda p: send(("progress", call_id, p))
            if kwargs.pop("cancel", None) is not None:
                kwargs["cancel"] = cancels[call_id]
            if method == "warm_up":
                service.warm_up()  # the collections' embedding models and the one chromadb client
                result: Any = True
            else:
                result = getattr(service, method)(*args, **kwargs)
            send(("result", call_id, result))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            send(("error", call_id, *_describe(exc)))
        finally:
            cancels.pop(call_id, None)

    try:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg[0] == "quit":
                break
            if msg[0] == "cancel":
                ev = cancels.get(msg[1])
                if ev is not None:
                    ev.set()
                continue
            _, call_id, method, args, kwargs = msg
            if method not in METHODS:
                send(("error", call_id, "HearthError", f"Unknown documents call {method!r}.", None))
                continue
            cancels[call_id] = threading.Event()
            threading.Thread(target=run, args=(call_id, method, args, kwargs), name=f"docs-{method}",
                             daemon=True).start()
    finally:
        for ev in cancels.values():
            ev.set()
        try:
            service.close()
        except Exception:  # noqa: BLE001
            pass


def _child_logging(paths: Any) -> None:
    import logging.handlers

    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(paths.log_dir / "hearth-documents.log", maxBytes=2_000_000,
                                                       backupCount=2, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(os.environ.get("HEARTH_LOG_LEVEL", "INFO"))
    except OSError:
        pass  # no log file: still serve


def _describe(exc: BaseException) -> tuple[str, str, str | None]:
    from engine.errors import HearthError

    if isinstance(exc, HearthError):
        return type(exc).__name__, exc.message, exc.hint
    log.exception("documents call failed")
    return ("HearthError", f"Document search failed: {type(exc).__name__}: {exc}",
            "Details are in the documents log file. Try again.")


# -- the app's side --------------------------------------------------------------------------------

class DocumentsProcess:
    """The document service in a child process (see module doc). Thread-safe."""

    def __init__(self, paths: Any, settings: Any) -> None:
        self.paths = paths
        self.settings = settings
        self._mp = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Any = None
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[queue.Queue, Any]] = {}   # call id -> (its box, the child asked)
        self._closed = False

    # -- the service's methods ---------------------------------------------------------------
    def collections(self) -> list[Any]:
        if not self._indexed_before():
            return []  # a first run: no process needed to say there is nothing
        return self._call("collections")

    def status(self, collection: str) -> Any:
        return self._call("status", collection)

    def add(self, collection: str, paths: Any, progress: Callable[[Any], None] | None = None,
            cancel: threading.Event | None = None, server: str | None = None) -> Any:
        return self._call("add", collection, [str(p) for p in paths], progress=progress, cancel=cancel,
                          server=server)

    def reindex(self, collection: str, progress: Callable[[Any], None] | None = None,
                cancel: threading.Event | None = None, rebuild: bool = False) -> Any:
        return self._call("reindex", collection, progress=progress, cancel=cancel, rebuild=rebuild or None)

    def remove(self, collection: str, paths: Any = ()) -> Any:
        return self._call("remove", collection, [str(p) for p in paths])

    def search(self, collection: str, query: str, top_k: int | None = None, mode: str | None = None) -> list[Any]:
        return self._call("search", collection, query, top_k, mode)

    def passage(self, path: str, start: int, end: int, context: int = 600) -> Any:
        return self._call("passage", path, start, end, context)

    def matches_indexed_text(self, text: str, min_overlap: float = 0.5) -> bool:
        if len(text.split()) < 8:  # never a match (see DocumentService): no need to ask
            return False
        if not self._indexed_before():
            return False
        return bool(self._call("matches_indexed_text", text, min_overlap))

    def _indexed_before(self) -> bool:
        return self.running or (self.paths.index_dir / "manifest.sqlite3").exists()

    def warm_up(self) -> bool:
        """Start the child and load torch, the embedder and chromadb there."""
        self._call("warm_up")
        return True

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    # -- plumbing ------------------------------------------------------------------------------
    def _call(self, method: str, *args: Any, progress: Callable[[Any], None] | None = None,
              cancel: threading.Event | None = None, **extra: Any) -> Any:
        kwargs: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
        if progress is not None:
            kwargs["progress"] = True
        if cancel is not None:
            kwargs["cancel"] = True
        call_id = next(self._ids)
        box: queue.Queue = queue.Queue()
        try:
            self._send(("call", call_id, method, args, kwargs), call_id, box)
            cancel_sent = False
            while True:
                if cancel is not None and cancel.is_set() and not cancel_sent:
                    self._send(("cancel", call_id))
                    cancel_sent = True
                try:
                    msg = box.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                kind = msg[0]
                if kind == "progress":
                    if progress is not None:
                        progress(msg[2])
                elif kind == "result":
                    return msg[2]
                elif kind == "error":
                    raise _rebuild(msg[2], msg[3], msg[4])
                else:  # "dead"
                    raise _died(msg[1])
        finally:
            self._waiting.pop(call_id, None)

    def _send(self, msg: tuple, call_id: int | None = None, box: queue.Queue | None = None) -> None:
        proc, conn = self._ensure_child()
        if call_id is not None and box is not None:
            self._waiting[call_id] = (box, proc)
        try:
            with self._send_lock:
                conn.send(msg)
        except (OSError, ValueError) as exc:
            raise _died(None) from exc

    def _ensure_child(self) -> tuple[Any, Any]:
        from engine.errors import IndexError_

        with self._lock:
            if self._closed:
                raise IndexError_("Document search has been shut down.")
            if self._proc is None or not self._proc.is_alive():
                # The types of the results (light, pure Python) are imported here, by the caller,
                # not by the reader thread in the middle of unpickling the first progress message.
                import engine.docs.service  # noqa: F401
                parent, child = self._mp.Pipe(duplex=True)
                proc = self._mp.Process(target=_child_main, args=(child, self.paths, self.settings),
                                        name="hearth-documents", daemon=True)
                proc.start()
                child.close()
                self._proc, self._conn = proc, parent
                threading.Thread(target=self._read, args=(proc, parent), name="hearth-documents-reader",
                                 daemon=True).start()
            return self._proc, self._conn

    def _read(self, proc: Any, conn: Any) -> None:
        """Route the child's messages to the waiting callers; tell them all if it dies."""
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            waiting = self._waiting.get(msg[1])
            if waiting is not None:
                waiting[0].put(msg)
        proc.join(timeout=5)
        code = proc.exitcode
        for box, owner in list(self._waiting.values()):
            if owner is proc:  # calls sent to a newer child are not this one's to fail
                box.put(("dead", code))

    def close(self, timeout_s: float = 10.0) -> None:
        """Ask the child to finish (it cancels running jobs) and wait; then stop it."""
        with self._lock:
            self._closed = True
            proc, conn = self._proc, self._conn
            self._proc = self._conn = None
        if proc is None:
            return
        try:
            with self._send_lock:
                conn.send(("quit",))
        except (OSError, ValueError):
            pass
        proc.join(timeout_s)
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
        conn.close()


def _rebuild(kind: str, message: str, hint: str | None) -> Exception:
    import engine.errors as errors

    cls = getattr(errors, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.HearthError)):
        cls = errors.HearthError
    try:
        return cls(message, hint)
    except TypeError:
        return errors.HearthError(message, hint)


def _died(code: int | None) -> Exception:
    from engine.errors import IndexError_

    how = f" (exit code {code})" if code is not None else ""
    return IndexError_(f"The document search process stopped unexpectedly{how}.",
                       "Try again; it starts afresh. Files indexed so far are kept.")
