"""Verified, resumable model downloads from the hub.

Why not plain ``hf_hub_download``: the installed huggingface_hub (2.x) writes each download to a
process-unique temp file and deletes it on failure, so an interrupted or cancelled download
restarts from zero after a restart. We keep the hub client for what it is good at — metadata
(commit, size, LFS sha256), auth headers, proxies and the offline switch (its own HTTP session,
via :func:`engine.net.hub_http_client`) — and move the bytes ourselves with HTTP Range requests
on the file's resolve URL, into a partial file that survives cancel, crash and restart.

Lifecycle of one pull::

    metadata (HEAD) → disk-space check → GET Range: bytes=<have>- → append + hash
      → sha256 vs catalog/hub → atomic rename into <models>/<owner>__<name>/<file> → manifest

Partial files live in ``<models>/.partial/<sha256>.part`` with a JSON sidecar naming what they
are; a file that fails verification is moved to ``<models>/.quarantine/`` and never registered.

Nothing the hub or the command line says is trusted as a path: repo ids, file names and sha256
values are checked before any of them names a file (no ``..``, no absolute paths, hex hashes
only), and the final path must lie inside the models folder. The hub token goes only to the hub
itself: when the hub sends the bytes from another origin (a CDN), the request carries no token,
as ``huggingface_hub`` does for its own downloads.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import queue
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from engine.errors import (Cancelled, ChecksumMismatch, DiskFull, DownloadError, ModelLoadError,
                           StorageError)
from engine.fsutil import atomic_write_text
from engine.models import hub
from engine.models.catalog import CatalogEntry
from engine.models.gguf_meta import read_gguf
from engine.models.registry import InstalledModel, ModelRecord, add_record, models_dir, records, slug
from engine.models.storage import HASH_BLOCK, ensure_space, human_bytes
from engine.net import hub_access, hub_endpoint, hub_http_client

log = logging.getLogger(__name__)

CHUNK = 8 * 1024 * 1024  # like hf_hub_download (10 MB): fewer, larger writes
READ_TIMEOUT_S = 30.0

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_HUB_ORIGINS = {("https", "huggingface.co", 443), ("https", "hf.co", 443)}


def check_repo_id(repo: str) -> str:
    """``owner/name`` as the hub spells repo ids; anything else could name a folder we did not mean."""
    if not isinstance(repo, str) or not _REPO_ID.match(repo) or ".." in repo:
        raise DownloadError(f"'{repo}' is not a model repository id.",
                            "Use the form owner/name, e.g. HuggingFaceTB/SmolLM2-135M-Instruct-GGUF.")
    return repo


def check_file_name(name: str) -> str:
    """A file name inside a repo: relative, forward slashes, no '.'/'..' parts, no control characters."""
    bad = (not isinstance(name, str) or not name or len(name) > 1024 or name.startswith(("/", "~"))
           or "\\" in name or ":" in name or any(ord(c) < 32 or c == "\x7f" for c in name)
           or any(part in ("", ".", "..") for part in name.split("/")))
    if bad:
        raise DownloadError(f"The file name '{name}' is not a safe file name inside a repository "
                            "(it is absolute, or climbs out with '..').",
                            "Pick a file from the repository's own list: hearth models search <name> --files")
    return name


def check_sha256(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        raise DownloadError(f"The checksum given for {what} is not a sha256 ('{str(value)[:80]}').",
                            "The hub or the catalog entry is wrong; nothing was downloaded.")
    return value.lower()


def _origin(url: str) -> tuple[str, str, int]:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    return u.scheme, (u.hostname or "").lower(), u.port or {"http": 80, "https": 443}.get(u.scheme, 0)


def token_may_go_to(url: str) -> bool:
    """The hub token goes to the hub's own origin only, never to a CDN it redirects to."""
    return _origin(url) == _origin(hub_endpoint()) or _origin(url) in _HUB_ORIGINS


class _Hasher:
    """sha256 of the bytes as they are written, computed on a helper thread.

    hashlib releases the GIL on large buffers, so hashing overlaps with receiving and writing
    instead of adding a full re-read (or a serial hash) after the download.
    """

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        self._h = hashlib.sha256()
        self._q: queue.Queue[bytes | None] = queue.Queue(maxsize=32)
        self._t = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._t.start()

    def _run(self) -> None:
        while (data := self._q.get()) is not None:
            self._h.update(data)

    def update(self, data: bytes) -> None:
        self._q.put(data)

    def _stop(self) -> None:
        if self._t.is_alive():
            self._q.put(None)
            self._t.join()

    def reset(self) -> None:
        self._stop()
        self._start()

    def close(self) -> None:
        self._stop()

    def hexdigest(self) -> str:
        self._stop()
        return self._h.hexdigest()


