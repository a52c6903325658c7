"""Model server operations of the core (``core.model_server``): its key in the OS keyring, a
connection test, and the zone the chat model answers from.

The key is stored per endpoint (``engine.cloud.keys.model_server_keys``), never in the settings
file, and ``RemoteHost`` sends it only to that endpoint. :meth:`ModelServerOps.test` is the one
check behind `hearth models server-test` and Settings → Model's "Test connection": it opens a
connection, so the app calls it from a worker.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from engine.core.cloud import model_zone
from engine.core.types import ModelServerCheck
from engine.errors import HearthError

if TYPE_CHECKING:
    from engine.config import Config

TEST_TIMEOUT_S = 15.0


class ModelServerOps:
    """``core.model_server`` (see module doc)."""

    def __init__(self, config: Callable[[], Config]) -> None:
        self._config = config

    # -- the key -----------------------------------------------------------------------------------
    @staticmethod
    def set_key(url: str, key: str) -> None:
        """Store ``key`` for the server at ``url``. Raises KeyringUnavailable (also for an empty key)."""
        from engine.cloud.keys import endpoint_name, model_server_keys

        model_server_keys().set(endpoint_name(url), key)

    @staticmethod
    def delete_key(url: str) -> bool:
        from engine.cloud.keys import endpoint_name, model_server_keys

        return model_server_keys().delete(endpoint_name(url))

    @staticmethod
    def has_key(url: str) -> bool:
        """Raises KeyringUnavailable when no safe keyring can be asked."""
        from engine.cloud.keys import endpoint_name, model_server_keys

        return bool(model_server_keys().get(endpoint_name(url)))

    # -- the zone ----------------------------------------------------------------------------------
    def zone(self) -> tuple[str, str]:
        """Where the configured chat model answers: (zone, words), e.g. ("trusted", "gpu-box (trusted by you)")."""
        m = self._config().model
        return model_zone(m.remote_url, m.remote_trusted)

    def status_text(self, model_name: str) -> str:
        """The status bar's words for the chat model and where it answers (no connection)."""
        zone, words = self.zone()
        if zone == "this machine":
            return f"Model: {model_name}" + (" (server on this computer)" if self._config().model.remote_url else "")
        where = "team server (trusted)" if zone == "trusted" else "server, not trusted (treated as cloud)"
        return f"Model: {where} · {model_name}"

    # -- the test ----------------------------------------------------------------------------------
    def test(self, url: str | None = None, *, trusted: bool | None = None, allow_http: bool | None = None,
             key: str | None = None, model: str | None = None, timeout_s: float = TEST_TIMEOUT_S) -> ModelServerCheck:
        """Connect to the model server at ``url`` (default: the settings') and list its models.

        ``key=None`` uses the key stored for that endpoint; other arguments default to the
        settings in force. Never raises for a server problem: the result says what went wrong."""
        from engine.config import ModelSettings
        from engine.inference.remote import RemoteHost

        m = self._config().model
        url = (url if url is not None else m.remote_url or "").strip()
        trusted = m.remote_trusted if trusted is None else trusted
        allow_http = m.remote_allow_http if allow_http is None else allow_http
        zone, words = model_zone(url, trusted)
        if not url:
            return ModelServerCheck(url, False, [], None, zone, words,
                                    "No model server is set: answers are generated on this computer.")
        settings = ModelSettings(remote_url=url, remote_trusted=trusted, remote_allow_http=allow_http,
                                 remote_model=(model or "").strip() or None, n_ctx=m.n_ctx)
        host = RemoteHost(None, settings, api_key=(key or "").strip() or None, timeout_s=timeout_s)
        t0 = time.perf_counter()
        try:
            host.load()
            return ModelServerCheck(url, True, list(host.served), host.model_name, zone, words,
                                    elapsed_s=time.perf_counter() - t0)
        except HearthError as exc:
            problem = f"{exc.message} {exc.hint}" if exc.hint else exc.message
            return ModelServerCheck(url, False, [], None, zone, words, problem,
                                    elapsed_s=time.perf_counter() - t0)
        finally:
            host.unload()
