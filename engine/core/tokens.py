"""The local API's bearer token: generated once, kept in the OS keyring, rotatable.

``HEARTH_API_TOKEN`` in the environment takes precedence (scripts, tests, a machine without a
keyring) and is never written anywhere. The keyring rule is the one API keys follow
(:func:`engine.cloud.keys.usable_backend`): no usable keyring and no environment token means
the server does not start, rather than a token in a plain-text file.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass

from engine.errors import ConfigError, KeyringUnavailable

ENV = "HEARTH_API_TOKEN"
SERVICE = "hearth-api"
USER = "bearer-token"
MIN_LENGTH = 16
PREFIX = "hearth-"


@dataclass(frozen=True)
class Token:
    value: str
    source: str          # env | keyring
    created: bool = False  # made just now: show it to the person once


def _from_env() -> str | None:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    if len(value) < MIN_LENGTH:
        raise ConfigError(f"{ENV} is too short ({len(value)} characters); a token must have at least {MIN_LENGTH}.",
                          "Use a long random value, e.g. the output of: python -c \"import secrets; "
                          "print(secrets.token_urlsafe(32))\"")
    return value


def _backend() -> object:
    from engine.cloud.keys import usable_backend

    try:
        return usable_backend()
    except KeyringUnavailable as exc:
        raise KeyringUnavailable(exc.message.replace("an API key or the audit log's signing key", "the API token")
                                 .replace("an API key", "the API token"),
                                 f"Set {ENV} to a long random value to run the API server without a keyring. "
                                 + (exc.hint or "")) from exc


def new_value() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def current() -> Token | None:
    """The token in force, or None when none was made yet (the keyring is not written)."""
    env = _from_env()
    if env is not None:
        return Token(env, "env")
    value = _backend().get_password(SERVICE, USER)  # type: ignore[attr-defined]
    return Token(value, "keyring") if value else None


def get_or_create() -> Token:
    """The token in force; makes and stores one the first time (``created`` is then True)."""
    tok = current()
    if tok is not None:
        return tok
    value = new_value()
    _backend().set_password(SERVICE, USER, value)  # type: ignore[attr-defined]
    return Token(value, "keyring", created=True)


def rotate() -> Token:
    """Replace the stored token (the old one stops working at once in a running server that
    re-reads it; restart others)."""
    if _from_env() is not None:
        raise ConfigError(f"The API token comes from {ENV}; change that variable instead.")
    value = new_value()
    _backend().set_password(SERVICE, USER, value)  # type: ignore[attr-defined]
    return Token(value, "keyring", created=True)


def matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison (a timing difference must not reveal the token)."""
    return given is not None and hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
