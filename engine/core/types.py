"""The types a front end sees: everything the core's operations take or return.

Front ends (the CLI, the desktop app, the API server, the MCP server) import from
``engine.core`` and from here, plus ``engine.events`` (turn events), ``engine.errors`` (the one
error hierarchy) and ``engine.config`` (the settings model) — those three are the core's types
too, kept in their own light modules. Nothing here imports a heavy library: result types of
the modules below the core are re-exported lazily (PEP 562), so ``import engine.core`` stays
cheap enough for the desktop app to do before its window shows.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.interfaces import Hit, Host, Provider, Retriever, Router

if TYPE_CHECKING:
    # What __getattr__ below re-exports at run time, spelled `X as X` so that type checkers and
    # linters see explicit re-exports rather than unused imports.
    from engine.chats import Chat as Chat, ChatSearchHit as ChatSearchHit, ChatStore as ChatStore, Message as Message
    from engine.cloud.audit import VerifyResult as VerifyResult
    from engine.cloud.usage import UsageRow as UsageRow
    from engine.docs.indexer import IndexReport as IndexReport
    from engine.docs.passages import Passage as Passage
    from engine.docs.service import CollectionStatus as CollectionStatus
    from engine.inference.types import GenerationStats as GenerationStats, LoadInfo as LoadInfo
    from engine.models.catalog import CatalogEntry
    from engine.models.download import HubFileRef as HubFileRef, PullResult as PullResult
    from engine.models.fit import FitPlan
    from engine.models.hardware import Hardware
    from engine.models.registry import InstalledModel as InstalledModel
    from engine.privacy.router import RouteDecision as RouteDecision

# name -> module: types of the layers below, importable from here without importing them early.
_LAZY = {
    "Chat": "engine.chats", "ChatSearchHit": "engine.chats", "ChatStore": "engine.chats", "Message": "engine.chats",
    "VerifyResult": "engine.cloud.audit", "UsageRow": "engine.cloud.usage",
    "IndexReport": "engine.docs.indexer", "CollectionStatus": "engine.docs.service", "Passage": "engine.docs.passages",
    "GenerationStats": "engine.inference.types", "LoadInfo": "engine.inference.types",
    "CatalogEntry": "engine.models.catalog", "HubFileRef": "engine.models.download", "PullResult": "engine.models.download",
    "FitPlan": "engine.models.fit", "Hardware": "engine.models.hardware", "InstalledModel": "engine.models.registry",
    "RouteDecision": "engine.privacy.router",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


# -- models -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InstalledRow:
    """One installed model as every front end lists it."""

    id: str
    path: str
    source: str                # starter | hub:<repo>@<rev> | import:<path>
    size_bytes: int
    present: bool              # the file is where the registry says
    verified: bool
    is_default: bool = False
    catalog_id: str | None = None

    @property
    def check(self) -> str:
        """verified | starter | unverified | missing — the CLI's CHECK column."""
        if not self.present:
            return "missing"
        return "verified" if self.verified else ("starter" if self.source == "starter" else "unverified")


@dataclass(frozen=True)
class CatalogRow:
    """A catalog entry with its fit on this computer and its download state."""

    entry: CatalogEntry
    plan: FitPlan
    installed: bool
    partial_bytes: int = 0
    speed: Any = None          # a speed estimate, when the model speed module measured this computer

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def verdict(self) -> str:
        return self.plan.verdict

    @property
    def fit_text(self) -> str:
        return self.plan.describe()


@dataclass(frozen=True)
class PartialDownload:
    repo: str
    file: str
    sha256: str
    have_bytes: int
    size_bytes: int


@dataclass(frozen=True)
class ModelListing:
    """What the model manager shows: this computer, the installed models, the catalog with fit,
    downloads that can be resumed. Built by one function (``engine.core.models``) for all."""

    hardware: Hardware
    hardware_text: str
    n_ctx: int
    default: str
    installed: list[InstalledRow]
    catalog: list[CatalogRow]
    partials: list[PartialDownload]
    calibrated: bool = False   # speed estimates are based on a measurement of this computer


