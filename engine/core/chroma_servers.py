"""Chroma server operations of the core (``core.chroma_servers``): a server's token in the OS
keyring, the plain-http permission for one address, where a server is (its zone), and a
connection test.

Shared collections live on a Chroma server (``engine.docs.server_store``). Its token is stored
per address (``engine.cloud.keys.chroma_server_keys``), never in the settings file, and sent only
to that address. :meth:`ChromaServerOps.test` is the one check behind `hearth docs server-test`
and the Documents window's "Test connection": it opens connections, so the app calls it from a
worker; it never raises for a server problem, the result says what went wrong in words.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from engine.core.types import ChromaServerCheck
from engine.errors import HearthError, KeyringUnavailable

if TYPE_CHECKING:
    from engine.config import Config
    from engine.core.types import SettingsChange

TEST_TIMEOUT_S = 15.0


def address(url: str) -> str:
    """The form a server's address is stored and compared in (no spaces, no trailing slash)."""
    return url.strip().rstrip("/")


def chroma_zone(url: str) -> tuple[str, str]:
    """Where a Chroma server's collections are kept, as (zone, words): ("this machine", "this
    computer") for a loopback address, else ("server", "<host> (a team server)"). No connection."""
    from engine.net import is_loopback_host, url_host

    host = url_host(address(url))
    if not host or is_loopback_host(host):
        return "this machine", "this computer"
    return "server", f"{host} (a team server)"


def location_text(server: str) -> str:
    """Where a collection lives, for lists: "This computer" (a local collection), or the Chroma
    server's host and zone ("127.0.0.1 (server on this computer)", "team.lan (a team server)")."""
    from engine.net import url_host

    if not server:
        return "This computer"
    zone, words = chroma_zone(server)
    host = url_host(address(server)) or server
    return f"{host} (server on this computer)" if zone == "this machine" else words


class ChromaServerOps:
    """``core.chroma_servers`` (see module doc)."""

    def __init__(self, config: Callable[[], Config],
                 update_settings: Callable[[Config], SettingsChange] | None = None) -> None:
        self._config = config
        self._update = update_settings

    # -- the token ---------------------------------------------------------------------------------
    @staticmethod
    def set_token(url: str, token: str) -> None:
        """Store ``token`` for the server at ``url``. Raises KeyringUnavailable (also for an empty token)."""
        from engine.cloud.keys import chroma_server_keys, endpoint_name

        chroma_server_keys().set(endpoint_name(url), token)

    @staticmethod
    def delete_token(url: str) -> bool:
        """Forget the token stored for ``url``; False when there was none (or no keyring)."""
        from engine.cloud.keys import chroma_server_keys, endpoint_name

        return chroma_server_keys().delete(endpoint_name(url))

    @staticmethod
    def has_token(url: str) -> bool:
        """Raises KeyringUnavailable when no safe keyring can be asked."""
        from engine.cloud.keys import chroma_server_keys, endpoint_name

        return bool(chroma_server_keys().get(endpoint_name(url)))

    # -- the address -------------------------------------------------------------------------------
    def http_allowed(self, url: str) -> bool:
        return self._config().documents.chroma_http_ok(url)

    def address_problem(self, url: str, allow_http: bool | None = None) -> str | None:
        """Why Hearth will not use a Chroma server at ``url`` (the engine's refusal words), or None.
        ``allow_http=None``: as the settings say for that address."""
        from engine.net import server_url_problem

        allow = self.http_allowed(url) if allow_http is None else allow_http
        return server_url_problem(address(url), allow, kind="chroma")

    def allow_plain_http(self, url: str) -> SettingsChange | None:
        """Remember that the person allowed plain http:// to this one address (saved in the
        settings; the document service must be restarted to see it). None when it already was."""
        cfg = self._config()
        if address(url) in {address(a) for a in cfg.documents.chroma_http_allowed}:
            return None
        if self._update is None:
            raise HearthError("These settings cannot be changed from here.")
        cfg = cfg.model_copy(deep=True)
        cfg.documents.chroma_http_allowed = [*cfg.documents.chroma_http_allowed, address(url)]
        return self._update(cfg)

    @staticmethod
    def zone(url: str) -> tuple[str, str]:
        return chroma_zone(url)

    # -- the test ----------------------------------------------------------------------------------
    def test(self, url: str, *, token: str | None = None, allow_http: bool | None = None,
             timeout_s: float = TEST_TIMEOUT_S) -> ChromaServerCheck:
        """Connect to the Chroma server at ``url`` and list the shared collections it holds.

        ``token=None`` uses the token stored for that address; ``allow_http=None`` the settings'
        permission for it. Never raises for a server problem: the result says what went wrong."""
        from engine.docs.server_store import shared_collection_names
        from engine.net import chroma_client, chroma_heartbeat, chroma_server_error

        url = address(url)
        zone, words = chroma_zone(url)
        t0 = time.perf_counter()

        def result(ok: bool, reachable: bool, token_state: str, problem: str | None = None,
                   names: list[str] | None = None, others: int = 0) -> ChromaServerCheck:
            return ChromaServerCheck(url, ok, reachable, token_state, names or [], others, zone, words, problem,
                                     time.perf_counter() - t0)

        if not url:
            return result(False, False, "unknown", "No Chroma server address was given.")
        allow = self.http_allowed(url) if allow_http is None else allow_http
        problem = self.address_problem(url, allow)
        if problem:
            return result(False, False, "unknown", problem)
        note = ""
        if token is None:
            try:
                from engine.cloud.keys import chroma_server_keys, endpoint_name

                token = chroma_server_keys().get(endpoint_name(url))
            except KeyringUnavailable as exc:
                note = f" (No token could be read: {exc.message})"
        token = (token or "").strip() or None
        try:
            status = chroma_heartbeat(url, token, timeout_s=timeout_s)
        except HearthError as exc:
            return result(False, False, "unknown", _words(exc) + note)
        if status in (401, 403):
            err = chroma_server_error(ValueError(""), url, status, token_sent=bool(token))
            return result(False, True, "refused" if token else "missing", _words(err) + note)
        try:
            client = chroma_client(url, token=token, allow_http=allow)
            found = [(str(getattr(c, "name", c)), getattr(c, "metadata", None)) for c in client.list_collections()]
        except HearthError as exc:
            return result(False, True, "unknown", _words(exc) + note)
        except Exception as exc:  # noqa: BLE001 - a server's odd answer is a finding, not a crash
            return result(False, True, "unknown", _words(chroma_server_error(exc, url, token_sent=bool(token))))
        shared = shared_collection_names(found)
        if token is None:
            token_state = "not needed"
        else:  # does the server (or its proxy) check tokens at all? ask once without one
            try:
                bare = chroma_heartbeat(url, None, timeout_s=timeout_s)
            except HearthError:
                bare = None
            token_state = "accepted" if bare in (401, 403) else "not needed"
        return result(True, True, token_state, None, shared, len(found) - len(shared))


def _words(exc: HearthError) -> str:
    return f"{exc.message} {exc.hint}" if exc.hint else exc.message