@dataclass(frozen=True)
class Progress:
    """One progress report: bytes on disk (including resumed ones), rate and ETA of this session."""

    downloaded: int
    total: int
    rate_bps: float
    eta_s: float | None
    resumed_from: int = 0
    phase: Literal["download", "verify", "done"] = "download"

    @property
    def fraction(self) -> float:
        return self.downloaded / self.total if self.total else 0.0


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class HubFileRef:
    """What to download: a catalog entry or any hub file (then unverified by the catalog)."""

    model_id: str
    repo: str
    file: str
    revision: str | None = None     # commit to pin; None = "main", resolved and recorded
    sha256: str | None = None       # expected hash; None = trust the hub's LFS sha256
    size: int | None = None
    catalog_id: str | None = None

    def __post_init__(self) -> None:
        check_repo_id(self.repo)
        check_file_name(self.file)
        check_sha256(self.sha256, self.file)

    @classmethod
    def from_entry(cls, entry: CatalogEntry) -> "HubFileRef":
        return cls(entry.id, entry.repo, entry.file, entry.pinned_revision, entry.expected_sha256,
                   entry.exact_size, entry.id)

    @classmethod
    def from_hub(cls, repo: str, file: str, revision: str | None = None) -> "HubFileRef":
        return cls(slug(Path(file).stem), repo, file, revision)


@dataclass
class PullResult:
    model: InstalledModel
    bytes_fetched: int      # body bytes received over the network in this call
    resumed_from: int       # bytes already on disk when this call started
    already_installed: bool = False


