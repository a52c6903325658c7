"""Secrets live in the operating system's keyring, never in a file Hearth writes.

Two kinds: provider API keys (:class:`KeyStore`) and the key that signs the audit log
(:class:`AuditKeyStore`). One rule decides whether a keyring backend may hold them
(:func:`backend_verdict`, also used by ``hearth doctor``): it must be a real store, and no part
of it may keep secrets in a file. A chainer (keyring's "try each backend in turn") counts as
plain text if *any* backend in it is: when the system keyring is locked, a chainer falls through
to the next backend and the secret would land in that file. Without a usable backend,
:class:`KeyringUnavailable` is raised and nothing is stored anywhere.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.errors import KeyringUnavailable

if TYPE_CHECKING:
    from engine.diagnosis import Diagnosis, Severity

SERVICE = "hearth-cloud"
MODEL_SERVER_SERVICE = "hearth-model-server"  # keys for model.remote_url, one per endpoint
CHROMA_SERVER_SERVICE = "hearth-chroma-server"  # tokens of Chroma servers (shared collections), per endpoint
AUDIT_SERVICE = "hearth-audit"
AUDIT_USER = "log-signing-key"

# Backends that keep secrets in a file (keyrings.alt's file and filesystem backends, plain text or
# "encrypted" with a password typed on a terminal) or not at all (null, fail).
_FILE_MODULES = ("keyrings.alt.file", "keyrings.alt.pyfs")
_PLAINTEXT_WORDS = ("plaintext", "unencrypted", "uncrypted")
_NOWHERE_MODULES = ("keyring.backends.null", "keyring.backends.fail")


def _describe(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _members(backend: object) -> list[object]:
    """The backends that would actually hold a secret (a chainer's members, recursively)."""
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        out: list[object] = []
        for b in list(getattr(backend, "backends", []) or []):
            out += _members(b)
        return out
    return [backend]


def _is_plaintext(backend: object) -> bool:
    module, name = type(backend).__module__, type(backend).__name__.lower()
    return module.startswith(_FILE_MODULES) or (
        module.startswith("keyrings.alt") and any(w in name for w in _PLAINTEXT_WORDS))


def _stores_nothing(backend: object) -> bool:
    return type(backend).__module__.startswith(_NOWHERE_MODULES)


@dataclass(frozen=True)
class KeyringVerdict:
    backend: str
    members: list[str] = field(default_factory=list)
    usable: bool = False
    plaintext: bool = False
    reason: str = ""


def backend_verdict(backend: object) -> KeyringVerdict:
    """Whether ``backend`` may hold Hearth's secrets (the one rule; the doctor shows the same)."""
    members = _members(backend)
    names = [_describe(b) for b in members]
    plaintext = any(_is_plaintext(b) for b in members)
    if plaintext:
        reason = "it keeps secrets in a file: " + ", ".join(n for b, n in zip(members, names) if _is_plaintext(b))
    elif not members or all(_stores_nothing(b) for b in members):
        reason = "no keyring backend is installed or running"
    else:
        reason = ""
    return KeyringVerdict(_describe(backend), names, usable=not reason, plaintext=plaintext, reason=reason)


def usable_backend():
    """The current keyring backend, or :class:`KeyringUnavailable` if it cannot keep a secret."""
    import keyring

    backend = keyring.get_keyring()
    verdict = backend_verdict(backend)
    if not verdict.usable:
        raise KeyringUnavailable(
            f"No secure keyring is available on this computer ({verdict.backend}: {verdict.reason}), "
            "so Hearth cannot store an API key or the audit log's signing key.",
            "Install or unlock your system keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential "
            "Manager) and try again. Hearth never writes API keys in plain text; local answers keep working.")
    return backend


class KeyStore:
    """Get, set and delete provider API keys in the OS keyring."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def set(self, provider: str, key: str) -> None:
        key = (key or "").strip()
        if not key:
            raise KeyringUnavailable("The API key is empty.", "Paste the key your provider gave you.")
        backend = usable_backend()
        try:
            backend.set_password(self.service, provider, key)
        except Exception as exc:  # the backend's own error types vary by platform
            raise KeyringUnavailable(f"The keyring refused to store the key: {exc}.",
                                     "Unlock your system keyring and try again.") from exc

    def get(self, provider: str) -> str | None:
        backend = usable_backend()
        try:
            return backend.get_password(self.service, provider)
        except Exception as exc:
            raise KeyringUnavailable(f"The keyring could not be read: {exc}.",
                                     "Unlock your system keyring and try again.") from exc

    def delete(self, provider: str) -> bool:
        backend = usable_backend()
        try:
            backend.delete_password(self.service, provider)
            return True
        except Exception:
            return False


def endpoint_name(url: str) -> str:
    """The keyring user name for a model server's key: its URL without a trailing slash, so a
    key is only ever sent to the endpoint it was stored for."""
    return url.strip().rstrip("/")


def model_server_keys() -> KeyStore:
    """API keys of model servers (``model.remote_url``), by :func:`endpoint_name`."""
    return KeyStore(MODEL_SERVER_SERVICE)


def chroma_server_keys() -> KeyStore:
    """Tokens of Chroma servers holding shared collections, by :func:`endpoint_name`."""
    return KeyStore(CHROMA_SERVER_SERVICE)


class AuditKeyStore:
    """The audit log's signing key: 32 random bytes in the keyring, and the first record it signs.

    Stored as ``{"v": 1, "key": hex, "since": seq}``. ``since`` lets a log that was started
    without a keyring (unsigned records) continue signed: records before it are not checked.
    """

    def __init__(self, service: str = AUDIT_SERVICE) -> None:
        self.service = service

    def existing(self) -> tuple[bytes | None, int]:
        """(key, since), or (None, 0) when no key was ever made. KeyringUnavailable if unusable."""
        backend = usable_backend()
        try:
            raw = backend.get_password(self.service, AUDIT_USER)
        except Exception as exc:
            raise KeyringUnavailable(f"The keyring could not be read: {exc}.",
                                     "Unlock your system keyring and try again.") from exc
        if raw is None:
            return None, 0
        try:
            data = json.loads(raw)
            key, since = bytes.fromhex(data["key"]), int(data["since"])
            if len(key) < 16 or since < 1:
                raise ValueError("too short")
            return key, since
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringUnavailable("The audit log's key in the keyring is damaged, so the log cannot be signed.",
                                     f"Remove the '{self.service}' entry from your keyring; Hearth makes a new "
                                     "key (older entries can then no longer be checked).") from exc

    def get_or_create(self, next_seq: int) -> tuple[bytes, int]:
        """The key, making one that signs from ``next_seq`` on if there is none (call under the
        audit log's lock, so two processes cannot both make one)."""
        key, since = self.existing()
        next_seq = max(1, int(next_seq))
        if key is not None and since <= next_seq:
            return key, since
        # No key yet; or the log is shorter than when the key was made (it was moved aside and a
        # new one begins): sign from this record on, so every record of this log is checked.
        key = key or secrets.token_bytes(32)
        self._store(key, next_seq)
        return key, next_seq

    def _store(self, key: bytes, since: int) -> None:
        backend = usable_backend()
        try:
            backend.set_password(self.service, AUDIT_USER, json.dumps({"v": 1, "key": key.hex(), "since": since}))
        except Exception as exc:
            raise KeyringUnavailable(f"The keyring refused to store the audit key: {exc}.",
                                     "Unlock your system keyring and try again.") from exc
        if self.existing() != (key, since):  # a backend that drops writes must not leave us signing alone
            raise KeyringUnavailable("The keyring did not keep the audit log's key.",
                                     "Check your system keyring, then try again.")


def diagnose(cloud_mode: str = "off") -> Diagnosis:
    """Which keyring would hold API keys and whether it is safe (:func:`backend_verdict`, the rule
    ``KeyStore`` enforces). Nothing is read or written: asking for a secret may pop up an unlock
    dialog. No safe keyring is an error only when cloud help is on."""
    from engine.diagnosis import Diagnosis

    d = Diagnosis("keyring")
    try:
        import keyring

        v = backend_verdict(keyring.get_keyring())
        d.facts = {"backend": v.backend, "members": v.members, "usable": v.usable, "plaintext": v.plaintext,
                   "reason": v.reason}
    except Exception as exc:  # noqa: BLE001 - a broken keyring package is a finding, not a crash
        d.facts = {"backend": None, "usable": False, "plaintext": False, "error": str(exc)}
    severity: Severity = "error" if cloud_mode != "off" else "warning"
    if d.facts.get("plaintext"):
        d.problem(severity, f"The keyring backend stores secrets in plain text ({d.facts['backend']}).",
                  "Hearth refuses to keep API keys there. Use the system keyring "
                  "(GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager).")
    elif not d.facts.get("usable"):
        d.problem(severity, "No usable OS keyring: cloud API keys cannot be stored (Hearth never writes them in "
                  "plain text).", "Install and unlock a keyring (e.g. gnome-keyring or KWallet on Linux). "
                  "Local chat and documents work without it.")
    return d
