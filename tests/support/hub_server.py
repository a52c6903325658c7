"""A loopback model hub: the endpoints ``huggingface_hub`` calls, served from 127.0.0.1.

Usage::

    with loopback_hub({"org/Model-GGUF": {"model.gguf": path_or_bytes}}) as hub:
        os.environ["HF_ENDPOINT"] = hub.endpoint       # or pass endpoint= to the client
        hub.drop_after = 1_000_000   # knob: cut the connection after N body bytes of each GET
        ...
        hub.bytes_served             # body bytes of file downloads sent so far

Served endpoints:
* ``HEAD|GET /{repo}/resolve/{revision}/{file}`` with ``X-Repo-Commit``, ``ETag`` /
  ``X-Linked-Etag`` (the sha256, as for LFS files), ``X-Linked-Size``, ``Accept-Ranges`` and
  HTTP Range support (206 / 416). Unknown repo/revision/file → 404 with the hub's
  ``X-Error-Code`` (RepoNotFound / RevisionNotFound / EntryNotFound).
* ``GET /api/models/{repo}[/revision/{rev}]`` (model_info, with LFS sha256 when ``blobs=true``),
  ``GET /api/models/{repo}/tree/{rev}`` (list_repo_tree), ``GET /api/models?search=`` (list_models).

Knobs (attributes, change them any time): ``drop_after`` (bytes, then the socket is closed),
``stall_after`` (a file offset: responses hang there until :meth:`release`, also after client
retries), ``corrupt`` (serve
content with one byte flipped while metadata still reports the true sha256), ``rate_bps``
(throttle), ``ignore_range`` (answer 200 with the whole file, as some proxies do), ``git_etags`` (HEAD
reports a git blob id instead of the LFS sha256; model_info still has it), ``missing``
(set of ``(repo, file)`` answered 404). Every request is recorded in
``requests`` (method, path, range header, status, body bytes, and whether it carried an
``Authorization`` header).

Hostile knobs (a hub that tries to hurt the client): ``redirect_to`` (a base URL: resolve
requests answer 302 to the same path there, as the real hub does to its CDN, with the metadata
headers on the redirect), ``lfs_sha256`` (the sha256 the listing and HEAD report instead of the
real one, e.g. a path like ``../../x``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

_CHUNK = 256 * 1024
_sha_cache: dict[tuple[str, int, float], str] = {}


def _sha256_of(source: Path | bytes) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    st = source.stat()
    key = (str(source), st.st_size, st.st_mtime)
    if key not in _sha_cache:
        h = hashlib.sha256()
        with source.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        _sha_cache[key] = h.hexdigest()
    return _sha_cache[key]


@dataclass
class HubFile:
    source: Path | bytes
    sha256: str
    size: int

    def read(self, start: int, length: int) -> bytes:
        if isinstance(self.source, bytes):
            return self.source[start:start + length]
        with self.source.open("rb") as fh:
            fh.seek(start)
            return fh.read(length)


@dataclass
class HubRepo:
    commit: str
    files: dict[str, HubFile] = field(default_factory=dict)
    downloads: int = 0


@dataclass
class RequestRecord:
    method: str
    path: str
    range: str | None
    status: int
    body_bytes: int = 0
    authorization: str | None = None  # the Authorization header the client sent, if any


class LoopbackHub:
    def __init__(self) -> None:
        self.repos: dict[str, HubRepo] = {}
        self.drop_after: int | None = None
        self.stall_after: int | None = None
        self.corrupt = False
        self.rate_bps: float | None = None
        self.ignore_range = False
        self.git_etags = False
        self.missing: set[tuple[str, str]] = set()
        self.redirect_to: str | None = None
        self.lfs_sha256: str | None = None
        self.requests: list[RequestRecord] = []
        self._release = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- content -------------------------------------------------------------------------
    def add_file(self, repo_id: str, filename: str, source: Path | bytes, *, commit: str | None = None) -> str:
        """Serve ``source`` as ``filename`` in ``repo_id``; returns the repo's commit hash."""
        source = Path(source) if not isinstance(source, bytes) else source
        size = len(source) if isinstance(source, bytes) else source.stat().st_size
        repo = self.repos.get(repo_id)
        if repo is None:
            commit = commit or hashlib.sha1(repo_id.encode()).hexdigest()
            repo = self.repos[repo_id] = HubRepo(commit=commit)
        repo.files[filename] = HubFile(source, _sha256_of(source), size)
        return repo.commit

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        assert self._server is not None, "hub not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LoopbackHub":
        hub = self

        class Handler(_Handler):
            pass

        Handler.hub = hub
        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="loopback-hub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def release(self) -> None:
        """Let stalled responses continue (see ``stall_after``)."""
        self._release.set()

    # -- stats ---------------------------------------------------------------------------
    def record(self, rec: RequestRecord) -> None:
        with self._lock:
            self.requests.append(rec)

    @property
    def bytes_served(self) -> int:
        with self._lock:
            return sum(r.body_bytes for r in self.requests if r.method == "GET" and "/resolve/" in r.path)

    def file_gets(self) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if r.method == "GET" and "/resolve/" in r.path]

    def reset_stats(self) -> None:
        with self._lock:
            self.requests.clear()