class Downloader:
    """Download models into the store. Thread-safe to use one instance per pull."""

    def __init__(self, *, token: str | bool | None = None, retries: int = 2, retry_wait_s: float = 1.0,
                 progress_interval_s: float = 0.1) -> None:
        self.token = token
        self.retries = retries
        self.retry_wait_s = retry_wait_s
        self.progress_interval_s = progress_interval_s

    # -- public ----------------------------------------------------------------------------
    def pull(self, target: CatalogEntry | HubFileRef, *, progress: ProgressCallback | None = None,
             cancel: threading.Event | None = None) -> InstalledModel:
        return self.pull_detailed(target, progress=progress, cancel=cancel).model

    def pull_detailed(self, target: CatalogEntry | HubFileRef, *, progress: ProgressCallback | None = None,
                      cancel: threading.Event | None = None) -> PullResult:
        ref = HubFileRef.from_entry(target) if isinstance(target, CatalogEntry) else target
        cancel = cancel or threading.Event()
        done = self._already_installed(ref)
        if done is not None:  # no network at all for a model we already have
            return PullResult(done, 0, 0, already_installed=True)
        with hub_access():
            remote = hub.file_metadata(ref.repo, ref.file, ref.revision, token=self.token)
            expected = self._expected_hash(ref, remote)
            total = remote.size or ref.size
            if total is None:
                raise DownloadError(f"The hub did not say how big {ref.file} is.", "Try again later.")
            part, sidecar = self._partial_paths(expected)
            with _exclusive(part, ref.file):
                have = self._resume_point(part, sidecar, ref, remote, expected, total)
                ensure_space(models_dir(), total - have, f"{ref.file} ({human_bytes(total)})")
                hasher = _Hasher()
                try:
                    self._hash_existing(part, have, hasher, cancel)
                    fetched = self._transfer(remote, part, have, total, hasher, progress, cancel)
                except BaseException:
                    hasher.close()  # stop the hashing thread; the partial file stays for resume
                    raise
                model = self._finish(ref, remote, part, sidecar, expected, hasher, total, progress)
        return PullResult(model, fetched, have)

    # -- steps -----------------------------------------------------------------------------
    def _already_installed(self, ref: HubFileRef) -> InstalledModel | None:
        for r in records():
            if (r.repo == ref.repo and r.file == ref.file and r.present and r.verified
                    and (ref.revision is None or r.revision == ref.revision)
                    and (ref.sha256 is None or r.sha256 == ref.sha256)):
                return r.to_installed()
        return None

    def _expected_hash(self, ref: HubFileRef, remote: hub.RemoteFile) -> str:
        check_sha256(remote.sha256, ref.file)  # it names the partial file: a hex digest, nothing else
        if ref.sha256 and remote.sha256 and ref.sha256 != remote.sha256.lower():
            raise ChecksumMismatch(
                f"The hub reports sha256 {remote.sha256[:12]}… for {ref.file} at {remote.commit[:12]}, "
                f"but the catalog pins {ref.sha256[:12]}…; nothing was downloaded.",
                "The catalog entry or the hub is wrong; do not use this file until that is resolved.")
        if ref.size and remote.size and ref.size != remote.size:
            raise ChecksumMismatch(
                f"The hub reports {remote.size:,} bytes for {ref.file} but the catalog says {ref.size:,}; "
                "nothing was downloaded.", "The catalog entry or the hub is wrong.")
        expected = check_sha256(ref.sha256 or remote.sha256, ref.file)
        if not expected:
            raise DownloadError(f"The hub did not report a checksum for {ref.file}, so it cannot be verified.",
                                "Hearth only installs files it can verify; pick a file stored with Git LFS.")
        return expected

    def _partial_paths(self, sha256: str) -> tuple[Path, Path]:
        d = models_dir() / ".partial"
        d.mkdir(parents=True, exist_ok=True)
        return d / f"{sha256}.part", d / f"{sha256}.json"

    def _resume_point(self, part: Path, sidecar: Path, ref: HubFileRef, remote: hub.RemoteFile,
                      expected: str, total: int) -> int:
        """Bytes we can keep from an earlier attempt (0 = start fresh)."""
        meta = {"repo": ref.repo, "file": ref.file, "sha256": expected, "size": total}
        keep = 0
        if part.exists() and sidecar.exists():
            try:
                old = json.loads(sidecar.read_text(encoding="utf-8"))
            except ValueError:
                old = {}
            have = part.stat().st_size
            if all(old.get(k) == v for k, v in meta.items()) and have <= total:
                keep = have
        if keep == 0:
            part.unlink(missing_ok=True)
        atomic_write_text(sidecar, json.dumps({**meta, "commit": remote.commit}))
        if keep:
            log.info("resuming %s at %d of %d bytes", ref.file, keep, total)
        return keep

    def _hash_existing(self, part: Path, have: int, hasher: _Hasher, cancel: threading.Event) -> None:
        if have:
            with part.open("rb") as fh:
                left = have
                while left:
                    if cancel.is_set():
                        raise Cancelled("Download cancelled; the partial file is kept for next time.")
                    block = fh.read(min(HASH_BLOCK, left))
                    if not block:
                        break
                    hasher.update(block)
                    left -= len(block)

    def _transfer(self, remote: hub.RemoteFile, part: Path, have: int, total: int, hasher: "_Hasher",
                  progress: ProgressCallback | None, cancel: threading.Event) -> int:
        """GET the missing bytes with Range, retrying dropped connections; returns bytes received."""
        import httpx2

        start_have, fetched, attempt = have, 0, 0
        t0 = time.monotonic()
        last_report = 0.0

        def report(on_disk: int, received: int, force: bool = False) -> None:
            nonlocal last_report
            now = time.monotonic()
            if progress is None or (not force and now - last_report < self.progress_interval_s):
                return
            last_report = now
            rate = received / max(now - t0, 1e-6)
            eta = (total - on_disk) / rate if rate > 0 else None
            progress(Progress(on_disk, total, rate, eta, start_have))

        report(have, 0, force=True)
        while have < total:
            if cancel.is_set():
                raise self._cancelled(have, total)
            try:
                got, have, restarted = self._get_range(
                    remote, part, have, total, hasher, cancel, lambda on_disk, got: report(on_disk, fetched + got))
                fetched += got
                if restarted:
                    start_have = 0
            except Cancelled:
                raise
            except (httpx2.TransportError, httpx2.StreamError) as exc:
                attempt += 1
                have = part.stat().st_size if part.exists() else 0
                if cancel.is_set():  # the cancel watcher closed the connection
                    raise self._cancelled(have, total) from exc
                if attempt > self.retries:
                    raise DownloadError(
                        f"The connection to the hub dropped after {human_bytes(have)} of {human_bytes(total)} "
                        f"of {remote.file} ({type(exc).__name__}).",
                        "The partial file is kept: run the same pull again to resume where it stopped.") from exc
                log.warning("download of %s interrupted (%s); resuming at %d (attempt %d)",
                            remote.file, exc, have, attempt)
                if cancel.wait(self.retry_wait_s * attempt):
                    raise self._cancelled(have, total) from exc
        report(have, fetched, force=True)
        return fetched

    def _get_range(self, remote: hub.RemoteFile, part: Path, have: int, total: int, hasher: "_Hasher",
                   cancel: threading.Event, report: Callable[[int, int], None]) -> tuple[int, int, bool]:
        """One GET from ``have``; returns (bytes received, bytes on disk, restarted-from-zero)."""
        from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

        # The token stays with the hub: a CDN the hub redirected us to never sees it.
        headers = build_hf_headers(token=self.token if token_may_go_to(remote.url) else False)
        headers["Accept-Encoding"] = "identity"  # byte offsets must be offsets into the file itself
        if have:
            headers["Range"] = f"bytes={have}-"
        got, restarted = 0, False
        with hub_http_client().stream("GET", remote.url, headers=headers, timeout=READ_TIMEOUT_S) as resp, \
                _close_on_cancel(resp, cancel):
            if resp.status_code == 416 and have == total:
                return 0, have, False
            try:
                hf_raise_for_status(resp)
            except Exception as exc:  # noqa: BLE001
                raise hub.map_hub_error(exc, f"{remote.repo}/{remote.file}") from exc
            if have and resp.status_code == 200:  # server ignored Range: start over, honestly
                log.warning("server ignored the Range request for %s; restarting from zero", remote.file)
                have, restarted = 0, True
                hasher.reset()
            elif have and not resp.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
                raise DownloadError(f"The hub answered a resume request for {remote.file} with the wrong range.",
                                    "Delete the partial download with `hearth models pull --restart` and retry.")
            mode = "r+b" if have and part.exists() else "wb"
            pending = bytearray()

            def flush() -> None:
                # Append what arrived so far: every received byte reaches the disk, even when
                # the connection drops mid-stream, so a resume never re-fetches it.
                nonlocal have, got, pending
                if not pending:
                    return
                if have + len(pending) > total:
                    raise DownloadError(f"The hub sent more bytes than {remote.file} should have.",
                                        "Try again; if it repeats, the hub's file is not the expected one.")
                data, pending = pending, bytearray()  # hand the buffer over: no copy
                fh.write(data)
                hasher.update(data)
                have += len(data)
                got += len(data)
                report(have, got)

            try:
                with part.open(mode) as fh:
                    fh.seek(have)
                    fh.truncate()
                    try:
                        for piece in resp.iter_bytes():
                            if cancel.is_set():
                                raise self._cancelled(have + len(pending), total)
                            pending += piece
                            if len(pending) >= CHUNK:
                                flush()
                            else:
                                report(have + len(pending), got + len(pending))
                    finally:
                        flush()
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise DiskFull(f"The disk filled up while downloading {remote.file} "
                                   f"({human_bytes(have)} of {human_bytes(total)} kept).",
                                   "Free some space, then run the same pull again to resume.") from exc
                raise StorageError(f"Could not write the download {part}: {exc.strerror}.",
                                   "Check the models folder's permissions.") from exc
        return got, have, restarted

    def _cancelled(self, have: int, total: int) -> Cancelled:
        return Cancelled(f"Download cancelled at {human_bytes(have)} of {human_bytes(total)}.",
                         "The partial file is kept: pull again to resume.")

    def _finish(self, ref: HubFileRef, remote: hub.RemoteFile, part: Path, sidecar: Path, expected: str,
                hasher: "_Hasher", total: int, progress: ProgressCallback | None) -> InstalledModel:
        if progress:
            progress(Progress(total, total, 0.0, 0.0, phase="verify"))
        actual = hasher.hexdigest()
        if actual != expected:
            bad = self._quarantine(part, ref.file)
            sidecar.unlink(missing_ok=True)
            raise ChecksumMismatch(
                f"{ref.file} failed verification: its sha256 is {actual[:16]}…, expected {expected[:16]}…. "
                f"The file was quarantined at {bad} and not installed.",
                "Pull again to download a fresh copy; if it fails again, the source is serving a bad file.")
        try:  # the hub's file may be exactly what it claims and still not be a model
            read_gguf(part)
        except ModelLoadError as exc:
            bad = self._quarantine(part, ref.file)
            sidecar.unlink(missing_ok=True)
            raise ModelLoadError(f"{ref.file} downloaded intact but is not a usable GGUF model: {exc.message} "
                                 f"It was quarantined at {bad}.", "Pick another file from the repo.") from exc
        final = self._final_path(ref)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            with part.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(part, final)
        except OSError as exc:
            raise StorageError(f"Could not move the verified download into {final}: {exc.strerror}.",
                               "The verified file is kept in the .partial folder; pull again to retry.") from exc
        sidecar.unlink(missing_ok=True)
        model = add_record(ModelRecord(
            id=ref.model_id, path=str(final), source=f"hub:{ref.repo}@{remote.commit}", sha256=actual,
            verified=True, size_bytes=total, repo=ref.repo, revision=remote.commit, file=ref.file,
            link="download", catalog_id=ref.catalog_id))
        if progress:
            progress(Progress(total, total, 0.0, 0.0, phase="done"))
        log.info("installed %s (%d bytes, sha256 %s)", model.id, total, actual)
        return model

    @staticmethod
    def _final_path(ref: HubFileRef) -> Path:
        root = models_dir().resolve()
        final = root / check_repo_id(ref.repo).replace("/", "__") / check_file_name(ref.file)
        if not final.resolve().is_relative_to(root):  # belt and braces (e.g. a symlinked folder)
            raise DownloadError(f"{ref.file} would be saved outside the models folder; refused.",
                                "Pick another file, or check the models folder for symlinks.")
        return final

    def _quarantine(self, part: Path, name: str) -> Path:
        qdir = models_dir() / ".quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        bad = qdir / f"{Path(name).name}.{time.strftime('%Y%m%d-%H%M%S')}.bad"
        os.replace(part, bad)
        return bad


