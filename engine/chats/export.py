"""Render a conversation as Markdown (to read) or JSON (to keep or move)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import StorageError
from engine.fsutil import atomic_write_text

if TYPE_CHECKING:
    from engine.chats.store import Chat, Message

EXPORT_FORMAT_VERSION = 1


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


def to_markdown(chat: "Chat", messages: list["Message"]) -> str:
    lines = [f"# {chat.title}", "", f"*Started {_iso(chat.created)}"
             + (f" · model {chat.model}" if chat.model else "") + "*", ""]
    for m in messages:
        who = {"user": "You", "assistant": "Assistant", "system": "System"}[m.role]
        notes = []
        if m.role == "assistant" and m.route != "local":
            notes.append(f"via {m.provider or 'cloud'} ({m.route})")
        elif m.role == "assistant" and m.provider:  # kept off the cloud, written by the team's server
            notes.append(f"written by {m.provider}")
        if m.status != "complete":
            notes.append(m.status)
        lines.append(f"## {who}" + (f" — {', '.join(notes)}" if notes else ""))
        lines.append("")
        lines.append(m.content)
        lines.append("")
        if m.citations:
            lines.append("**Sources**")
            lines.append("")
            for i, c in enumerate(m.citations, 1):
                where = c.path + (f", page {c.page}" if c.page else "") + (f" — {c.heading}" if c.heading else "")
                lines.append(f"{i}. {where}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_json(chat: "Chat", messages: list["Message"]) -> str:
    doc = {
        "format": "hearth-chat",
        "version": EXPORT_FORMAT_VERSION,
        "chat": {**asdict(chat), "created_iso": _iso(chat.created), "updated_iso": _iso(chat.updated)},
        "messages": [{**asdict(m), "created_iso": _iso(m.created)} for m in messages],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_export(path: Path, text: str) -> None:
    """Atomic: an interrupted export never leaves a half file over a previous one."""
    try:
        atomic_write_text(path, text)
    except OSError as exc:  # e.g. the parent "folder" is a file: fsutil's mkdir raises raw
        raise StorageError(f"Could not write the export to {path}: {exc.strerror or exc}.",
                           "Choose another file name or folder.") from exc
