"""Run engine work off the UI thread and get results back as Qt signals.

A :class:`Runner` owns one ``QThread`` and runs submitted jobs on it one at a time, in order.
That makes the thread the single owner of whatever the jobs touch (the loaded model, the chats
connection, the document index writer), as the design asks. Results, progress and errors come
back through queued signals and are dispatched to per-job callbacks on the UI thread.

A job is ``fn(job) -> result``; it may call ``job.report(payload)`` any number of times and
should poll ``job.cancelled`` (a ``threading.Event``) in long loops.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.errors import Cancelled, HearthError

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


@dataclass
class Job:
    id: int
    fn: Callable[["Job"], Any]
    cancelled: threading.Event = field(default_factory=threading.Event)
    _emit: Callable[[int, Any], None] | None = None

    def report(self, payload: Any) -> None:
        """Send ``payload`` to the job's ``on_progress`` callback on the UI thread."""
        if self._emit is not None:
            self._emit(self.id, payload)

    def cancel(self) -> None:
        self.cancelled.set()


def as_hearth_error(exc: BaseException) -> HearthError:
    """Any exception as a person-facing error (unexpected ones keep their type in the text)."""
    if isinstance(exc, HearthError):
        return exc
    return HearthError(f"Something went wrong: {type(exc).__name__}: {exc}",
                       "Details are in the log file. Try again, or restart Hearth.")


BACKGROUND_NICE = 10


class _Worker(QObject):
    progress = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, object)

    @Slot()
    def lower_priority(self) -> None:
        """Run this thread (and the threads and processes it starts: torch's pool, parse
        workers) at a lower CPU priority, so the UI thread wins the cores when they are busy."""
        if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
            try:
                current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, BACKGROUND_NICE))
            except OSError:
                log.debug("could not lower the priority of a worker thread", exc_info=True)

    @Slot(object)
    def run(self, job: Job) -> None:
        if job.cancelled.is_set():
            self.failed.emit(job.id, Cancelled())
            return
        job._emit = self.progress.emit
        try:
            result = job.fn(job)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the UI
            if not isinstance(exc, HearthError):
                log.exception("job %s failed", job.id)
            self.failed.emit(job.id, as_hearth_error(exc))
        else:
            self.finished.emit(job.id, result)


class Runner(QObject):
    """One worker thread with a FIFO of jobs; callbacks run on the UI thread."""

    _submit = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None, *, background: bool = False) -> None:
        super().__init__(parent)
        self.name = name
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callback | None, Callback | None, Callback | None]] = {}
        self._jobs: dict[int, Job] = {}
        self._thread = QThread()
        self._thread.setObjectName(f"hearth-{name}")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        if background:  # on Linux a thread's nice value is its own, inherited by what it starts
            self._thread.started.connect(self._worker.lower_priority)
        self._thread.start()

    def submit(self, fn: Callable[[Job], Any], *, on_done: Callback | None = None,
               on_error: Callback | None = None, on_progress: Callback | None = None) -> Job:
        job = Job(next(self._ids), fn)
        self._callbacks[job.id] = (on_done, on_error, on_progress)
        self._jobs[job.id] = job
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        self._submit.emit(job)
        return job

    @property
    def pending(self) -> int:
        return len(self._jobs)

    def cancel_all(self) -> None:
        for job in list(self._jobs.values()):
            job.cancel()

    def _pop(self, job_id: int) -> tuple[Callback | None, Callback | None, Callback | None]:
        self._jobs.pop(job_id, None)
        if not self._jobs:
            self.busy_changed.emit(False)
        return self._callbacks.pop(job_id, (None, None, None))

    @Slot(int, object)
    def _on_progress(self, job_id: int, payload: Any) -> None:
        cb = self._callbacks.get(job_id, (None, None, None))[2]
        if cb is not None:
            cb(payload)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: Any) -> None:
        cb = self._pop(job_id)[0]
        if cb is not None:
            cb(result)

    @Slot(int, object)
    def _on_failed(self, job_id: int, error: Any) -> None:
        cb = self._pop(job_id)[1]
        if cb is not None:
            cb(error)
        else:
            log.warning("%s job %s failed: %s", self.name, job_id, error)

    def stop(self, timeout_ms: int = 10_000, *, cancel: bool = True) -> bool:
        """End the thread once queued jobs ran (cancelled first unless ``cancel=False``)."""
        if cancel:
            self.cancel_all()
        # Quit from inside the thread, behind the queued jobs: QThread.quit() from here could end
        # the event loop before jobs queued during shutdown (unloading the model) ever run.
        self.submit(lambda job: QThread.currentThread().quit())
        ok = self._thread.wait(timeout_ms)
        if not ok:
            log.warning("worker thread %s did not stop within %d ms", self.name, timeout_ms)
        return ok
