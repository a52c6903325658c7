"""API keys live in the operating system's keyring, never in a file Hearth writes.

If no usable keyring backend exists (the ``fail`` backend, a chainer with nothing to chain, the
null backend, or a plain-text file backend), :class:`KeyringUnavailable` is raised and the key
is not stored anywhere: the person is told, rather than getting a key in plain text on disk.
"""

from __future__ import annotations

from engine.errors import KeyringUnavailable

SERVICE = "hearth-cloud"
_PLAINTEXT_BACKENDS = {"PlaintextKeyring", "Keyring"}  # keyrings.alt.file.PlaintextKeyring, fail/null


def _describe(backend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def usable_backend():
    """The current keyring backend, or :class:`KeyringUnavailable` if it cannot keep a secret."""
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    unusable = isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends)
    module = type(backend).__module__
    if module.startswith("keyring.backends.null") or (
            module.startswith("keyrings.alt.file") and type(backend).__name__ in _PLAINTEXT_BACKENDS):
        unusable = True
    if unusable:
        raise KeyringUnavailable(
            f"No secure keyring is available on this computer ({_describe(backend)}), so Hearth cannot store an API key.",
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
