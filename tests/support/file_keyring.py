"""A keyring backend shared by the processes of one test: stands in for the OS keyring.

The OS keyring cannot run here, and :class:`tests.support.memory_keyring.MemoryKeyring` lives in
one process only. Tests that start real ``hearth`` processes (which must agree on the audit log's
signing key) select this backend in the children with::

    PYTHON_KEYRING_BACKEND=tests.support.file_keyring.SharedTestKeyring
    HEARTH_TEST_KEYRING=/tmp/.../keyring.json

It is a real ``keyring.backend.KeyringBackend`` (the code under test goes through keyring's own
API) and writes atomically under a lock, so concurrent processes never lose a secret.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class SharedTestKeyring(KeyringBackend):
    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ["HEARTH_TEST_KEYRING"])

    def _update(self, change) -> None:  # type: ignore[no-untyped-def]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            change(data)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._update(lambda d: d.__setitem__(f"{service}\0{username}", password))

    def delete_password(self, service: str, username: str) -> None:
        key = f"{service}\0{username}"
        if key not in self._read():
            raise PasswordDeleteError("not found")
        self._update(lambda d: d.pop(key, None))
