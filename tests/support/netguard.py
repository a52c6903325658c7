"""Record (and optionally block) every network attempt made by Python code in this process.

Uses a PEP 578 audit hook (``sys.addaudithook``): CPython raises ``socket.connect``,
``socket.getaddrinfo``, ... audit events from the C socket module itself, so *every* library
that goes through Python's socket module is seen — httpx, urllib, requests, huggingface_hub,
posthog, grpc-over-Python — whatever thread it runs in. AF_UNIX sockets (local IPC, D-Bus) and
binds to a loopback address (nothing can reach them from outside) are ignored; a *connect* to
loopback is still recorded.

What it cannot see: native code that calls the C library directly (llama.cpp, chromadb's Rust
core) and other processes. The network-namespace end-to-end test covers those; for child Python
processes :func:`child_env` installs the same recorder through ``sitecustomize``.

    with NetGuard() as guard:
        run_engine_code()
    guard.assert_none()

Audit hooks cannot be removed, so one hook is installed on first use and stays idle (a single
list check per socket event) when no guard is active.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

WATCHED = frozenset({
    "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
    "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
    "socket.gethostbyaddr", "socket.getnameinfo",
})


class NetworkBlocked(OSError):
    """Raised into the caller by a blocking guard: looks like any other network failure."""


@dataclass(frozen=True)
class Attempt:
    event: str      # the audit event, e.g. "socket.connect"
    family: str     # "AF_INET", "AF_INET6", "name lookup", ...
    address: str    # repr of the target (host, port) or host name
    thread: str
    where: str      # innermost frames outside the socket/ssl machinery, for the failure message

    def __str__(self) -> str:
        return f"{self.event} {self.family} {self.address} [thread {self.thread}]\n{self.where}"


_active: list["NetGuard"] = []
_installed = False
_install_lock = threading.Lock()
_busy = threading.local()  # our own bookkeeping must not re-enter the hook


def _family_name(sock: Any) -> str:
    try:
        return socket.AddressFamily(sock.family).name
    except Exception:
        return "?"


def _where() -> str:
    frames = [f for f in traceback.extract_stack()[:-3]
              if "netguard" not in f.filename and "/socket.py" not in f.filename]
    return "".join(traceback.format_list(frames[-4:]))


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) and address else address
    return isinstance(host, str) and (host in ("::1", "localhost") or host.startswith("127."))


def _hook(event: str, args: tuple) -> None:
    if not _active or event not in WATCHED or getattr(_busy, "on", False):
        return
    _busy.on = True
    try:
        if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
            sock, address = args[0], args[1]
            if address is None or getattr(sock, "family", None) == getattr(socket, "AF_UNIX", object()):
                return
            if event == "socket.bind" and _is_loopback(address):
                return  # a local-only socket (e.g. urllib3's IPv6 probe binds ::1): not network
            family = _family_name(sock)
        else:
            address = args[0] if event != "socket.getaddrinfo" else (args[0], args[1])
            family = "name lookup"
        block = False
        for guard in list(_active):
            block |= guard._record(event, family, address)
    finally:
        _busy.on = False
    if block:
        raise NetworkBlocked(f"network access blocked by the test's NetGuard: {event} {address!r}")


def _install() -> None:
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def _host_of(address: Any) -> Any:
    if isinstance(address, tuple) and address:
        return address[0]
    return address


class NetGuard:
    """Collects network attempts while active.

    ``allow``: hosts (``"127.0.0.1"``) or ``(host, port)`` pairs that are not recorded.
    ``block``: also make each recorded attempt fail with :class:`NetworkBlocked`.
    """

    def __init__(self, *, allow: Iterable[Any] = (), block: bool = False) -> None:
        self.allow = set(allow)
        self.block = block
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()

    def _allowed(self, address: Any) -> bool:
        if isinstance(address, tuple) and len(address) >= 2:
            if (address[0], address[1]) in self.allow:
                return True
        return _host_of(address) in self.allow

    def _record(self, event: str, family: str, address: Any) -> bool:
        if self._allowed(address):
            return False
        attempt = Attempt(event, family, repr(address), threading.current_thread().name, _where())
        with self._lock:
            self.attempts.append(attempt)
        return self.block

    def __enter__(self) -> "NetGuard":
        _install()
        _active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _active.remove(self)

    def assert_none(self) -> None:
        if self.attempts:
            listing = "\n".join(str(a) for a in self.attempts)
            raise AssertionError(f"{len(self.attempts)} network attempt(s) recorded:\n{listing}")


# --------------------------------------------------------------------------- child processes

_SITECUSTOMIZE = r'''
# Written by tests/support/netguard.py: log every network attempt of this Python process.
import json as _json, os as _os, socket as _socket, sys as _sys

_LOG = {log!r}
_WATCHED = {watched!r}

def _netguard_log(record):
    line = _json.dumps(dict(record, pid=_os.getpid(), argv=_sys.argv[:3])) + "\n"
    fd = _os.open(_LOG, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT, 0o600)
    try:
        _os.write(fd, line.encode())
    finally:
        _os.close(fd)

def _netguard_hook(event, args):
    if event not in _WATCHED:
        return
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if address is None or getattr(sock, "family", None) == getattr(_socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) and address else address
        if event == "socket.bind" and isinstance(host, str) and (host in ("::1", "localhost")
                                                               or host.startswith("127.")):
            return
    else:
        address = args[0] if event != "socket.getaddrinfo" else (args[0], args[1])
    _netguard_log({{"event": event, "address": repr(address)}})

_sys.addaudithook(_netguard_hook)
_netguard_log({{"event": "start"}})  # proves this process ran with the recorder
'''


def child_env(env: dict[str, str], workdir: Path, log_path: Path) -> dict[str, str]:
    """A copy of ``env`` whose Python processes (and their children) log network attempts."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "sitecustomize.py").write_text(
        _SITECUSTOMIZE.format(log=str(log_path), watched=sorted(WATCHED)), encoding="utf-8")
    out = dict(env)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), env.get("PYTHONPATH")]))
    return out


def read_child_log(log_path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(processes that started with the recorder, network attempts they made)."""
    if not log_path.exists():
        return [], []
    records = [json.loads(ln) for ln in log_path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return ([r for r in records if r["event"] == "start"], [r for r in records if r["event"] != "start"])