@contextlib.contextmanager
def _close_on_cancel(resp: Any, cancel: threading.Event) -> Iterator[None]:
    """Cancel promptly even while the network is stalled: closing the response from a watcher
    thread breaks the blocked read, instead of waiting for the read timeout."""
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(0.1):
            if cancel.is_set():
                # close() alone does not wake a blocked recv on Linux; shutting the socket does.
                with contextlib.suppress(Exception):
                    stream = resp.extensions.get("network_stream")
                    sock = stream.get_extra_info("socket") if stream is not None else None
                    if sock is not None:
                        sock.shutdown(socket.SHUT_RDWR)
                return

    t = threading.Thread(target=watch, name="download-cancel", daemon=True)
    t.start()
    try:
        yield
    finally:
        finished.set()
        t.join()


@contextlib.contextmanager
def _exclusive(part: Path, name: str) -> Iterator[None]:
    """One writer per partial file: the CLI and the app pulling the same model must not interleave."""
    lock = part.with_suffix(".lock")
    fh = lock.open("a+")
    try:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; single-process use is still safe
            yield
            return
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DownloadError(f"{name} is already being downloaded by another Hearth window or command.",
                                "Wait for that download to finish (or cancel it), then try again.") from None
        yield
    finally:
        if not part.exists():  # finished or discarded: nothing left to guard
            lock.unlink(missing_ok=True)
        fh.close()


def partial_downloads() -> list[tuple[Path, dict]]:
    """Partial downloads on disk, with their sidecars (for `hearth models list` and cleanup)."""
    d = models_dir() / ".partial"
    out = []
    for sidecar in sorted(d.glob("*.json")) if d.exists() else []:
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except ValueError:
            continue
        part = sidecar.with_suffix(".part")
        if part.exists():
            out.append((part, {**meta, "have": part.stat().st_size}))
    return out


def discard_partial(sha256: str) -> None:
    sha256 = check_sha256(sha256, "the partial download") or ""
    d = models_dir() / ".partial"
    (d / f"{sha256}.part").unlink(missing_ok=True)
    (d / f"{sha256}.json").unlink(missing_ok=True)
    (d / f"{sha256}.lock").unlink(missing_ok=True)


__all__ = ["Downloader", "HubFileRef", "Progress", "PullResult", "partial_downloads", "discard_partial"]