# -- audit ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditEntry:
    """One request that left this computer, as the audit log recorded it."""

    seq: int
    time: str
    provider: str
    model: str
    route: str
    zone: str
    text: str                          # the last message exactly as sent
    history: list[dict[str, Any]] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    delivered: bool | None = None      # the endpoint answered; None = no outcome recorded
    outcome_detail: str = ""
    corrupt: str | None = None         # the raw line, when it could not be read


@dataclass(frozen=True)
class AuditDetails:
    """The audit log as a front end shows it: entries (oldest first) and the chain check."""

    entries: list[AuditEntry]
    ok: bool
    total: int
    problem: str | None = None
    summary: str = ""                  # one line for people (``VerifyResult.summary``)


# -- settings ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SettingsChange:
    """What a settings update changed, so a front end knows what to restart."""

    model: bool = False        # the model must be reloaded
    documents: bool = False    # the document service must be reopened
    privacy: bool = False      # router / cloud settings (the next turn uses them)
    server: bool = False       # the local API server's settings

    @property
    def any(self) -> bool:
        return self.model or self.documents or self.privacy or self.server


@dataclass(frozen=True)
class CloudStatus:
    mode: str
    provider: str
    model: str
    base_url: str | None
    key_stored: bool | str             # True/False, or why the keyring cannot tell
    audit_entries: int
    audit_ok: bool
    audit_problem: str | None
    model_server: str | None
    model_zone: str
    model_zone_text: str


@dataclass(frozen=True)
class ModelServerCheck:
    """What "Test connection" found at a model server (``core.model_server.test``)."""
    url: str
    ok: bool
    models: list[str]                  # the names the server lists (empty when it failed)
    model: str | None                  # the one answers would come from
    zone: str                          # "this machine" | "trusted" | "cloud"
    zone_text: str                     # the zone in words
    problem: str | None = None         # what went wrong and what to do, in words
    elapsed_s: float = 0.0

    def summary(self) -> str:
        """One paragraph for people (the CLI prints it, the app shows it under the fields)."""
        if not self.ok:
            return f"Not connected: {self.problem}"
        others = [m for m in self.models if m != self.model]
        return (f"Connected in {self.elapsed_s:.1f} s. Answers would come from '{self.model}'"
                + (f" (the server also serves: {', '.join(others)})" if others else "")
                + f", generated on {self.zone_text}.")


@dataclass
class ChromaServerCheck:
    """What "Test connection" found at a Chroma server (``core.chroma_servers.test``)."""
    url: str
    ok: bool
    reachable: bool                    # something answered at that address
    token: str                         # "accepted" | "refused" | "missing" | "not needed" | "unknown"
    collections: list[str]             # Hearth's shared collections there (by the name people gave them)
    other_collections: int             # collections there that Hearth did not make
    zone: str                          # "this machine" | "server"
    zone_text: str                     # the zone in words
    problem: str | None = None         # what went wrong and what to do, in words
    elapsed_s: float = 0.0

    def summary(self) -> str:
        """One paragraph for people (the CLI prints it, the app shows it under the fields)."""
        if not self.ok:
            return ("Not connected: " if not self.reachable else "Connected, but: ") + (self.problem or "")
        token = {"accepted": "the token was accepted", "not needed": "the server asks for no token"}.get(
            self.token, f"token: {self.token}")
        shared = (f"{len(self.collections)} shared collection(s): {', '.join(self.collections)}"
                  if self.collections else "no shared collections yet")
        others = f" (and {self.other_collections} not made by Hearth)" if self.other_collections else ""
        return (f"Connected in {self.elapsed_s:.1f} s; {token}; {shared}{others}. "
                f"Collections there are kept on {self.zone_text}.")


__all__ = [
    "AuditDetails", "ChromaServerCheck", "ModelServerCheck", "AuditEntry", "CatalogRow", "CloudStatus", "Hit", "Host", "InstalledRow", "ModelListing",
    "PartialDownload", "Provider", "Retriever", "Router", "SettingsChange", *sorted(_LAZY),
]
