"""The engine's public face: :class:`Core` and the types its operations use.

    from engine.core import Core
    with Core.from_settings() as core:
        core.load_model()
        for event in core.turn(core.chats.create().id, "Hello"):
            ...

Front ends (``engine.cli``, ``desktop``, ``engine.serve``, ``engine.mcp_server``) use this
package, ``engine.events``, ``engine.errors`` and ``engine.config`` — nothing below the core.
"""

from engine.core.api import ApiStatus
from engine.core.chroma_servers import chroma_zone, location_text
from engine.core.cloud import model_zone, placeholder_segments
from engine.core.core import Core
from engine.core.models import human_bytes
from engine.core.stateless import BadRequest, StatelessTurn
from engine.core.types import (AuditDetails, AuditEntry, CatalogRow, ChromaServerCheck, CloudStatus, InstalledRow, ModelListing,
                               ModelServerCheck, PartialDownload, SettingsChange)

__all__ = ["ApiStatus", "AuditDetails", "AuditEntry", "BadRequest", "CatalogRow", "ChromaServerCheck", "CloudStatus",
           "Core", "InstalledRow", "chroma_zone", "location_text",
           "ModelListing", "ModelServerCheck", "PartialDownload", "SettingsChange", "StatelessTurn", "human_bytes", "model_zone",
           "placeholder_segments"]
