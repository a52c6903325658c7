"""What to do when the system keyring cannot keep an API key, in plain words for this platform.

The engine's :class:`~engine.errors.KeyringUnavailable` names the keyring backend class (useful
in a log, meaningless to most people); the app shows these sentences instead.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.core import Core

NO_KEYRING = {
    "linux": ("This computer has no keyring for Hearth to keep an API key in. Install one, then log out "
              "and back in: on Ubuntu or Debian run “sudo apt install gnome-keyring” (or KDE Wallet on "
              "KDE: “sudo apt install kwalletmanager”); on Fedora “sudo dnf install gnome-keyring”. "
              "A computer without a desktop session cannot keep keys."),
    "darwin": ("The macOS Keychain could not be used. Open Keychain Access, make sure the “login” keychain "
               "exists and is unlocked, then try again."),
    "win32": ("Windows Credential Manager could not be used. Sign in with your own user account (not a "
              "guest or service account), then try again."),
}
LOCKED = {
    "linux": "The keyring is locked or refused the request. Unlock it (it usually opens when you log in) "
             "and try again.",
    "darwin": "The Keychain is locked or refused the request. Unlock the “login” keychain in Keychain Access "
              "and try again.",
    "win32": "Windows Credential Manager refused the request. Try again after signing in to your account.",
}
ALWAYS = "Hearth never writes API keys to a file. Answers on this computer keep working."


def platform_key(platform: str | None = None) -> str:
    p = platform or sys.platform
    if p.startswith("linux") or p.startswith("freebsd"):
        return "linux"
    return p if p in ("darwin", "win32") else "linux"


def keyring_advice(err: Any, platform: str | None = None) -> str:
    """Plain advice for a keyring failure (``err`` is the engine error; its text is not shown)."""
    key = platform_key(platform)
    message = getattr(err, "message", str(err))
    missing = message.startswith("No secure keyring")
    return f"{(NO_KEYRING if missing else LOCKED)[key]} {ALWAYS}"


def needs_key(provider: str, base_url: str | None) -> bool:
    """Whether sending needs a stored key: an OpenAI-compatible server of one's own may need none."""
    return not (provider == "openai" and bool((base_url or "").strip()))


def send_problem(core: Core, provider: str, base_url: str | None) -> str | None:
    """Why a send to ``provider`` could not authenticate right now, or None when it can.

    Reads the keyring (``core.cloud``): call it from a worker thread, never the UI thread."""
    if not needs_key(provider, base_url):
        return None
    from engine.errors import KeyringUnavailable

    try:
        has = core.cloud.has_key(provider)
    except KeyringUnavailable as exc:
        return keyring_advice(exc)
    if not has:
        return (f"No {provider} API key is stored, so nothing can be sent to {provider}. "
                "Add a key in Settings → Privacy, or answer on this computer.")
    return None