@contextlib.contextmanager
def loopback_hub(files: dict[str, dict[str, Path | bytes]] | None = None) -> Iterator[LoopbackHub]:
    """Start a hub serving ``{repo_id: {filename: path_or_bytes}}``; stop it on exit."""
    hub = LoopbackHub()
    for repo_id, entries in (files or {}).items():
        for name, source in entries.items():
            hub.add_file(repo_id, name, source)
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients killed mid-transfer (the point of several tests) are not errors


class _Handler(BaseHTTPRequestHandler):
    hub: LoopbackHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    # -- helpers -------------------------------------------------------------------------
    def _record(self, status: int, range_header: str | None = None) -> RequestRecord:
        rec = RequestRecord(self.command, self.path, range_header, status,
                            authorization=self.headers.get("Authorization"))
        self.hub.record(rec)
        return rec

    def _send_json(self, payload: object, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._record(status)

    def _not_found(self, code: str, message: str, commit: str | None = None) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_response(404)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        if commit:
            self.send_header("X-Repo-Commit", commit)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._record(404, self.headers.get("Range"))

    def _split_repo(self, parts: list[str], marker: str) -> tuple[str, list[str]] | None:
        """``a/b/<marker>/rest`` → ("a/b", rest); repo ids are owner/name."""
        if len(parts) >= 3 and parts[2] == marker:
            return "/".join(parts[:2]), parts[3:]
        return None

    def _repo_at(self, repo_id: str, revision: str | None) -> HubRepo | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._not_found("RepoNotFound", f"Repository {repo_id} not found")
            return None
        if revision not in (None, "main", repo.commit):
            self._not_found("RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return repo

    # -- routing -------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = parse_qs(url.query)
        if parts[:2] == ["api", "models"]:
            rest = parts[2:]
            if not rest:
                return self._list_models(query)
            if len(rest) >= 3 and rest[2] == "revision":
                return self._model_info("/".join(rest[:2]), rest[3] if len(rest) > 3 else None, query)
            if len(rest) >= 3 and rest[2] == "tree":
                return self._tree("/".join(rest[:2]), rest[3] if len(rest) > 3 else "main")
            if len(rest) == 2:
                return self._model_info("/".join(rest), None, query)
        split = self._split_repo(parts, "resolve")
        if split and len(split[1]) >= 2:
            repo_id, rest = split
            return self._resolve(repo_id, rest[0], "/".join(rest[1:]))
        self._not_found("RepoNotFound", f"No route for {url.path}")

    def _list_models(self, query: dict[str, list[str]]) -> None:
        needle = (query.get("search") or [""])[0].lower()
        limit = int((query.get("limit") or ["1000"])[0])
        items = []
        for repo_id, repo in sorted(self.hub.repos.items()):
            if needle and needle not in repo_id.lower():
                continue
            has_gguf = any(n.endswith(".gguf") for n in repo.files)
            if "gguf" in query.get("filter", []) and not has_gguf:
                continue
            items.append({"id": repo_id, "modelId": repo_id, "sha": repo.commit, "downloads": repo.downloads,
                          "likes": 0, "tags": ["gguf"] if has_gguf else [], "private": False,
                          "siblings": [{"rfilename": n} for n in sorted(repo.files)]})
        self._send_json(items[:limit])

    def _model_info(self, repo_id: str, revision: str | None, query: dict[str, list[str]]) -> None:
        repo = self._repo_at(repo_id, revision)
        if repo is None:
            return
        blobs = (query.get("blobs") or ["false"])[0].lower() == "true"
        siblings = []
        for name, f in sorted(repo.files.items()):
            entry: dict[str, object] = {"rfilename": name}
            if blobs:
                sha = self.hub.lfs_sha256 or f.sha256
                entry.update(size=f.size, blobId=hashlib.sha1(f.sha256.encode()).hexdigest(),
                             lfs={"size": f.size, "sha256": sha, "pointerSize": 134})
            siblings.append(entry)
        self._send_json({"id": repo_id, "modelId": repo_id, "sha": repo.commit, "private": False, "gated": False,
                         "disabled": False, "downloads": repo.downloads, "likes": 0, "tags": ["gguf"],
                         "siblings": siblings})

    def _tree(self, repo_id: str, revision: str) -> None:
        repo = self._repo_at(repo_id, revision)
        if repo is None:
            return
        self._send_json([{"type": "file", "path": n, "size": f.size,
                          "oid": hashlib.sha1(f.sha256.encode()).hexdigest(),
                          "lfs": {"oid": f.sha256, "size": f.size, "pointerSize": 134}}
                         for n, f in sorted(repo.files.items())])

    def _resolve(self, repo_id: str, revision: str, filename: str) -> None:
        repo = self._repo_at(repo_id, revision)
        if repo is None:
            return
        f = repo.files.get(filename)
        if f is None or (repo_id, filename) in self.hub.missing:
            return self._not_found("EntryNotFound", f"{filename} does not exist at {revision}", repo.commit)
        if self.hub.redirect_to:
            return self._redirect(repo, f)
        start, end = 0, f.size - 1
        status = 200
        range_header = self.headers.get("Range")
        if range_header and range_header.startswith("bytes=") and not self.hub.ignore_range:
            first, _, last = range_header[6:].partition("-")
            start = int(first) if first else 0
            end = min(int(last), f.size - 1) if last else f.size - 1
            if start >= f.size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{f.size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self._record(416, range_header)
                return
            status = 206
        length = end - start + 1
        self.send_response(status)
        self.send_header("X-Repo-Commit", repo.commit)
        if self.hub.git_etags:  # like a mirror that only reports the git blob id
            self.send_header("ETag", f'"{hashlib.sha1(f.sha256.encode()).hexdigest()}"')
        else:
            sha = self.hub.lfs_sha256 or f.sha256
            self.send_header("ETag", f'"{sha}"')
            self.send_header("X-Linked-Etag", f'"{sha}"')
            self.send_header("X-Linked-Size", str(f.size))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{f.size}")
        self.end_headers()
        rec = self._record(status, range_header)
        if self.command == "HEAD":
            return
        if start == 0:
            repo.downloads += 1
        self._stream(f, start, length, rec)

    def _redirect(self, repo: HubRepo, f: HubFile) -> None:
        """302 to another origin, like the real hub sending a file to its CDN."""
        self.send_response(302)
        self.send_header("Location", self.hub.redirect_to.rstrip("/") + urlsplit(self.path).path)
        self.send_header("X-Repo-Commit", repo.commit)
        sha = self.hub.lfs_sha256 or f.sha256
        self.send_header("X-Linked-Etag", f'"{sha}"')
        self.send_header("ETag", f'"{sha}"')
        self.send_header("X-Linked-Size", str(f.size))
        self.send_header("Content-Length", "0")
        self.end_headers()
        self._record(302, self.headers.get("Range"))

    def _stream(self, f: HubFile, start: int, length: int, rec: RequestRecord) -> None:
        hub = self.hub
        drop, stall = hub.drop_after, hub.stall_after
        flip_at = f.size // 2 if hub.corrupt else -1
        sent = 0
        t0 = time.monotonic()
        try:
            while sent < length:
                n = min(_CHUNK, length - sent)
                if drop is not None:
                    n = min(n, drop - sent)
                if stall is not None:  # an absolute file offset, so client-side retries stall too
                    n = min(n, stall - (start + sent))
                if n <= 0:
                    if drop is not None and sent >= drop:
                        self._cut()
                        return
                    # stalled: wait until released (or the hub stops), then carry on
                    while not hub._release.wait(0.05):
                        if hub._stopping.is_set():
                            self._cut()
                            return
                    stall = None
                    continue
                data = f.read(start + sent, n)
                pos = start + sent
                if pos <= flip_at < pos + len(data):
                    i = flip_at - pos
                    data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
                self.wfile.write(data)
                sent += len(data)
                rec.body_bytes = sent
                if hub.rate_bps:
                    ahead = sent / hub.rate_bps - (time.monotonic() - t0)
                    if ahead > 0:
                        time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _cut(self) -> None:
        """Drop the connection mid-body, as a flaky network or a dying server would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
