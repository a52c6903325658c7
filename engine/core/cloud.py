"""Cloud and privacy operations of the core: API keys, status, a test send, usage, and what the
privacy router would do with a message.

A test send goes through the one send path (:class:`engine.cloud.escalate.CloudExchange`), so it
is routed and audited like any answer. Nothing here opens a connection except :meth:`test`, and
only when cloud escalation is on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from engine.core.types import CloudStatus
from engine.errors import CloudError, KeyringUnavailable

if TYPE_CHECKING:
    from engine.cloud.audit import AuditLog
    from engine.cloud.keys import KeyStore
    from engine.cloud.usage import UsageRow, UsageStore
    from engine.cloud.zones import Zone
    from engine.config import Config
    from engine.interfaces import Retriever
    from engine.privacy.router import RouteDecision

PROVIDERS = ("openai", "anthropic")


class CloudOps:
    """``core.cloud`` (see module doc)."""

    def __init__(self, config: Callable[[], Config], audit: Callable[[], AuditLog],
                 usage: Callable[[], UsageStore], docs: Callable[[], Retriever | None]) -> None:
        self._config, self._audit, self._usage, self._docs = config, audit, usage, docs

    # -- keys ------------------------------------------------------------------------------------------
    @staticmethod
    def keys() -> KeyStore:
        from engine.cloud.keys import KeyStore

        return KeyStore()

    def set_key(self, provider: str, key: str) -> None:
        self.keys().set(provider, key)

    def delete_key(self, provider: str) -> bool:
        return self.keys().delete(provider)

    def has_key(self, provider: str) -> bool:
        """Raises KeyringUnavailable when no safe keyring can be asked."""
        return bool(self.keys().get(provider))

    # -- status, usage ---------------------------------------------------------------------------------
    def status(self) -> CloudStatus:
        from engine.cloud.zones import describe, model_zone

        cfg = self._config()
        cloud = cfg.cloud
        try:
            has_key: bool | str = self.has_key(cloud.provider)
        except KeyringUnavailable as exc:
            has_key = f"keyring unavailable: {exc.message}"
        check = self._audit().verify()
        zone = model_zone(cfg.model)
        return CloudStatus(cloud.mode, cloud.provider, cloud.model, cloud.base_url, has_key, check.entries, check.ok,
                           check.problem, cfg.model.remote_url, zone, describe(zone, cfg.model.remote_url))

    def usage(self, since: str | None = None) -> list[UsageRow]:
        return self._usage().report(self._config().cloud.prices, since=since)

    # -- routing ---------------------------------------------------------------------------------------
    def check(self, text: str, *, terms: Sequence[str] = (), retrieved_private: bool = False) -> RouteDecision:
        """What the router decides for ``text`` as in a chat (pasted document text counts)."""
        from engine.privacy.wiring import make_router

        router = make_router(self._config().privacy, docs=self._docs())
        return router.route(text, retrieved_private=retrieved_private, user_terms=list(terms))

    def evaluate(self, file: Path, out: Path | None = None) -> dict[str, Any]:
        """Route every line of a labelled JSONL set; the metrics (see engine.privacy.evaluate)."""
        from engine.privacy import PrivacyRouter
        from engine.privacy.evaluate import evaluate

        return evaluate(file, out, PrivacyRouter(self._config().privacy))

    def test(self) -> tuple[str, str, str]:
        """Send a harmless question to the configured provider through the one send path;
        returns (provider, model, answer)."""
        from engine.cloud.escalate import CloudExchange
        from engine.cloud.providers import make_provider
        from engine.privacy import PrivacyRouter

        cfg = self._config()
        if cfg.cloud.mode == "off":
            raise CloudError("Cloud escalation is off, so Hearth opens no connection.",
                             "Set cloud.mode to 'ask' or 'auto' in settings first.")
        decision = PrivacyRouter(cfg.privacy).route("Reply with the single word OK.")
        provider = make_provider(cfg.cloud)
        provider.max_tokens = 16  # type: ignore[attr-defined]  # both SDK providers have it
        exchange = CloudExchange(decision, provider, audit=self._audit(), usage=self._usage())
        answer = "".join(exchange.stream())
        return provider.name, provider.model, answer


def model_zone(remote_url: str | None, trusted: bool) -> tuple[str, str]:
    """Where answers are written for these model settings, as (zone, words for people): the
    same rule the router applies (``engine.cloud.zones``); cheap, no connection."""
    from engine.cloud.zones import describe, is_loopback_url

    url = (remote_url or "").strip()
    zone: Zone = "this machine" if not url or is_loopback_url(url) else "trusted" if trusted else "cloud"
    return zone, describe(zone, url or None)


def placeholder_segments(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into runs, each marked True when it is a placeholder that replaced a detail
    (what a preview highlights). Imports the privacy package: call it when a preview opens."""
    from engine.privacy.redact import segments

    return list(segments(text))
