"""Control tests for the socket audit guard: a deliberate connection IS caught.

Without these, "zero attempts recorded" in the offline tests could mean a guard that sees
nothing. Every kind of attempt the offline tests rely on is exercised here against a real
loopback listener started and stopped by the test.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.netguard import NetGuard, NetworkBlocked, child_env, read_child_log


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, int]]:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(5)
    yield srv, srv.getsockname()[1]
    srv.close()


def test_deliberate_tcp_connect_is_recorded(listener) -> None:
    srv, port = listener
    with NetGuard() as guard:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    assert [a.event for a in guard.attempts if a.event == "socket.connect"] == ["socket.connect"]
    connect = next(a for a in guard.attempts if a.event == "socket.connect")
    assert connect.family == "AF_INET" and str(port) in connect.address
    with pytest.raises(AssertionError, match="network attempt"):
        guard.assert_none()


def test_http_library_request_is_recorded(listener) -> None:
    """A request made by a real HTTP library (urllib) in another thread is seen too."""
    srv, port = listener

    def serve_one() -> None:
        conn, _ = srv.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        conn.close()

    server = threading.Thread(target=serve_one)
    server.start()
    result: list[bytes] = []
    with NetGuard() as guard:
        client = threading.Thread(
            target=lambda: result.append(urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()),
            name="http-client")
        client.start()
        client.join(10)
    server.join(10)
    assert result == [b"ok"]
    threads = {a.thread for a in guard.attempts if a.event == "socket.connect"}
    assert threads == {"http-client"}


def test_name_lookup_is_recorded() -> None:
    with NetGuard() as guard:
        with pytest.raises(OSError):
            socket.getaddrinfo("hearth-test.invalid", 443)
    assert any(a.event == "socket.getaddrinfo" and "hearth-test.invalid" in a.address
               for a in guard.attempts)


def test_blocking_guard_stops_the_connection(listener) -> None:
    srv, port = listener
    srv.settimeout(0.5)
    with NetGuard(block=True) as guard:
        with pytest.raises(NetworkBlocked):
            http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/")
    assert guard.attempts
    with pytest.raises(socket.timeout):
        srv.accept()  # nothing ever reached the listener


def test_unix_sockets_and_allow_list_are_not_recorded(listener, tmp_path: Path) -> None:
    srv, port = listener
    path = str(tmp_path / "s.sock")
    usrv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    usrv.bind(path)
    usrv.listen(1)
    try:
        with NetGuard(allow={("127.0.0.1", port)}) as guard:
            a, b = socket.socketpair()
            a.close(), b.close()
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.connect(path)
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
        guard.assert_none()
    finally:
        usrv.close()


def test_inactive_guard_records_nothing(listener) -> None:
    srv, port = listener
    guard = NetGuard()
    with guard:
        pass
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    assert guard.attempts == []


def test_child_python_process_attempts_are_logged(listener, tmp_path: Path) -> None:
    """The sitecustomize recorder used by the namespace test sees a child's connect."""
    srv, port = listener
    log = tmp_path / "net.jsonl"
    env = child_env({"PATH": "/usr/bin:/bin"}, tmp_path / "site", log)
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5).close()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    started, attempts = read_child_log(log)
    assert len(started) == 1
    assert [e["event"] for e in attempts if e["event"] == "socket.connect"] == ["socket.connect"]
    assert str(port) in attempts[-1]["address"]


def test_binds_on_all_interfaces_are_recorded_loopback_binds_are_not() -> None:
    with NetGuard() as guard:
        for host in ("127.0.0.1", "0.0.0.0"):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((host, 0))
    binds = [a for a in guard.attempts if a.event == "socket.bind"]
    assert len(binds) == 1 and "0.0.0.0" in binds[0].address
