"""Trust zones: this machine, a server the person marked trusted, and everything else (cloud).

Every endpoint that is not this machine is treated as cloud unless the person marked it trusted
(Settings → Model, ``model.remote_trusted``): a model server on the team's own network sees
private messages only when its owner said so. A cloud-zone model server gets exactly what a cloud
provider gets — routed text, audited — through :class:`HostEndpoint`, which lets the one send
path (:mod:`engine.cloud.escalate`) talk to it.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterator, Literal
from urllib.parse import urlsplit

Zone = Literal["this machine", "trusted", "cloud"]


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def model_zone(model_settings: Any) -> Zone:
    """Where the chat model runs, as far as privacy goes."""
    url = getattr(model_settings, "remote_url", None)
    if not url or is_loopback_url(url):
        return "this machine"
    return "trusted" if getattr(model_settings, "remote_trusted", False) else "cloud"


def describe(zone: Zone, url: str | None = None) -> str:
    if zone == "this machine":
        return "this computer"
    where = urlsplit(url).hostname if url else "a server"
    return f"{where} (trusted by you)" if zone == "trusted" else f"{where} (not trusted: treated like a cloud service)"


class HostEndpoint:
    """A model host (e.g. ``RemoteHost``) seen as a provider: ``stream``/``cancel``/``name``/``model``."""

    def __init__(self, host: Any, url: str) -> None:
        self.host = host
        self.name = f"server {urlsplit(url).hostname or url}"
        self._installed = getattr(getattr(host, "model", None), "id", None)

    @property
    def model(self) -> str:
        """The served model's name once the host connected (``remote_model`` or the server's
        first), so the audit log names the model that really received the text."""
        return getattr(self.host, "model_name", None) or self._installed or "remote model"

    def stream(self, messages: list[dict]) -> Iterator[str]:
        return self.host.stream_chat(messages)

    def cancel(self) -> None:
        self.host.cancel()

    @property
    def last_usage(self) -> tuple[int, int]:
        stats = getattr(self.host, "last_stats", None)
        return (int(getattr(stats, "prompt_tokens", 0) or 0), int(getattr(stats, "tokens", 0) or 0))
